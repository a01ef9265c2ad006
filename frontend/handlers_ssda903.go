package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/ssda903"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// The SSDA903 return (marketplace.SSDA903): a placing council's commissioners see, for a
// collection year, what Hearth's placements give the DfE's Episodes and Missing files and
// what the council must add from its case system, and download the files. Only the
// placing council: the consortium's admin and host councils see nothing child-level here.

// zipFile is the download of all the return's files and a README in one archive.
const zipFile = "ssda903.zip"

// ssdaInput is the collection year asked for, written as the DfE does ("2025-26").
type ssdaInput struct {
	Year string `form:"year" json:"year" validate:"required" msg:"required=Choose a collection year"`
	year ssda903.Year
}

// Rules: a year written like 2025-26, from 2016-17 (the earliest the code lists were
// checked against) to the current one.
func (in *ssdaInput) Rules(now time.Time) kernel.FieldErrors {
	var fe kernel.FieldErrors
	if in.Year == "" {
		return nil
	}
	y, err := ssda903.ParseYear(in.Year)
	current := ssda903.YearOf(kernel.DateOf(now))
	switch {
	case err != nil:
		fe.Add("year", "Enter the collection year like "+current.String()+": the year it begins, a dash, and the last two digits of the year it ends")
	case y.Start < ssda903.FirstYear.Start || y.Start > current.Start:
		fe.Add("year", fmt.Sprintf("Choose a collection year from %s to %s", ssda903.FirstYear, current))
	}
	in.year = y
	return fe
}

// ssdaReturn is the signed-in commissioner's council's return for the year in vals
// (field errors: none was read).
func (s *Server) ssdaReturn(c echo.Context, vals url.Values) (marketplace.SSDA903Return, ssdaInput, map[string]string, kernel.FieldErrors, error) {
	var in ssdaInput
	form, fe := s.decodeFormValues(c, vals, &in, nil)
	if fe != nil {
		return marketplace.SSDA903Return{}, in, form, fe, nil
	}
	r, err := s.deps.Market.SSDA903(c.Request().Context(), currentOrg(c).ID, in.year)
	if errors.Is(err, marketplace.ErrReturnYear) {
		return r, in, form, withFormIDs(kernel.FieldErrors{kernel.NewFieldError("year", marketplace.ErrReturnYear.Code, kernel.Message(marketplace.ErrReturnYear.Code))}, &in), nil
	}
	return r, in, form, nil, err
}

// ssdaPage is /returns/ssda903: choose a year (by default the last complete one), see the
// counts and the validation report, and download the files.
func (s *Server) ssdaPage(c echo.Context) error {
	years := marketplace.ReturnYears(kernel.DateOf(s.now()))
	vals := c.QueryParams()
	if vals.Get("year") == "" {
		vals = url.Values{"year": {years[1].String()}}
	}
	r, _, form, fe, err := s.ssdaReturn(c, vals)
	if err != nil {
		return err
	}
	options := make([][2]string, 0, len(years))
	for i, y := range years {
		label := y.String()
		if i == 0 {
			label += " (so far)"
		}
		options = append(options, [2]string{y.String(), label})
	}
	data := map[string]any{"Years": options, "Attribution": ssda903.Attribution}
	status := http.StatusOK
	if fe != nil {
		status = http.StatusUnprocessableEntity
	} else {
		if err := s.auditList(c, "placement", r.PlacementIDs()); err != nil {
			return err
		}
		data["R"], data["Gaps"], data["Checks"] = r, ssdaGroups(r.Issues, marketplace.IssueUnknown), ssdaGroups(r.Issues, marketplace.IssueCheck)
	}
	return s.page(c, status, "returns_ssda903", "SSDA903 return", data, withForm(form, fe))
}

// ssdaDownload is /returns/ssda903/:year/:file and /api/v1/ssda903/:year/:file: one of
// the return's CSV files, or all of them in a ZIP (the web's only). The read is audited.
func (s *Server) ssdaDownload(c echo.Context) error {
	name := c.Param("file")
	api := c.Path() != "/returns/ssda903/:year/:file"
	if !slices.Contains(marketplace.ReturnFiles, name) && (api || name != zipFile) {
		return echo.ErrNotFound
	}
	r, _, _, fe, err := s.ssdaReturn(c, url.Values{"year": {c.Param("year")}})
	if err != nil {
		return err
	}
	if fe != nil {
		return fe
	}
	var buf bytes.Buffer
	if name == zipFile {
		err = r.WriteZip(&buf, currentOrg(c).Name)
	} else {
		err = r.WriteFile(&buf, name)
	}
	if err != nil {
		return err
	}
	if err := s.auditList(c, "placement", r.PlacementIDs()); err != nil {
		return err
	}
	kind := "text/csv; charset=utf-8"
	if name == zipFile {
		kind = "application/zip"
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="ssda903-%s-%s"`, r.Year, name))
	return c.Blob(http.StatusOK, kind, buf.Bytes())
}

// apiSSDA903 is GET /api/v1/ssda903/:year: the return's counts and validation report.
func (s *Server) apiSSDA903(c echo.Context) error {
	r, _, _, fe, err := s.ssdaReturn(c, url.Values{"year": {c.Param("year")}})
	if err != nil {
		return err
	}
	if fe != nil {
		return fe
	}
	if err := s.auditList(c, "placement", r.PlacementIDs()); err != nil {
		return err
	}
	out := apitypes.SSDA903Return{Year: r.Year.String(), YearLabel: r.Year.Label(), Children: r.Children, Episodes: len(r.Episodes), Missing: len(r.Missing),
		DfeChecks: r.Checks(), Files: marketplace.ReturnFiles, Attribution: ssda903.Attribution, Issues: make([]apitypes.SSDA903Issue, 0, len(r.Issues))}
	for _, v := range r.Issues {
		out.Issues = append(out.Issues, apitypes.SSDA903Issue{Child: v.Child, File: apitypes.SSDA903IssueFile(v.File), Column: v.Column, Date: v.Date,
			Kind: apitypes.SSDA903IssueKind(v.Kind), Missing: v.Missing, Why: v.Why, CouncilToFill: v.Fill})
	}
	return c.JSON(http.StatusOK, out)
}

// ssdaGroup is one kind of validation line (a column left blank for one reason, or one
// DfE check) with how many lines of the report are of it and the first children they
// name: the page's summary of validation.csv.
type ssdaGroup struct {
	File, Column, Missing, Why, Fill string
	Lines                            int
	Children                         []string
	More                             bool // it names more children than Children
}

// ssdaShownChildren is how many children a group on the page names; validation.csv
// names them all.
const ssdaShownChildren = 8

// ssdaGroups sums up the report's lines of kind by file, column and what is missing, in
// the report's first-seen order.
func ssdaGroups(issues []marketplace.ValidationIssue, kind string) []ssdaGroup {
	var out []ssdaGroup
	at := map[[3]string]int{}
	for _, v := range issues {
		if v.Kind != kind {
			continue
		}
		k := [3]string{v.File, v.Column, v.Missing}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, ssdaGroup{File: v.File, Column: v.Column, Missing: v.Missing, Why: v.Why, Fill: v.Fill})
		}
		g := &out[i]
		g.Lines++
		switch {
		case slices.Contains(g.Children, v.Child):
		case len(g.Children) < ssdaShownChildren:
			g.Children = append(g.Children, v.Child)
		default:
			g.More = true
		}
	}
	return out
}
