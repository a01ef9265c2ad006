package frontend

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/hearth-placements/hearth/commissioning/secure"
)

// occupancyChart draws each home's occupancy over the days as a small line chart (one
// per home, so that eighteen homes stay readable), as inline SVG with a text
// alternative. The table beside it on the page carries the same figures.
func occupancyChart(m secure.Metrics) template.HTML {
	const w, h, pad = 320.0, 44.0, 2.0
	var b strings.Builder
	b.WriteString(`<div class="hearth-chart" data-testid="occupancy-chart">`)
	for _, o := range m.Occupancy {
		if len(o.ByDay) == 0 || o.Beds == 0 {
			continue
		}
		step := (w - 2*pad) / float64(max(len(o.ByDay)-1, 1))
		y := func(v int) float64 { return h - pad - (h-2*pad)*float64(v)/float64(o.Beds) }
		var pts []string
		for i, v := range o.ByDay {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", pad+float64(i)*step, y(v)))
		}
		label := fmt.Sprintf("%s: %d of %d beds occupied or held %d days ago, %d today", o.Home, o.ByDay[0], o.Beds, len(o.ByDay)-1, o.Latest)
		fmt.Fprintf(&b, `<figure class="hearth-chart__row"><figcaption class="govuk-body-s">%s</figcaption>`, template.HTMLEscapeString(o.Home))
		fmt.Fprintf(&b, `<svg viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s">`, w, h, w, h, template.HTMLEscapeString(label))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#f3f2f1"/>`, pad, y(o.Beds), w-2*pad, y(0)-y(o.Beds))
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1d70b8" stroke-width="2"/></svg></figure>`, strings.Join(pts, " "))
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}
