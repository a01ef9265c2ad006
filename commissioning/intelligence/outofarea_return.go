package intelligence

import (
	"context"
	"fmt"
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

// OutOfAreaReturn answers the return for scope and financial year.
func (s *Service) OutOfAreaReturn(ctx context.Context, scope Scope, year int) (OutOfAreaReturn, error) {
	from := time.Date(year, time.April, 1, 0, 0, 0, 0, time.UTC)
	var rows []struct {
		CouncilID int64
		Council   string
		Reason    string
		N         int64
	}
	err := s.db.WithContext(ctx).Raw(`
		SELECT p.council_id, c.name AS council, coalesce(p.out_of_area_reason, '') AS reason, count(*) AS n
		FROM placements p JOIN organisations c ON c.id = p.council_id
		WHERE c.consortium_id = ? AND p.host_council_id IS DISTINCT FROM p.council_id
		  AND p.status IN ('awarded', 'started', 'ended') AND p.end_reason IS DISTINCT FROM 'did_not_start'
		  AND p.start_date >= ? AND p.start_date < ?
		GROUP BY 1, 2, 3`, scope.Consortium, from, from.AddDate(1, 0, 0)).Scan(&rows).Error
	if err != nil {
		return OutOfAreaReturn{}, err
	}
	out := OutOfAreaReturn{AsOf: s.Now(), Year: year}
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

func returnRow(name string, placed int64, by map[string]int64) ReturnRow {
	r := ReturnRow{Name: name, Placed: Suppressed(placed), ByReason: map[string]Count{}}
	for code, n := range by {
		r.ByReason[code] = Suppressed(n)
	}
	return r
}
