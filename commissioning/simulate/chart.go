package simulate

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// SensitivityChart draws a sensitivity run as small multiples in SVG: a column per
// varied parameter, a row per measure (mean miles, mean weekly fee, children not
// placed), councils alone and the consortium as two lines, so that one sees at a glance
// whether the comparison holds across each parameter's range. The table carries the
// same figures.
func SensitivityChart(vs []Variation) string {
	var params []string
	byParam := map[string][]Variation{}
	for _, v := range vs {
		if _, ok := byParam[v.Param]; !ok {
			params = append(params, v.Param)
		}
		byParam[v.Param] = append(byParam[v.Param], v)
	}
	measures := []struct {
		name string
		of   func(Summary) float64
		fmt  func(float64) string
	}{
		{"Mean miles from home", func(s Summary) float64 { return s.MeanMiles }, func(x float64) string { return fmt.Sprintf("%.0f", x) }},
		{"Mean weekly fee", func(s Summary) float64 { return s.MeanFee }, pounds},
		{"Children not placed", func(s Summary) float64 { return float64(s.NotPlaced) }, func(x float64) string { return fmt.Sprintf("%.0f", x) }},
	}
	const pw, ph, padL, padT, gapX, gapY = 220.0, 120.0, 70.0, 80.0, 40.0, 60.0
	width := padL + float64(len(params))*(pw+gapX)
	height := padT + float64(len(measures))*(ph+gapY) + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" class="hearth-sim-chart" role="img" aria-labelledby="sens-title" font-family="Arial, sans-serif" font-size="12">`, width, height, width, height)
	b.WriteString(`<title id="sens-title">Sensitivity: councils alone and the consortium on Hearth as each uncertain parameter varies; the table gives the figures</title>`)
	b.WriteString(`<rect width="100%" height="100%" fill="#ffffff"/>`)
	fmt.Fprintf(&b, `<g font-size="13"><line x1="%.0f" y1="20" x2="%.0f" y2="20" stroke="#1d70b8" stroke-width="3"/><text x="%.0f" y="24">Councils alone</text>`, padL, padL+24, padL+30)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="20" x2="%.0f" y2="20" stroke="#00703c" stroke-width="3" stroke-dasharray="6 3"/><text x="%.0f" y="24">Consortium on Hearth</text></g>`, padL+150, padL+174, padL+180)
	for col, param := range params {
		pts := byParam[param]
		x0 := padL + float64(col)*(pw+gapX)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-weight="bold" font-size="13">%s</text>`, x0, padT-30, html.EscapeString(param))
		for row, m := range measures {
			y0 := padT + float64(row)*(ph+gapY)
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range pts {
				for _, s := range []Summary{v.Alone, v.Consortium} {
					if x := m.of(s); !math.IsNaN(x) {
						lo, hi = math.Min(lo, x), math.Max(hi, x)
					}
				}
			}
			lo = math.Min(lo, 0)
			if hi <= lo {
				hi = lo + 1
			}
			hi *= 1.1
			yOf := func(x float64) float64 { return y0 + ph - (x-lo)/(hi-lo)*ph }
			xOf := func(k int) float64 {
				if len(pts) == 1 {
					return x0 + pw/2
				}
				return x0 + 10 + float64(k)*(pw-20)/float64(len(pts)-1)
			}
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#b1b4b6"/>`, x0, y0, pw, ph)
			if col == 0 {
				fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-weight="bold">%s</text>`, x0, y0-8, html.EscapeString(m.name))
			}
			fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end" fill="#505a5f">%s</text>`, x0-4, y0+10, html.EscapeString(m.fmt(hi)))
			fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end" fill="#505a5f">%s</text>`, x0-4, y0+ph, html.EscapeString(m.fmt(lo)))
			for k, v := range pts {
				fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" fill="#505a5f">%s</text>`, xOf(k), y0+ph+15, html.EscapeString(v.Value))
			}
			for _, line := range []struct {
				colour, dash string
				pick         func(Variation) Summary
			}{{"#1d70b8", "", func(v Variation) Summary { return v.Alone }}, {"#00703c", ` stroke-dasharray="6 3"`, func(v Variation) Summary { return v.Consortium }}} {
				var path []string
				for k, v := range pts {
					if x := m.of(line.pick(v)); !math.IsNaN(x) {
						path = append(path, fmt.Sprintf("%.1f,%.1f", xOf(k), yOf(x)))
						fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, xOf(k), yOf(x), line.colour)
					}
				}
				fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, strings.Join(path, " "), line.colour, line.dash)
			}
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// PolicyChart draws the residential policies side by side in SVG: a panel per measure
// (mean miles, share out of area, mean weekly fee, children not placed), a bar per
// policy, each labelled with its figure. The table carries the same figures.
func PolicyChart(ss []Summary) string {
	measures := []struct {
		name string
		of   func(Summary) float64
		fmt  func(float64) string
	}{
		{"Mean miles from home", func(s Summary) float64 { return s.MeanMiles }, func(x float64) string { return fmt.Sprintf("%.1f", x) }},
		{"Out of area", func(s Summary) float64 { return s.OutOfArea * 100 }, func(x float64) string { return fmt.Sprintf("%.0f%%", x) }},
		{"Mean weekly fee", func(s Summary) float64 { return s.MeanFee }, pounds},
		{"Children not placed", func(s Summary) float64 { return float64(s.NotPlaced) }, func(x float64) string { return fmt.Sprintf("%.0f", x) }},
	}
	colours := []string{"#1d70b8", "#00703c", "#505a5f"}
	const labelW, barMax, barH, gap, panelGap = 190.0, 260.0, 18.0, 6.0, 34.0
	panelH := float64(len(ss))*(barH+gap) + 22
	width, height := labelW+barMax+90, float64(len(measures))*(panelH+panelGap)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" class="hearth-sim-chart" role="img" aria-labelledby="policy-title" font-family="Arial, sans-serif" font-size="13">`, width, height, width, height)
	b.WriteString(`<title id="policy-title">Residential policies compared: mean miles, share out of area, mean weekly fee and children not placed; the table gives the figures</title>`)
	for k, m := range measures {
		y0 := float64(k) * (panelH + panelGap)
		fmt.Fprintf(&b, `<text x="0" y="%.0f" font-weight="bold">%s</text>`, y0+14, html.EscapeString(m.name))
		top := 0.0
		for _, s := range ss {
			if x := m.of(s); !math.IsNaN(x) {
				top = math.Max(top, x)
			}
		}
		for i, s := range ss {
			y := y0 + 22 + float64(i)*(barH+gap)
			x := m.of(s)
			fmt.Fprintf(&b, `<text x="0" y="%.0f">%s</text>`, y+13, html.EscapeString(s.Policy))
			if math.IsNaN(x) || top == 0 {
				fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" fill="#505a5f">—</text>`, labelW, y+13)
				continue
			}
			w := x / top * barMax
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.1f" height="%.0f" fill="%s"/>`, labelW, y, w, barH, colours[i%len(colours)])
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f">%s</text>`, labelW+w+6, y+13, html.EscapeString(m.fmt(x)))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}
