package frontend

import (
	"math"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/simulate"
	"github.com/hearth-placements/hearth/frontend/apitypes"
)

// The outcomes simulator through the API (issue 17): what the Simulations pages do, for
// a consortium's admins. The input is the page form's (simulate.RunInput) and goes
// through the same one check, in Runs.Request.

func (s *Server) apiCreateSimulation(c echo.Context) error {
	var in simulate.RunInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Simulations.Request(c.Request().Context(), currentOrg(c).ID, u.ID, in)
	if err != nil {
		return err
	}
	out, err := toAPISimulation(r)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/simulations/%d", r.ID))
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiSimulations(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	runs, total, err := s.deps.Simulations.Page(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	pg = pg.counted(c, total)
	out := apitypes.ListSimulationsResponse{Simulations: make([]apitypes.Simulation, len(runs)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for i, r := range runs {
		if out.Simulations[i], err = toAPISimulation(r); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiSimulation(c echo.Context) error {
	r, _, _, err := s.simulationRun(c)
	if err != nil {
		return err
	}
	out, err := toAPISimulation(r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiSimulationParameters(c echo.Context) error {
	p := simulate.Defaults()
	return c.JSON(http.StatusOK, apitypes.SimulationParameters{Parameters: toAPIParams(p.Docs()), FixedAssumptions: simulate.Fixed})
}

func toAPIParams(docs []simulate.Doc) []apitypes.SimulationParameter {
	out := make([]apitypes.SimulationParameter, len(docs))
	for i, d := range docs {
		out[i] = apitypes.SimulationParameter{Flag: d.Flag, Meaning: d.Meaning, Value: d.Default, Source: d.Source, Assumption: d.Assumption}
	}
	return out
}

// toAPISimulation is a run with its parameters and, once it is done, its results.
func toAPISimulation(r simulate.RunRecord) (apitypes.Simulation, error) {
	p, stored, err := r.Decoded()
	if err != nil {
		return apitypes.Simulation{}, err
	}
	region, seed := p.Region, int64(p.Seed) // #nosec G115: seeds are at most 1,000,000
	if region == "" {
		region = "England"
	}
	out := apitypes.Simulation{Id: r.ID, Status: apitypes.SimulationStatus(r.Status), Stage: r.Stage, Done: r.Done, Total: r.Total, Sensitivity: r.Sensitivity,
		Region: &region, Seed: &seed, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Error: r.Error, Parameters: toAPIParams(p.Docs())}
	if stored == nil {
		return out, nil
	}
	res := apitypes.SimulationResults{Children: stored.Result.Children, Beds: stored.Result.Beds,
		Residential: make([]apitypes.SimulationPolicyOutcome, len(stored.Result.Residential)), Secure: make([]apitypes.SimulationSecureOutcome, len(stored.Result.Secure))}
	for i, x := range stored.Result.Residential {
		res.Residential[i] = toAPIPolicyOutcome(x)
	}
	for i, x := range stored.Result.Secure {
		res.Secure[i] = apitypes.SimulationSecureOutcome{Policy: x.Policy, Referrals: x.Referrals, Placed: x.Placed, NotPlaced: x.NotPlaced,
			MeanDaysWaiting: figure(x.MeanWait), MedianDaysWaiting: figure(x.MedianWait), MeanMiles: figure(x.MeanMiles)}
	}
	if len(stored.Variations) > 0 {
		rows := make([]apitypes.SimulationSensitivityRow, len(stored.Variations))
		for i, v := range stored.Variations {
			rows[i] = apitypes.SimulationSensitivityRow{Parameter: v.Param, Value: v.Value, Alone: toAPIPolicyOutcome(v.Alone), Consortium: toAPIPolicyOutcome(v.Consortium)}
		}
		res.Sensitivity = &rows
	}
	out.Results = &res
	return out, nil
}

func toAPIPolicyOutcome(x simulate.Summary) apitypes.SimulationPolicyOutcome {
	return apitypes.SimulationPolicyOutcome{Policy: x.Policy, Children: x.Children, Placed: x.Placed, NotPlaced: x.NotPlaced,
		Over20Miles: figure(x.Over20), MeanMiles: figure(x.MeanMiles), MedianMiles: figure(x.MedianMiles), MeanMilesPlacedByAll: figure(x.CommonMiles),
		OutOfArea: figure(x.OutOfArea), MeanWeeklyFee: figure(x.MeanFee), TotalSpend: figure(x.TotalSpend),
		DaysToPlaceMedian: figure(x.WaitMedian), DaysToPlaceP90: figure(x.WaitP90)}
}

// figure is a number, or null for one that does not apply (NaN).
func figure(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
