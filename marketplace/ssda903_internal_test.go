package marketplace

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel/ssda903"
)

func day903(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func dayPtr(s string) *time.Time { d := day903(s); return &d }

// rp is a placement of child A1 in home 1, residential (K2), under a care order (C2).
func rp(id int64, start, end, reason string) returnPlacement {
	p := returnPlacement{ID: id, ChildRef: "A1", LegalStatus: ptrTo("s31"), StartedOn: day903(start), HomeID: id, PlacementType: "residential", OfstedURN: "SC123456", Outcode: "M14"}
	if end != "" {
		p.EndedOn, p.EndReason = dayPtr(end), ptrTo(reason)
	}
	return p
}

func ptrTo[T any](v T) *T { return &v }

// The Episodes rows of edge cases in 2025-26 (1 April 2025 to 31 March 2026): each
// placement's row as columns.md says, and the issues it raises.
func TestSSDA903EpisodeEdges(t *testing.T) {
	y := ssda903.Year{Start: 2025}
	tests := []struct {
		name       string
		placements []returnPlacement
		want       [][]string // the rows, CHILD to URN
		issues     []string   // COLUMN/kind of issues beyond CIN and HOME_POST and PLACE_PROVIDER
	}{
		{"an episode begun before 1 April and still open in the year is listed, DECOM as it was",
			[]returnPlacement{rp(1, "2025-02-10", "2025-06-30", "return_home")},
			[][]string{{"A1", "10/02/2025", "", "C2", "", "K2", "", "30/06/2025", "E4A", "", "", "M14", "SC123456"}},
			[]string{"RNE/not_in_hearth"}},
		{"an episode ended before 1 April is not listed",
			[]returnPlacement{rp(1, "2024-06-01", "2025-03-31", "return_home"), rp(2, "2025-05-01", "", "")},
			[][]string{{"A1", "01/05/2025", "", "C2", "", "K2", "", "", "", "", "", "M14", "SC123456"}},
			[]string{"RNE/not_in_hearth"}},
		{"an episode ending on 1 April is listed",
			[]returnPlacement{rp(1, "2024-06-01", "2025-04-01", "adopted")},
			[][]string{{"A1", "01/06/2024", "", "C2", "", "K2", "", "01/04/2025", "E11", "", "", "M14", "SC123456"}},
			[]string{"RNE/not_in_hearth"}},
		{"an episode ending after 31 March is open at the year's end: DEC, REC and RPC blank",
			[]returnPlacement{rp(1, "2026-01-05", "2026-04-02", "planned_move")},
			[][]string{{"A1", "05/01/2026", "", "C2", "", "K2", "", "", "", "", "", "M14", "SC123456"}},
			[]string{"RNE/not_in_hearth"}},
		{"a same-day move: X1 with the reason for change on the ceasing episode, P on the next",
			[]returnPlacement{rp(1, "2025-04-10", "2025-09-01", "breakdown"), rp(2, "2025-09-01", "", "")},
			[][]string{{"A1", "10/04/2025", "", "C2", "", "K2", "", "01/09/2025", "X1", "CREQB", "", "M14", "SC123456"},
				{"A1", "01/09/2025", "P", "C2", "", "K2", "", "", "", "", "", "M14", "SC123456"}},
			[]string{"RNE/not_in_hearth"}},
		{"a same-day move with a change of legal status is B",
			[]returnPlacement{rp(1, "2025-04-10", "2025-09-01", "planned_move"), func() returnPlacement { p := rp(2, "2025-09-01", "", ""); p.LegalStatus = ptrTo("s20"); return p }()},
			[][]string{{"A1", "10/04/2025", "", "C2", "", "K2", "", "01/09/2025", "X1", "CARPL", "", "M14", "SC123456"},
				{"A1", "01/09/2025", "B", "V2", "", "K2", "", "", "", "", "", "M14", "SC123456"}},
			[]string{"RNE/not_in_hearth"}},
		{"a move whose next placement is not in Hearth: X1, and the missing episode reported",
			[]returnPlacement{rp(1, "2025-04-10", "2025-09-01", "allegation"), rp(2, "2025-10-01", "", "")},
			[][]string{{"A1", "10/04/2025", "", "C2", "", "K2", "", "01/09/2025", "X1", "ALLEG", "", "M14", "SC123456"},
				{"A1", "01/10/2025", "", "C2", "", "K2", "", "", "", "", "", "M14", "SC123456"}},
			[]string{"RNE/not_in_hearth", "DECOM/not_in_hearth", "RNE/not_in_hearth"}},
		{"fostering reports U6 with the agency's URN; secure order s25 leaves LS to the council",
			[]returnPlacement{func() returnPlacement {
				p := rp(1, "2025-05-01", "", "")
				p.PlacementType, p.LegalStatus, p.OfstedURN = "fostering", ptrTo("s25"), "1234567"
				return p
			}()},
			[][]string{{"A1", "01/05/2025", "", "", "", "U6", "", "", "", "", "", "M14", "1234567"}},
			[]string{"RNE/not_in_hearth", "LS/not_in_hearth"}},
		{"a day's placement and overlapping placements fail the DfE's checks",
			[]returnPlacement{rp(1, "2025-05-01", "2025-05-01", "return_home"), rp(2, "2025-06-01", "", ""), rp(3, "2025-07-01", "", "")},
			[][]string{{"A1", "01/05/2025", "", "C2", "", "K2", "", "01/05/2025", "E4A", "", "", "M14", "SC123456"},
				{"A1", "01/06/2025", "", "C2", "", "K2", "", "", "", "", "", "M14", "SC123456"},
				{"A1", "01/07/2025", "", "C2", "", "K2", "", "", "", "", "", "M14", "SC123456"}},
			[]string{"RNE/not_in_hearth", "DEC/dfe_check", "RNE/not_in_hearth", "RNE/not_in_hearth", "DECOM/dfe_check"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := SSDA903Return{Year: y}
			r.episodesOf("A1", tt.placements)
			var got [][]string
			for _, e := range r.Episodes {
				got = append(got, e.Row())
			}
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("rows\n got %q\nwant %q", got, tt.want)
			}
			var issues []string
			for _, v := range r.Issues {
				if v.Column != "CIN" && v.Column != "HOME_POST" && v.Column != "PLACE_PROVIDER" {
					issues = append(issues, v.Column+"/"+v.Kind)
				}
			}
			if !slices.Equal(issues, tt.issues) {
				t.Errorf("issues %v, want %v", issues, tt.issues)
			}
		})
	}
	t.Run("K3 before 2024-25 is left blank and reported", func(t *testing.T) {
		p := rp(1, "2023-05-01", "", "")
		p.PlacementType = "supported_16_17"
		r := SSDA903Return{Year: ssda903.Year{Start: 2023}}
		r.episodesOf("A1", []returnPlacement{p})
		if r.Episodes[0].PLACE != "" || !strings.Contains(issueText(r), "PLACE/dfe_check") {
			t.Errorf("2023-24 PLACE %q, issues %s", r.Episodes[0].PLACE, issueText(r))
		}
		r = SSDA903Return{Year: ssda903.Year{Start: 2024}}
		r.episodesOf("A1", []returnPlacement{p})
		if r.Episodes[0].PLACE != "K3" {
			t.Errorf("2024-25 PLACE %q, want K3", r.Episodes[0].PLACE)
		}
	})
	t.Run("a CHILD that is not 20 letters and digits is reported, never changed", func(t *testing.T) {
		p := rp(1, "2025-05-01", "", "")
		r := SSDA903Return{Year: y}
		r.episodesOf("MCR/2026-0042", []returnPlacement{p})
		if r.Episodes[0].Child != "MCR/2026-0042" || !strings.Contains(issueText(r), "CHILD/dfe_check") {
			t.Errorf("CHILD %q, issues %s", r.Episodes[0].Child, issueText(r))
		}
	})
}

func issueText(r SSDA903Return) string {
	var out []string
	for _, v := range r.Issues {
		out = append(out, v.Column+"/"+v.Kind)
	}
	return strings.Join(out, " ")
}

// A missing episode open at the year's end has no MIS_END; one that ended has it. Dates
// are England's: British Summer Time began on 29 March 2026, so 23:30 UTC on 31 March is
// 00:30 on 1 April, after the year.
func TestSSDA903MissingEdges(t *testing.T) {
	y := ssda903.Year{Start: 2025}
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	tests := []struct {
		name, kind, start string
		end               *time.Time
		want              []string
	}{
		{"missing, returned the next day", "missing", "2025-06-01T22:00:00Z", at("2025-06-02T09:00:00Z"), []string{"A1", "", "M", "01/06/2025", "02/06/2025"}},
		{"away, in the small hours of England's day", "absent", "2025-06-01T23:30:00Z", at("2025-06-02T03:00:00Z"), []string{"A1", "", "A", "02/06/2025", "02/06/2025"}},
		{"open at the year's end: no MIS_END", "missing", "2026-03-30T10:00:00Z", nil, []string{"A1", "", "M", "30/03/2026", ""}},
		{"returned after the year's end: no MIS_END", "missing", "2026-03-31T10:00:00Z", at("2026-03-31T23:30:00Z"), []string{"A1", "", "M", "31/03/2026", ""}},
		{"begun before 1 April, ended in the year", "missing", "2025-03-31T20:00:00Z", at("2025-04-01T08:00:00Z"), []string{"A1", "", "M", "31/03/2025", "01/04/2025"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := missingEpisode(y, "A1", tt.kind, *at(tt.start), tt.end).Row()
			if !slices.Equal(got, tt.want) {
				t.Errorf("row %q, want %q", got, tt.want)
			}
		})
	}
}
