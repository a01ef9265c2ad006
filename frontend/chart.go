package frontend

import (
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace/billing"
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

// spendChart draws monthly spend by lot as stacked bars, as inline SVG with a text
// alternative; the table on the page carries the same figures.
func spendChart(rows []billing.LotMonth) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	var months []string
	var lots []string
	by := map[string]map[string]int64{}
	var top int64
	for _, r := range rows {
		m := r.Month.Format("Jan 2006")
		if by[m] == nil {
			by[m] = map[string]int64{}
			months = append(months, m)
		}
		if !slices.Contains(lots, r.Lot) {
			lots = append(lots, r.Lot)
		}
		by[m][r.Lot] += r.Pence
	}
	for _, m := range months {
		var sum int64
		for _, v := range by[m] {
			sum += v
		}
		top = max(top, sum)
	}
	colours := []string{"#1d70b8", "#00703c", "#f47738", "#4c2c92", "#d4351c", "#505a5f"}
	const h, barW, gap, left = 220.0, 48.0, 24.0, 10.0
	// As wide as the months need (a year's are wider than the 560 that six fill).
	w := max(560.0, 2*left+float64(len(months))*(barW+gap)-gap)
	var b strings.Builder
	var alt []string
	for _, m := range months {
		alt = append(alt, m+" "+kernel.Pence(sumOf(by[m])).String())
	}
	fmt.Fprintf(&b, `<svg viewBox="0 0 %.0f %.0f" width="100%%" height="%.0f" role="img" aria-label="%s" data-testid="spend-chart">`, w, h+40, h+40,
		template.HTMLEscapeString("Monthly spend: "+strings.Join(alt, "; ")))
	for i, m := range months {
		x := left + float64(i)*(barW+gap)
		y := h
		for j, lot := range lots {
			v := by[m][lot]
			if v == 0 {
				continue
			}
			hh := h * float64(v) / float64(top)
			y -= hh
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`, x, y, barW, hh, colours[j%len(colours)],
				template.HTMLEscapeString(fmt.Sprintf("%s, %s: %s", m, lot, kernel.Pence(v))))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle">%s</text>`, x+barW/2, h+16, template.HTMLEscapeString(m))
	}
	b.WriteString(`</svg><ul class="govuk-list hearth-legend">`)
	for j, lot := range lots {
		fmt.Fprintf(&b, `<li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="%s"/></svg> %s</li>`, colours[j%len(colours)], template.HTMLEscapeString(lot))
	}
	b.WriteString(`</ul>`)
	return template.HTML(b.String())
}

func sumOf(m map[string]int64) int64 {
	var s int64
	for _, v := range m {
		s += v
	}
	return s
}
