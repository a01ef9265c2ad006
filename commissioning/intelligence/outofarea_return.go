package intelligence

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// OutOfAreaReturn is the annual out-of-area return: per council, how many children it
// placed out of its area in a financial year (1 April to 31 March), by the reason
// recorded on the award (placements.out_of_area_reason; "" where none was recorded,
// as for awards made before it was asked).
type OutOfAreaReturn struct {
	AsOf     time.Time
	Year     int // the financial year starting 1 April Year
	Total    ReturnRow
	Councils []ReturnRow // the councils in the scope, by name
}

// ReturnRow is one council's (or the consortium's) placements out of area by reason.
type ReturnRow struct {
	Name     string
	Placed   Count
	ByReason map[string]Count // by reason code; "" for not recorded
}

// YearLabel names a financial year as returns do: 2025 is "2025-26".
func YearLabel(year int) string { return fmt.Sprintf("%d-%02d", year, (year+1)%100) }

// LastCompleteYear is the last financial year ended by now (the return's default).
func LastCompleteYear(now time.Time) int {
	y := now.Year() - 1
	if now.Month() < time.April {
		y--
	}
	return y
}

// OutOfAreaReturn answers the return for scope and financial year from the last refresh
// of the out-of-area summaries (AsOf).
func (s *Service) OutOfAreaReturn(ctx context.Context, scope Scope, year int) (OutOfAreaReturn, error) {
	at, err := s.refreshed(ctx, outOfAreaView, s.RefreshOutOfArea)
	if err != nil {
		return OutOfAreaReturn{}, err
	}
	var rows []struct {
		CouncilID int64
		Council   string
		Reason    string
		N         int64
	}
	if err := s.read.WithContext(ctx).Raw(`
		SELECT s.council_id, c.name AS council, s.reason, s.placements AS n
		FROM intel_out_of_area_return s JOIN organisations c ON c.id = s.council_id
		WHERE s.consortium_id = ? AND s.year = ?`, scope.Consortium, year).Scan(&rows).Error; err != nil {
		return OutOfAreaReturn{}, err
	}
	out := OutOfAreaReturn{AsOf: at.RefreshedAt, Year: year}
	total, totalBy := int64(0), map[string]int64{}
	placed, by, names := map[int64]int64{}, map[int64]map[string]int64{}, map[int64]string{}
	for _, r := range rows {
		total += r.N
		totalBy[r.Reason] += r.N
		if scope.Council != 0 && r.CouncilID != scope.Council {
			continue // a council sees the consortium's totals, never another council's row
		}
		if by[r.CouncilID] == nil {
			by[r.CouncilID], names[r.CouncilID] = map[string]int64{}, r.Council
		}
		placed[r.CouncilID] += r.N
		by[r.CouncilID][r.Reason] += r.N
	}
	out.Total = returnRow("All councils", total, totalBy)
	for id, n := range placed {
		out.Councils = append(out.Councils, returnRow(names[id], n, by[id]))
	}
	sort.Slice(out.Councils, func(i, j int) bool { return out.Councils[i].Name < out.Councils[j].Name })
	return out, nil
}

// returnRow is a row of the return: its reasons add up to the placements beside them,
// so they are suppressed as a group (SuppressGroup, in code order).
func returnRow(name string, placed int64, by map[string]int64) ReturnRow {
	r := ReturnRow{Name: name, Placed: Suppressed(placed), ByReason: map[string]Count{}}
	codes := slices.Sorted(maps.Keys(by))
	ns := make([]int64, len(codes))
	for i, code := range codes {
		ns[i] = by[code]
	}
	for i, c := range SuppressGroup(ns...) {
		r.ByReason[codes[i]] = c
	}
	return r
}
