// Package simulate runs a region-year of placements under each buying policy on the same
// children and the same beds, to show what a consortium buying together on Hearth gains
// against each council buying alone, and how far both are from ideal (issue 17).
//
// The model, in a paragraph. Supply is the national seed's homes (nationalseed.Generate,
// in memory): each bed free today, each bed due free on its date, and each bed whose
// resident leaves within the year (exponential stays) comes free once; a child placed
// keeps the bed to the year's end. Demand is, for each lot, pressure × the beds coming
// free, shared among councils by their number of postcode districts (the repository holds
// no looked-after populations; districts stand in for population); each child has an
// age, sex, up to three needs, a needs tier, an urgency and a day of request. Each home has
// a weekly cost (the seed's median fee less the uncontested margin, lognormal); a
// provider's margin falls with the number of bidders; ceilings cap bids. Councils alone
// refer to the providers they know (own area, neighbours and a share of the rest), wait
// for answers, take the first offer and pay the spot price. The consortium runs Hearth's
// own matching (marketplace.Match) and scoring (marketplace.Score). The bound is the exact
// minimum of total distance, counting a child not placed as UnplacedMiles, with perfect
// foresight (Assign). Secure welfare replays one national stream of s25 referrals against
// the secure estate, first come first served and with allocate.Solve's suggestion. A run
// is reproducible: every draw comes from a seeded PCG source or a hash of the seed.
package simulate

import (
	"context"
	"time"
)

// Progress is told of a run's stages as they go: done of total children.
type Progress func(stage string, done, total int)

// Result is a run's figures.
type Result struct {
	Params      Params
	Children    int
	Beds        int
	Residential []Summary
	Secure      []SecureSummary
	Elapsed     time.Duration
}

// Run builds the world and runs every policy. Returns ErrInvalid for bad parameters, or
// the context's error if it is cancelled between policies.
func Run(ctx context.Context, p Params, progress Progress) (Result, error) {
	start := time.Now()
	if progress == nil {
		progress = func(string, int, int) {}
	}
	w, err := Build(p)
	if err != nil {
		return Result{}, err
	}
	res := Result{Params: w.p, Children: w.Children(), Beds: w.Beds()}
	n := w.Children()
	var outs [][]Outcome
	for _, pol := range []struct {
		name string
		run  func(func(int)) []Outcome
	}{{PolicyAlone, w.Alone}, {PolicyConsortium, w.Consortium}, {PolicyBound, w.Bound}} {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		progress(pol.name, 0, n)
		out := pol.run(func(done int) { progress(pol.name, done, n) })
		progress(pol.name, n, n)
		res.Residential = append(res.Residential, summarise(pol.name, w, out))
		outs = append(outs, out)
	}
	common(res.Residential, outs)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	st := NewSecureStream(w.p)
	for _, pol := range []struct {
		name    string
		suggest bool
	}{{PolicyFCFS, false}, {PolicySuggestion, true}} {
		progress("Secure: "+pol.name, 0, len(st.Referrals))
		res.Secure = append(res.Secure, summariseSecure(pol.name, RunSecure(st, pol.suggest)))
		progress("Secure: "+pol.name, len(st.Referrals), len(st.Referrals))
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// Variation is one sensitivity run: a parameter set to a value, with the two
// residential policies' summaries.
type Variation struct {
	Param, Value      string
	Alone, Consortium Summary
}

// Sensitivity varies the three most uncertain parameters one at a time — a council's
// visibility of providers, the margin's response to competition and providers' response
// time — around p, running councils alone and the consortium on the same world.
func Sensitivity(ctx context.Context, p Params, progress Progress) ([]Variation, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	type knob struct {
		name   string
		set    func(*Params, float64)
		values []float64
	}
	knobs := []knob{
		{"visibility", func(q *Params, v float64) { q.Visibility = v }, []float64{0.05, 0.2, 0.5, 1}},
		{"margin-response", func(q *Params, v float64) { q.MarginResponse = v }, []float64{0, 0.15, 0.4}},
		{"response-days", func(q *Params, v float64) { q.ResponseDays = v }, []float64{0.5, 2, 5}},
	}
	var out []Variation
	total := 0
	for _, k := range knobs {
		total += len(k.values)
	}
	for _, k := range knobs {
		for _, v := range k.values {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			progress("sensitivity", len(out), total)
			q := p
			k.set(&q, v)
			w, err := Build(q)
			if err != nil {
				return out, err
			}
			out = append(out, Variation{Param: k.name, Value: formatValue(v),
				Alone: summarise(PolicyAlone, w, w.Alone(nil)), Consortium: summarise(PolicyConsortium, w, w.Consortium(nil))})
		}
	}
	progress("sensitivity", total, total)
	return out, nil
}

func formatValue(v float64) string { return strconvFloat(v) }
