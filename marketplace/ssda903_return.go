package marketplace

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/commissioning/kernel/ssda903"
)

// The SSDA903 files a placing council's return draws from Hearth (see
// commissioning/kernel/ssda903/data/columns.md), and the validation report beside them.
var (
	EpisodesHeader   = []string{"CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"}
	MissingHeader    = []string{"CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"}
	ValidationHeader = []string{"child", "file", "column", "date", "kind", "missing", "why", "council_to_fill"}
)

// The files, as ValidationIssue.File names them.
const (
	FileEpisodes = "Episodes"
	FileMissing  = "Missing"
)

// The kinds of validation issue: what Hearth cannot know, and a DfE check that fails.
const (
	IssueUnknown = "not_in_hearth"
	IssueCheck   = "dfe_check"
)

// ErrReturnYear is a collection year outside the ones Hearth can export.
var ErrReturnYear = kernel.NewError(kernel.ErrInvalid, "ssda903_year", "Choose a collection year from the list: Hearth exports 2016-17 to the current year.")

// LegalStatusLS is the SSDA903 legal status (LS) each of Hearth's legal statuses reports
// as. A section 25 secure accommodation order is not an LS code: the child's legal status
// under it (a care order, section 20 or remand) is the council's to give.
var LegalStatusLS = map[string]string{"s20": "V2", "s31": "C2", "ico": "C1", "remand": "J1", "epo": "L2"}

// Episode is one row of the Episodes file: one placement of the council's child that was
// open during the year. A zero DEC is an episode still open at the year's end.
type Episode struct {
	PlacementID                             int64
	Child                                   string
	DECOM, DEC                              time.Time
	RNE, LS, CIN, PLACE, PlaceProvider, REC string
	RPC, HomePost, PLPost, URN              string
}

// Row is the episode's cells, in EpisodesHeader's order.
func (e Episode) Row() []string {
	return []string{e.Child, ssda903.Date(e.DECOM), e.RNE, e.LS, e.CIN, e.PLACE, e.PlaceProvider, ssda903.Date(e.DEC), e.REC, e.RPC, e.HomePost, e.PLPost, e.URN}
}

// MissingEpisode is one row of the Missing file: a missing (M) or away (A) episode during
// the year. A zero End is an episode unresolved at the year's end.
type MissingEpisode struct {
	IncidentID, PlacementID int64
	Child, DOB, Missing     string
	Start, End              time.Time
}

// Row is the episode's cells, in MissingHeader's order.
func (m MissingEpisode) Row() []string {
	return []string{m.Child, m.DOB, m.Missing, ssda903.Date(m.Start), ssda903.Date(m.End)}
}

// ValidationIssue is one line of the validation report: a cell Hearth leaves blank
// because it cannot know it (IssueUnknown), or a DfE check the rows fail (IssueCheck).
// Date locates the row: the episode's DECOM or the missing episode's MIS_START ("" for a
// child's every row).
type ValidationIssue struct {
	Child, File, Column, Date, Kind string
	Missing, Why, Fill              string
}

// Row is the issue's cells, in ValidationHeader's order.
func (v ValidationIssue) Row() []string {
	return []string{v.Child, v.File, v.Column, v.Date, v.Kind, v.Missing, v.Why, v.Fill}
}

// SSDA903Return is what one placing council's SSDA903 return for one collection year
// draws from Hearth's placements, with what Hearth cannot know.
type SSDA903Return struct {
	Year     ssda903.Year
	Episodes []Episode
	Missing  []MissingEpisode
	Issues   []ValidationIssue
	Children int
}

// PlacementIDs are the placements the return shows (for the audit of its reading).
func (r SSDA903Return) PlacementIDs() []int64 {
	var ids []int64
	for _, e := range r.Episodes {
		ids = append(ids, e.PlacementID)
	}
	return ids
}

// Checks counts the issues that are failed DfE checks.
func (r SSDA903Return) Checks() int {
	n := 0
	for _, v := range r.Issues {
		if v.Kind == IssueCheck {
			n++
		}
	}
	return n
}

// ReturnYears are the collection years the return page offers on today: the current one
// and the two before it, latest first.
func ReturnYears(today time.Time) []ssda903.Year {
	y := ssda903.YearOf(today)
	return []ssda903.Year{y, y.Previous(), y.Previous().Previous()}
}

// returnPlacement is a started placement of the council's child, as the return reads it.
type returnPlacement struct {
	ID            int64
	ChildRef      string
	LegalStatus   *string
	StartedOn     time.Time
	EndedOn       *time.Time
	EndReason     *string
	HomeID        int64
	PlacementType string
	OfstedURN     string
	Outcode       string
}

// SSDA903 returns council's return for year y: every placement of the council's children
// open at some time in the year (started on or before 31 March, not ended before 1 April),
// with their missing and away episodes. It fills only what Hearth knows and lists the rest
// in Issues; a code not valid in y is left blank and listed, never exported. Returns
// ErrReturnYear for a year before 2016-17 or after the current one. It does not audit:
// the caller records who read it.
func (s *Service) SSDA903(ctx context.Context, councilID int64, y ssda903.Year) (SSDA903Return, error) {
	ret := SSDA903Return{Year: y}
	if y.Start < ssda903.FirstYear.Start || y.Start > ssda903.YearOf(s.today()).Start {
		return ret, ErrReturnYear
	}
	var all []returnPlacement
	err := s.db.WithContext(ctx).Raw(`SELECT p.id, r.child_ref, r.legal_status, p.started_on, p.ended_on, p.end_reason, p.home_id,
            coalesce(l.placement_type, '') AS placement_type, h.ofsted_urn, h.outcode
        FROM placements p JOIN placement_requests r ON r.id = p.request_id JOIN homes h ON h.id = p.home_id
        LEFT JOIN lots l ON l.id = r.lot_id
        WHERE p.council_id = @council AND r.council_id = @council AND p.started_on IS NOT NULL AND p.started_on <= @last
          AND r.child_ref IN (SELECT r2.child_ref FROM placements p2 JOIN placement_requests r2 ON r2.id = p2.request_id
                WHERE p2.council_id = @council AND p2.started_on IS NOT NULL AND p2.started_on <= @last
                  AND (p2.ended_on IS NULL OR p2.ended_on >= @first))
        ORDER BY r.child_ref, p.started_on, p.id`,
		map[string]any{"council": councilID, "first": y.First(), "last": y.Last()}).Scan(&all).Error
	if err != nil {
		return ret, fmt.Errorf("ssda903 %s placements of council %d: %w", y, councilID, err)
	}
	byChild := map[string][]returnPlacement{}
	var children []string
	for _, p := range all {
		if _, ok := byChild[p.ChildRef]; !ok {
			children = append(children, p.ChildRef)
		}
		byChild[p.ChildRef] = append(byChild[p.ChildRef], p)
	}
	for _, ref := range children {
		ret.episodesOf(ref, byChild[ref])
	}
	ret.Children = len(children)
	return ret, s.missingEpisodes(ctx, &ret)
}

// episodesOf adds a child's episodes in the year, from all their placements up to its end
// (oldest first), and what is missing from them.
func (r *SSDA903Return) episodesOf(ref string, ps []returnPlacement) {
	y := r.Year
	issue := func(column, date, kind, missing, why, fill string) {
		r.Issues = append(r.Issues, ValidationIssue{Child: ref, File: FileEpisodes, Column: column, Date: date, Kind: kind, Missing: missing, Why: why, Fill: fill})
	}
	if !ssda903.ValidChild(ref) {
		issue("CHILD", "", IssueCheck, "A CHILD the DfE accepts",
			"The council's reference for the child is not 1 to 20 letters and digits; Hearth exports it unchanged rather than alter it.",
			"Replace it in every file with the child's SSDA903 ID from the case system.")
	}
	issue("CIN", "", IssueUnknown, "Category of need, on every episode",
		"Hearth does not record the child's category of need when care began.", "The CIN code (N1 to N8) from the case system.")
	issue("HOME_POST", "", IssueUnknown, "Postcode of the child's home address, on every episode",
		"Hearth holds only the district of the child's home, never the full postcode.", "The home postcode from the case system.")
	var prev *Episode
	for i, p := range ps {
		if p.EndedOn != nil && p.EndedOn.Before(y.First()) {
			continue
		}
		e := Episode{PlacementID: p.ID, Child: ref, DECOM: p.StartedOn, PLPost: p.Outcode}
		decom := ssda903.Date(e.DECOM)
		// code keeps a derived code only if the DfE's list for the year has it.
		code := func(field, c, from string) string {
			if c == "" || ssda903.Valid(field, c, y) {
				return c
			}
			issue(field, decom, IssueCheck, fmt.Sprintf("A %s code valid in %s", field, y),
				fmt.Sprintf("Hearth's %s reports as %s, which is not a %s code in %s.", from, c, field, y), "The code for this episode from the case system.")
			return ""
		}
		e.RNE = code("RNE", newEpisodeReason(ps, i), "move between placements")
		if e.RNE == "" {
			issue("RNE", decom, IssueUnknown, "Reason for new episode",
				"Hearth holds no placement of this child that ended the day this one began with a move, or cannot tell whether the legal status changed.",
				"S if the child started to be looked after; L, P, T, B or U otherwise.")
		}
		if p.LegalStatus != nil {
			e.LS = code("LS", LegalStatusLS[*p.LegalStatus], "legal status "+*p.LegalStatus)
		}
		if e.LS == "" {
			issue("LS", decom, IssueUnknown, "Legal status",
				"Hearth holds no legal status the return takes for this placement (none recorded, or a section 25 secure accommodation order).", "The LS code from the case system.")
		}
		if dfe, ok := DfECode(PlacementTypeCodes, p.PlacementType); ok {
			e.PLACE = code("PLACE", dfe.Code, "placement type "+p.PlacementType)
		}
		if e.PLACE == "" {
			issue("PLACE", decom, IssueUnknown, "Placement type", "Hearth holds no placement type the return takes for this placement.", "The PLACE code from the case system.")
		}
		if e.PLACE == "" || !ssda903.NoProvider(e.PLACE) {
			issue("PLACE_PROVIDER", decom, IssueUnknown, "Placement provider",
				"Hearth does not record whether the provider is private, voluntary or public.", "The PLACE_PROVIDER code (PR1 to PR5) from the case system.")
		}
		switch {
		case e.PLACE != "" && ssda903.NoURN(e.PLACE, y):
		case ssda903.ValidURN(p.OfstedURN):
			e.URN = p.OfstedURN
		default:
			issue("URN", decom, IssueUnknown, "Ofsted URN", fmt.Sprintf("The home's URN %q is not one the return takes.", p.OfstedURN), "The setting's Ofsted URN.")
		}
		if p.EndedOn != nil && !p.EndedOn.After(y.Last()) {
			e.DEC = *p.EndedOn
			if dfe, ok := DfECode(EndReasonCodes, deref(p.EndReason)); ok {
				if dfe.Field == FieldPlaceChange {
					e.REC = "X1"
					e.RPC = code("REASON_PLACE_CHANGE", dfe.Code, "end reason "+deref(p.EndReason))
				} else {
					e.REC = code("REC", dfe.Code, "end reason "+deref(p.EndReason))
				}
			}
			if e.REC == "" {
				issue("REC", decom, IssueUnknown, "Reason episode ceased", "Hearth's end reason for this placement has no REC code.", "The REC code from the case system.")
			}
			if e.REC == "X1" && (i+1 == len(ps) || !ps[i+1].StartedOn.Equal(e.DEC)) {
				issue("DECOM", ssda903.Date(e.DEC), IssueUnknown, "The child's next episode",
					"This episode ends with a move (X1) but the child's next placement, beginning the same day, is not in Hearth.",
					"Add the next episode from the case system, with its reason for new episode.")
			}
			if e.DEC.Equal(e.DECOM) {
				issue("DEC", decom, IssueCheck, "DEC different from DECOM", "The placement began and ended on the same day; the DfE rejects an episode whose DEC equals its DECOM.",
					"Check the dates in the case system; the DfE records no episode of less than a day.")
			}
		}
		if prev != nil && (prev.DEC.IsZero() || prev.DEC.After(e.DECOM)) {
			issue("DECOM", decom, IssueCheck, "Episodes that do not overlap",
				fmt.Sprintf("This episode begins before the child's episode from %s has ended.", ssda903.Date(prev.DECOM)),
				"Correct the dates of the two placements in the case system and in Hearth.")
		}
		r.Episodes = append(r.Episodes, e)
		prev = &r.Episodes[len(r.Episodes)-1]
	}
}

// newEpisodeReason is RNE for the i-th of a child's placements, where Hearth knows it: a
// move from a placement of the same child that ended the same day (P, or B when the legal
// status changed; T or U when it is the same home). "" when Hearth cannot tell.
func newEpisodeReason(ps []returnPlacement, i int) string {
	p := ps[i]
	for j := i - 1; j >= 0; j-- {
		q := ps[j]
		if q.EndedOn == nil || !q.EndedOn.Equal(p.StartedOn) {
			continue
		}
		if dfe, ok := DfECode(EndReasonCodes, deref(q.EndReason)); !ok || dfe.Field != FieldPlaceChange {
			return ""
		}
		if p.LegalStatus == nil || q.LegalStatus == nil {
			return ""
		}
		changed := LegalStatusLS[*p.LegalStatus] != LegalStatusLS[*q.LegalStatus]
		switch {
		case q.HomeID == p.HomeID && changed:
			return "U"
		case q.HomeID == p.HomeID:
			return "T"
		case changed:
			return "B"
		}
		return "P"
	}
	return ""
}

// missingEpisodes adds the missing and away episodes of the return's placements that
// were open at some time in the year.
func (s *Service) missingEpisodes(ctx context.Context, r *SSDA903Return) error {
	ids := r.PlacementIDs()
	if len(ids) == 0 {
		return nil
	}
	child := map[int64]string{}
	for _, e := range r.Episodes {
		child[e.PlacementID] = e.Child
	}
	var incs []struct {
		ID, PlacementID int64
		Kind            string
		StartedAt       time.Time
		EndedAt         *time.Time
	}
	// Only these columns: the episode's other details are not the return's.
	err := s.db.WithContext(ctx).Raw(`SELECT id, placement_id, kind, started_at, ended_at FROM placement_incidents
        WHERE placement_id IN ? AND started_at < ? AND (ended_at IS NULL OR ended_at >= ?)
        ORDER BY started_at, id`, ids, londonMidnight(r.Year.Last().AddDate(0, 0, 1)), londonMidnight(r.Year.First())).Scan(&incs).Error
	if err != nil {
		return fmt.Errorf("ssda903 %s missing episodes: %w", r.Year, err)
	}
	dob := map[string]bool{}
	for _, in := range incs {
		m := missingEpisode(r.Year, child[in.PlacementID], in.Kind, in.StartedAt, in.EndedAt)
		m.IncidentID, m.PlacementID = in.ID, in.PlacementID
		r.Missing = append(r.Missing, m)
		if !dob[m.Child] {
			dob[m.Child] = true
			r.Issues = append(r.Issues, ValidationIssue{Child: m.Child, File: FileMissing, Column: "DOB", Kind: IssueUnknown, Missing: "Date of birth, on every missing episode",
				Why: "Hearth holds only the month and year of birth.", Fill: "The date of birth from the case system (as in the Header file)."})
		}
	}
	slices.SortStableFunc(r.Missing, func(a, b MissingEpisode) int {
		if a.Child != b.Child {
			if a.Child < b.Child {
				return -1
			}
			return 1
		}
		return a.Start.Compare(b.Start)
	})
	return nil
}

// londonMidnight is the instant day d begins in England.
func londonMidnight(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, kernel.London)
}

// missingEpisode is a missing ("missing": M) or away ("absent": A) episode of child in
// year y, dated in England; an episode not ended by the year's end has no MIS_END.
func missingEpisode(y ssda903.Year, child, kind string, started time.Time, ended *time.Time) MissingEpisode {
	m := MissingEpisode{Child: child, Missing: map[string]string{"missing": "M", "absent": "A"}[kind], Start: kernel.DateOf(started)}
	if ended != nil && !kernel.DateOf(*ended).After(y.Last()) {
		m.End = kernel.DateOf(*ended)
	}
	return m
}

// The files of the return's download, by name.
const (
	EpisodesFile   = "episodes.csv"
	MissingFile    = "missing.csv"
	ValidationFile = "validation.csv"
)

// ReturnFiles are the files the return downloads as, in the ZIP's order.
var ReturnFiles = []string{EpisodesFile, MissingFile, ValidationFile}

// WriteFile writes one of ReturnFiles as CSV: a header row, then a row per record. The
// DfE's two files have no byte-order mark, so the DfE's systems read their header; the
// validation report has one, for spreadsheets. Returns kernel.ErrNotFound for another name.
func (r SSDA903Return) WriteFile(w io.Writer, name string) error {
	var cw *csvsafe.Writer
	var rows [][]string
	switch name {
	case EpisodesFile:
		cw = csvsafe.NewFileWriter(w)
		rows = append(rows, EpisodesHeader)
		for _, e := range r.Episodes {
			rows = append(rows, e.Row())
		}
	case MissingFile:
		cw = csvsafe.NewFileWriter(w)
		rows = append(rows, MissingHeader)
		for _, m := range r.Missing {
			rows = append(rows, m.Row())
		}
	case ValidationFile:
		cw = csvsafe.NewWriter(w)
		rows = append(rows, ValidationHeader)
		for _, v := range r.Issues {
			rows = append(rows, v.Row())
		}
	default:
		return fmt.Errorf("ssda903 file %q: %w", name, kernel.ErrNotFound)
	}
	for _, row := range rows {
		if err := cw.Write(row...); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// WriteZip writes the return's files and a README.txt (what they are, what Hearth cannot
// know, and the DfE's attribution) as one ZIP archive.
func (r SSDA903Return) WriteZip(w io.Writer, council string) error {
	zw := zip.NewWriter(w)
	for _, name := range ReturnFiles {
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		if err := r.WriteFile(f, name); err != nil {
			return err
		}
	}
	f, err := zw.Create("README.txt")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, r.Readme(council)); err != nil {
		return err
	}
	return zw.Close()
}

// Readme is the README.txt of the return's ZIP.
func (r SSDA903Return) Readme(council string) string {
	return fmt.Sprintf(`SSDA903 return %s (%s): what Hearth holds for %s

episodes.csv    the Episodes file: %d episodes of %d children, one row per placement open in the year
missing.csv     the Missing file: %d missing (M) and away (A) episodes from those placements
validation.csv  what Hearth cannot know (not_in_hearth) and the DfE checks the rows fail (dfe_check):
                %d lines; each says what the council must fill from its case system

Columns, codes and dates (dd/mm/yyyy) follow the DfE's layouts; a blank cell is an empty value.
Hearth fills only what it knows and never guesses: CIN, HOME_POST, PLACE_PROVIDER and DOB are
always blank, and RNE is filled only for a move between two Hearth placements on the same day.
PL_POST is the postcode district of the home (for example M14), not its full postcode.
A code not valid in %s is left blank and listed in validation.csv.

%s
`, r.Year, r.Year.Label(), council, len(r.Episodes), r.Children, len(r.Missing), len(r.Issues), r.Year, ssda903.Attribution)
}
