package frontend

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// flowMap draws the out-of-area view's flows on a map of the consortium's councils
// (members, by ONS code) and the councils its shown flows go into, as inline SVG on the
// board map's projection: each flow between two councils a curved arrow whose width is
// the number of placements, each council's placements in its own area a circle whose
// area is their number. Suppressed flows are not drawn, nor homes outside England; the
// flows table is the map's text alternative.
func flowMap(m intelligence.FlowMatrix, members map[string]bool) template.HTML {
	byName := map[string]geo.Council{}
	for _, c := range geo.Councils() {
		byName[c.Name] = c
	}
	type flow struct {
		from, to string
		n        int64
	}
	var flows []flow
	var top int64
	involved := map[string]bool{}
	for _, r := range m.Rows {
		if from, ok := byName[r.From]; ok {
			involved[from.ONSCode] = true
		}
		for j, c := range r.Cells {
			if c.Suppressed || c.N == 0 {
				continue
			}
			from, ok1 := byName[r.From]
			to, ok2 := byName[m.Hosts[j]]
			if !ok1 || !ok2 {
				continue
			}
			involved[to.ONSCode] = true
			flows = append(flows, flow{from.ONSCode, to.ONSCode, c.N})
			top = max(top, c.N)
		}
	}
	areas, _ := mapAreas()
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, a := range areas {
		if involved[a.code] || members[a.code] {
			minX, minY, maxX, maxY = math.Min(minX, a.minX), math.Min(minY, a.minY), math.Max(maxX, a.maxX), math.Max(maxY, a.maxY)
		}
	}
	if top == 0 || math.IsInf(minX, 1) {
		return ""
	}
	f := fit(minX, minY, maxX, maxY, 60)
	// The coarsest outlines: the map is a diagram of flows, and its page carries the
	// flows table too (the page weight budget).
	level := mapLevels[0]
	centre := map[string][2]float64{}
	names := map[string]string{}
	for _, c := range geo.Councils() {
		if involved[c.ONSCode] {
			x, y := mapXY(geo.ToGrid(c.Centroid))
			centre[c.ONSCode] = [2]float64{x, y}
			names[c.ONSCode] = c.Name
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="hearth-map hearth-flow-map" viewBox="%.1f %.1f %.1f %.1f" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="flow-map-title" data-testid="flow-map">`,
		f.x, f.y, f.w, f.h)
	b.WriteString(`<title id="flow-map-title">Map of placements between councils: arrows from the placing council to the council where the home is, wider for more placements; circles for placements in the council's own area. The table below has the figures.</title>`)
	fmt.Fprintf(&b, `<g transform="scale(%g)" aria-hidden="true">`, 1/float64(level.unit))
	for _, a := range areas {
		if involved[a.code] || members[a.code] {
			fmt.Fprintf(&b, `<path d="%s" class="hearth-shade-0"/>`, level.path(a.code))
		}
	}
	b.WriteString(`</g>`)
	px := f.w / 640 // kilometres a pixel at the map's widest
	width := func(n int64) float64 { return 1.5 + 8*float64(n)/float64(top) }
	for _, fl := range flows {
		a, z := centre[fl.from], centre[fl.to]
		label := template.HTMLEscapeString(fmt.Sprintf("%s into %s: %d placements", names[fl.from], names[fl.to], fl.n))
		if fl.from == fl.to {
			r := math.Sqrt(float64(fl.n)/float64(top)) * 14 * px
			fmt.Fprintf(&b, `<circle cx="%.2f" cy="%.2f" r="%.2f" class="hearth-flow__own"><title>%s</title></circle>`, a[0], a[1], math.Max(r, 3*px), label)
			continue
		}
		// A quadratic curve bowed to the left of its direction, so that flows each way
		// between two councils stay apart; the arrowhead follows the curve's end.
		dx, dy := z[0]-a[0], z[1]-a[1]
		cx, cy := (a[0]+z[0])/2+dy*0.18, (a[1]+z[1])/2-dx*0.18
		tx, ty := z[0]-cx, z[1]-cy
		l := math.Hypot(tx, ty)
		if l == 0 {
			continue
		}
		tx, ty = tx/l, ty/l
		head := (4 + 0.6*width(fl.n)) * px
		ex, ey := z[0]-tx*head, z[1]-ty*head
		fmt.Fprintf(&b, `<g class="hearth-flow"><title>%s</title><path d="M%.2f %.2fQ%.2f %.2f %.2f %.2f" style="stroke-width:%.1fpx"/>`, label, a[0], a[1], cx, cy, ex, ey, width(fl.n))
		fmt.Fprintf(&b, `<polygon points="%.2f,%.2f %.2f,%.2f %.2f,%.2f"/></g>`, z[0], z[1], ex-ty*head*0.6, ey+tx*head*0.6, ex+ty*head*0.6, ey-tx*head*0.6)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text value above is escaped
}
