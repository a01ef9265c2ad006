package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/simulate"
)

// The outcomes simulator's pages (issue 17), for a consortium's admins: ask for a run,
// watch it, read its tables and charts, download them, and read every parameter with
// its default and source. Runs are synthetic (the national seed and generated children):
// no child's data is read, so nothing here is audited or suppressed.

func regionOptions() [][2]string {
	out := [][2]string{{"England", "England (national)"}}
	for _, r := range geo.Regions() {
		out = append(out, [2]string{r, r})
	}
	return out
}

// simulationsPage lists the consortium's runs beside the form for a new one.
func (s *Server) simulationsPage(c echo.Context) error {
	return s.renderSimulations(c, http.StatusOK, formValues(simulate.DefaultInput("")), nil)
}

func (s *Server) renderSimulations(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	runs, err := s.deps.Simulations.List(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	type row struct {
		simulate.RunRecord
		Region, Asked string
		Seed          uint64
	}
	rows := make([]row, 0, len(runs))
	for _, r := range runs {
		p, _, err := r.Decoded()
		if err != nil {
			return err
		}
		region := p.Region
		if region == "" {
			region = "England"
		}
		rows = append(rows, row{RunRecord: r, Region: region, Seed: p.Seed, Asked: r.CreatedAt.In(london).Format("2 January 2006 15:04")})
	}
	return s.page(c, status, "simulations", "Simulations", map[string]any{"Runs": rows, "Regions": regionOptions(),
		"SensitivityOptions": [][2]string{{"yes", "Also vary visibility, the margin response and the response time, one at a time (takes about ten times as long)"}}}, withForm(form, fe))
}

// requestSimulation queues a run and shows it.
func (s *Server) requestSimulation(c echo.Context) error {
	var in simulate.RunInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	// Every problem at once: the form's own (a number that is not one) and the rules'.
	if fe = fe.With(withFormIDs(in.Check(), &in)); fe != nil {
		return s.renderSimulations(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	r, err := s.deps.Simulations.Request(c.Request().Context(), currentOrg(c).ID, u.ID, in)
	switch {
	case errors.As(err, &fe):
		return s.renderSimulations(c, http.StatusUnprocessableEntity, form, withFormIDs(fe, &in))
	case errors.Is(err, simulate.ErrTooManyRuns):
		code := kernel.CodeOf(err)
		return s.renderSimulations(c, http.StatusConflict, form, kernel.FieldErrors{{Field: "region", Code: code, Message: kernel.Message(code)}})
	case err != nil:
		return err
	}
	s.flash(c, fmt.Sprintf("Simulation %d is queued", r.ID))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/simulations/%d", r.ID))
}

// simulationRun is the consortium's run named in the path (404 for another's).
func (s *Server) simulationRun(c echo.Context) (simulate.RunRecord, simulate.Params, *simulate.Stored, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return simulate.RunRecord{}, simulate.Params{}, nil, err
	}
	r, err := s.deps.Simulations.Get(c.Request().Context(), currentOrg(c).ID, id)
	if err != nil {
		return r, simulate.Params{}, nil, err
	}
	p, stored, err := r.Decoded()
	return r, p, stored, err
}

// simulationPage shows a run: its progress while it runs, then its tables and charts.
func (s *Server) simulationPage(c echo.Context) error {
	r, p, stored, err := s.simulationRun(c)
	if err != nil {
		return err
	}
	data := map[string]any{"Run": r, "Params": p.Docs()}
	if stored != nil {
		data["Residential"] = simulate.ResidentialRows(stored.Result.Residential, simulate.Text)
		data["Secure"] = simulate.SecureRows(stored.Result.Secure, simulate.Text)
		data["Result"] = stored.Result
		data["PolicyChart"] = template.HTML(simulate.PolicyChart(stored.Result.Residential)) // #nosec G203: built from numbers and fixed text, escaped
		if len(stored.Variations) > 0 {
			data["Sensitivity"] = simulate.SensitivityRows(stored.Variations, simulate.Text)
			data["SensitivityChart"] = template.HTML(simulate.SensitivityChart(stored.Variations)) // #nosec G203: as above
		}
	}
	return s.page(c, http.StatusOK, "simulation", fmt.Sprintf("Simulation %d", r.ID), data, withCrumbs(Link{Text: "Simulations", Href: "/simulations"}))
}

// simulationCSV is a finished run's tables as CSV.
func (s *Server) simulationCSV(c echo.Context) error {
	r, _, stored, err := s.simulationRun(c)
	if err != nil {
		return err
	}
	if stored == nil {
		return fmt.Errorf("simulation %d has no result yet: %w", r.ID, kernel.ErrNotFound)
	}
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	tables := [][][]string{simulate.ResidentialRows(stored.Result.Residential, simulate.CSV), simulate.SecureRows(stored.Result.Secure, simulate.CSV)}
	if len(stored.Variations) > 0 {
		tables = append(tables, simulate.SensitivityRows(stored.Variations, simulate.CSV))
	}
	for k, t := range tables {
		if k > 0 {
			if err := w.Write(); err != nil {
				return err
			}
		}
		for _, row := range t {
			if err := w.Write(row...); err != nil {
				return err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="simulation-%d.csv"`, r.ID))
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// simulationParameters lists every parameter with its default and source.
func (s *Server) simulationParameters(c echo.Context) error {
	p := simulate.Defaults()
	return s.page(c, http.StatusOK, "simulation_parameters", "Simulation parameters", map[string]any{"Params": p.Docs(), "Fixed": simulate.Fixed},
		withCrumbs(Link{Text: "Simulations", Href: "/simulations"}))
}
