package simulate

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Summary is one residential policy's year.
type Summary struct {
	Policy           string
	Children, Placed int
	NotPlaced        int
	Over20           float64 // share of placed children more than 20 miles away
	MeanMiles        float64
	MedianMiles      float64
	OutOfArea        float64 // share of placed children outside their council
	MeanFee          float64 // weekly, pounds
	TotalSpend       float64 // pounds, from placement to the year's end
	WaitMedian       float64 // days; NaN for the bound
	WaitP90          float64
	// CommonMiles is the mean distance over the children every residential policy
	// placed: a like-for-like comparison, as a policy that places more children places
	// harder ones, often farther.
	CommonMiles float64
	// PenalisedTenths is the total distance in tenths of a mile with every child not
	// placed counted as UnplacedMiles: the bound's objective.
	PenalisedTenths int64
}

// The policies' names.
const (
	PolicyAlone      = "Councils alone"
	PolicyConsortium = "Consortium on Hearth"
	PolicyBound      = "Bound (perfect foresight)"
	PolicyFCFS       = "First come, first served"
	PolicySuggestion = "Hearth's suggestion"
)

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[int(math.Round(q*float64(len(s)-1)))]
}

func summarise(policy string, w *World, out []Outcome) Summary {
	s := Summary{Policy: policy, Children: len(out)}
	var miles, waits []float64
	var sumMiles, sumFee float64
	var over, away int
	for _, o := range out {
		if !o.Placed {
			s.NotPlaced++
			s.PenalisedTenths += tenths(w.p.UnplacedMiles)
			continue
		}
		s.Placed++
		s.PenalisedTenths += tenths(o.Miles)
		miles = append(miles, o.Miles)
		sumMiles += o.Miles
		sumFee += o.Fee
		if o.Miles > 20 {
			over++
		}
		if o.Away {
			away++
		}
		if o.Wait >= 0 {
			waits = append(waits, o.Wait)
			s.TotalSpend += o.Fee * (year - o.At) / 7
		}
	}
	if s.Placed > 0 {
		n := float64(s.Placed)
		s.Over20, s.OutOfArea, s.MeanMiles, s.MeanFee = float64(over)/n, float64(away)/n, sumMiles/n, sumFee/n
		s.MedianMiles = quantile(miles, 0.5)
	}
	s.WaitMedian, s.WaitP90 = quantile(waits, 0.5), quantile(waits, 0.9)
	if len(waits) == 0 {
		s.TotalSpend = math.NaN()
	}
	return s
}

// common sets each summary's CommonMiles from the outcomes behind it.
func common(ss []Summary, outs [][]Outcome) {
	for k := range ss {
		var sum float64
		n := 0
		for i := range outs[k] {
			all := true
			for _, o := range outs {
				all = all && o[i].Placed
			}
			if all {
				sum += outs[k][i].Miles
				n++
			}
		}
		ss[k].CommonMiles = math.NaN()
		if n > 0 {
			ss[k].CommonMiles = sum / float64(n)
		}
	}
}

// SecureSummary is one secure policy's year.
type SecureSummary struct {
	Policy               string
	Referrals, Placed    int
	NotPlaced            int
	MeanWait, MedianWait float64 // days, of children placed
	MeanMiles            float64
}

// Format says how a table writes its figures: Text for people (42%, £3,002, — for
// none), CSV for machines (0.420, 3002.00, empty for none).
type Format struct {
	pct, pounds func(float64) string
	num         func(float64, string) string
}

// The two formats.
var (
	Text = Format{pct: pct, pounds: pounds, num: num}
	CSV  = Format{pct: func(x float64) string { return rawNum(x, "%.3f") }, pounds: func(x float64) string { return rawNum(x, "%.2f") }, num: rawNum}
)

func rawNum(x float64, format string) string {
	if math.IsNaN(x) {
		return ""
	}
	return fmt.Sprintf(format, x)
}

func pct(x float64) string { return fmt.Sprintf("%.0f%%", x*100) }

func num(x float64, format string) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf(format, x)
}

func pounds(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	s := fmt.Sprintf("%.0f", x)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return "£" + b.String()
}

// ResidentialRows are the table's header and rows in format f, for the CLI, the page and CSV.
func ResidentialRows(ss []Summary, f Format) [][]string {
	rows := [][]string{{"Policy", "Children", "Not placed", ">20 miles", "Mean miles", "Median miles", "Mean miles (placed by all)", "Out of area", "Mean weekly fee", "Total spend", "Days to place (median)", "Days to place (p90)"}}
	for _, s := range ss {
		rows = append(rows, []string{s.Policy, fmt.Sprint(s.Children), fmt.Sprint(s.NotPlaced), f.pct(s.Over20), f.num(s.MeanMiles, "%.1f"), f.num(s.MedianMiles, "%.1f"), f.num(s.CommonMiles, "%.1f"),
			f.pct(s.OutOfArea), f.pounds(s.MeanFee), f.pounds(s.TotalSpend), f.num(s.WaitMedian, "%.1f"), f.num(s.WaitP90, "%.1f")})
	}
	return rows
}

// SecureRows are the secure comparison's header and rows.
func SecureRows(ss []SecureSummary, f Format) [][]string {
	rows := [][]string{{"Secure policy", "Referrals", "Placed", "Not placed", "Mean days waiting", "Median days waiting", "Mean miles"}}
	for _, s := range ss {
		rows = append(rows, []string{s.Policy, fmt.Sprint(s.Referrals), fmt.Sprint(s.Placed), fmt.Sprint(s.NotPlaced), f.num(s.MeanWait, "%.1f"), f.num(s.MedianWait, "%.1f"), f.num(s.MeanMiles, "%.1f")})
	}
	return rows
}

// WriteTable writes rows as an aligned text table.
func WriteTable(out io.Writer, rows [][]string) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func strconvFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// SensitivityRows are the sensitivity table's header and rows.
func SensitivityRows(vs []Variation, f Format) [][]string {
	rows := [][]string{{"Parameter", "Value", "Policy", "Not placed", "Mean miles", "Out of area", "Mean weekly fee", "Days to place (p90)"}}
	for _, v := range vs {
		for _, s := range []Summary{v.Alone, v.Consortium} {
			rows = append(rows, []string{v.Param, v.Value, s.Policy, fmt.Sprint(s.NotPlaced), f.num(s.MeanMiles, "%.1f"), f.pct(s.OutOfArea), f.pounds(s.MeanFee), f.num(s.WaitP90, "%.1f")})
		}
	}
	return rows
}
