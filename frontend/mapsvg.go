package frontend

import (
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
)

// The map is drawn by Hearth itself as inline SVG, with no tile server: every
// council's ONS boundary projected onto the British National Grid, shaded by beds free
// in its area; homes are points coloured by availability, each a link to its card.
//
// SVG user units are kilometres on the National Grid, north up: x is the easting,
// y runs south from northing mapTopKm. Each zoom level has its own simplification of
// the boundaries; a council's path at a level is built once, at first use, and a
// request only strings cached paths together.

const mapTopKm = 700.0

// mapLevel is one zoom level's simplification of the boundaries.
type mapLevel struct {
	minWidthKm float64 // the narrowest view this level is drawn for
	tolerance  float64 // Douglas–Peucker tolerance, metres
	unit       int     // path coordinates are whole 1/unit kilometres
	once       sync.Once
	paths      map[string]string // SVG path data by ONS code
}

// mapLevels run from the coarsest (all England, about a kilometre a pixel) to the
// finest (a few councils).
var mapLevels = []*mapLevel{
	{minWidthKm: 400, tolerance: 1500, unit: 4},
	{minWidthKm: 150, tolerance: 300, unit: 20},
	{minWidthKm: 0, tolerance: 100, unit: 50},
}

// levelFor is the level to draw a view w kilometres wide at.
func levelFor(w float64) *mapLevel {
	for _, l := range mapLevels {
		if w >= l.minWidthKm {
			return l
		}
	}
	return mapLevels[len(mapLevels)-1]
}

// path returns the council's path data at this level ("" if it has no boundary).
func (l *mapLevel) path(code string) string {
	l.once.Do(func() {
		l.paths = map[string]string{}
		for _, s := range geo.SimplifiedShapes(l.tolerance) {
			l.paths[s.ONSCode] = ringsPath(s.Rings, l.unit)
		}
	})
	return l.paths[code]
}

// ringsPath writes rings as SVG path data in whole 1/unit kilometres, each point
// relative to the one before, so shared borders round alike on both sides.
func ringsPath(rings [][]geo.GridRef, unit int) string {
	var b []byte
	for _, ring := range rings {
		var px, py int64
		for i, p := range ring[:len(ring)-1] { // z closes the ring
			x, y := mapUnits(p, unit)
			switch i {
			case 0:
				b = append(b, 'M')
				b = strconv.AppendInt(b, x, 10)
				b = appendSigned(b, y)
				b = append(b, 'l')
			default:
				if x == px && y == py {
					continue
				}
				if b[len(b)-1] != 'l' {
					b = appendSigned(b, x-px)
				} else {
					b = strconv.AppendInt(b, x-px, 10)
				}
				b = appendSigned(b, y-py)
			}
			px, py = x, y
		}
		b = append(b, 'z')
	}
	return string(b)
}

// appendSigned appends n after a number: a minus sign separates it, else a space.
func appendSigned(b []byte, n int64) []byte {
	if n >= 0 {
		b = append(b, ' ')
	}
	return strconv.AppendInt(b, n, 10)
}

func mapUnits(p geo.GridRef, unit int) (int64, int64) {
	x, y := mapXY(p)
	return int64(math.Round(x * float64(unit))), int64(math.Round(y * float64(unit)))
}

// mapXY is a National Grid position in the map's user units.
func mapXY(p geo.GridRef) (x, y float64) { return p.E / 1000, mapTopKm - p.N/1000 }

// mapArea is a council's place on the map.
type mapArea struct {
	code, name, region     string
	minX, minY, maxX, maxY float64
}

// mapAreas are every council with a boundary, and England's extent, computed once.
var mapAreas = sync.OnceValues(func() ([]mapArea, mapFrame) {
	names := map[string]geo.Council{}
	for _, c := range geo.Councils() {
		names[c.ONSCode] = c
	}
	var areas []mapArea
	all := mapFrame{x: math.Inf(1), y: math.Inf(1), w: math.Inf(-1), h: math.Inf(-1)}
	for _, s := range geo.GridShapes() {
		x0, y1 := mapXY(s.Min)
		x1, y0 := mapXY(s.Max)
		c := names[s.ONSCode]
		areas = append(areas, mapArea{code: s.ONSCode, name: c.Name, region: c.Region, minX: x0, minY: y0, maxX: x1, maxY: y1})
		all.x, all.y, all.w, all.h = math.Min(all.x, x0), math.Min(all.y, y0), math.Max(all.w, x1), math.Max(all.h, y1)
	}
	all.w, all.h = all.w-all.x, all.h-all.y
	const margin = 5.0 // km
	return areas, mapFrame{all.x - margin, all.y - margin, all.w + 2*margin, all.h + 2*margin}
})

// mapFrame is the part of the map shown: the SVG's viewBox.
type mapFrame struct{ x, y, w, h float64 }

func (f mapFrame) shows(a mapArea) bool {
	return a.maxX >= f.x && a.minX <= f.x+f.w && a.maxY >= f.y && a.minY <= f.y+f.h
}

func (f mapFrame) holds(a mapArea) bool {
	return a.minX >= f.x && a.maxX <= f.x+f.w && a.minY >= f.y && a.maxY <= f.y+f.h
}

// fit frames the box (at least minSpan kilometres across) with a margin, keeping
// England's proportions so the page does not jump between zooms; a frame as large as
// England is England.
func fit(minX, minY, maxX, maxY, minSpan float64) mapFrame {
	_, england := mapAreas()
	w := math.Max(maxX-minX, minSpan) * 1.15
	h := math.Max(maxY-minY, minSpan) * 1.15
	if ratio := england.h / england.w; h/w < ratio {
		h = w * ratio
	} else {
		w = h / ratio
	}
	if w >= england.w {
		return england
	}
	return mapFrame{(minX+maxX)/2 - w/2, (minY+maxY)/2 - h/2, w, h}
}

// mapView is the zoom the board asks for with ?map=: "national", "consortium",
// "region:<name>", or "" for the matching homes.
type mapView struct {
	Kind   string
	Region string
}

func (v mapView) String() string {
	if v.Kind == "region" {
		return "region:" + v.Region
	}
	return v.Kind
}

// parseMapView reads ?map=; anything else is the default view, framing the homes.
func parseMapView(s string) mapView {
	switch {
	case s == "national" || s == "consortium":
		return mapView{Kind: s}
	case strings.HasPrefix(s, "region:"):
		for _, r := range geo.Regions() {
			if r == strings.TrimPrefix(s, "region:") {
				return mapView{Kind: "region", Region: r}
			}
		}
	}
	return mapView{}
}

// mapInput is what the board's map shows.
type mapInput struct {
	View    mapView
	Homes   []marketplace.BoardHome
	Beds    map[string]int    // beds free by council (ONS code)
	Names   map[string]string // council names by ONS code, where Hearth knows better than the boundary file
	Links   map[string]string // by ONS code: the board filtered to that council
	Members map[string]bool   // the consortium's councils
}

// frame is the part of England the view shows.
func (in mapInput) frame() (mapFrame, string) {
	areas, england := mapAreas()
	box := func(keep func(mapArea) bool) (mapFrame, bool) {
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, a := range areas {
			if keep(a) {
				minX, minY, maxX, maxY = math.Min(minX, a.minX), math.Min(minY, a.minY), math.Max(maxX, a.maxX), math.Max(maxY, a.maxY)
			}
		}
		if math.IsInf(minX, 1) {
			return england, false
		}
		return fit(minX, minY, maxX, maxY, 0), true
	}
	switch in.View.Kind {
	case "national":
		return england, "England"
	case "region":
		f, _ := box(func(a mapArea) bool { return a.region == in.View.Region })
		return f, in.View.Region
	case "consortium":
		if f, ok := box(func(a mapArea) bool { return in.Members[a.code] }); ok {
			return f, "the consortium's councils"
		}
		return england, "England"
	}
	if len(in.Homes) == 0 {
		return england, "England"
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, hm := range in.Homes {
		x, y := mapXY(geo.ToGrid(geo.Point{Lat: hm.Lat, Lon: hm.Lon}))
		minX, minY, maxX, maxY = math.Min(minX, x), math.Min(minY, y), math.Max(maxX, x), math.Max(maxY, y)
	}
	f := fit(minX, minY, maxX, maxY, 100) // at least about 60 miles across
	if f == england {
		return f, "England"
	}
	return f, "the matching homes"
}

// shadeClass is the fill class for a number of free beds: more beds, deeper green.
func shadeClass(beds int) string {
	switch {
	case beds <= 0:
		return "hearth-shade-0"
	case beds <= 2:
		return "hearth-shade-1"
	case beds <= 5:
		return "hearth-shade-2"
	}
	return "hearth-shade-3"
}

// vacancyMap renders the map as inline SVG.
func vacancyMap(in mapInput) template.HTML {
	f, title := in.frame()
	level := levelFor(f.w)
	areas, _ := mapAreas()
	var b strings.Builder
	b.Grow(64 << 10)
	fmt.Fprintf(&b, `<svg class="hearth-map" viewBox="%.1f %.1f %.1f %.1f" xmlns="http://www.w3.org/2000/svg" aria-labelledby="map-title" focusable="false" data-view="%s">`,
		f.x, f.y, f.w, f.h, template.HTMLEscapeString(in.View.String()))
	fmt.Fprintf(&b, `<title id="map-title">Map of %s: council areas shaded by beds free, homes as points</title>`, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<g transform="scale(%g)">`, 1/float64(level.unit))
	// The consortium's councils are drawn last so that their darker borders show whole.
	for _, members := range []bool{false, true} {
		for _, a := range areas {
			if in.Members[a.code] != members || !f.shows(a) {
				continue
			}
			name := a.name
			if n := in.Names[a.code]; n != "" {
				name = n
			}
			beds := in.Beds[a.code]
			label := template.HTMLEscapeString(fmt.Sprintf("%s: %s free", name, bedsText(beds)))
			class := "hearth-map__area"
			if members {
				class += " hearth-map__area--member"
			}
			if !f.holds(a) {
				// A council cut by the frame's edge is context, not a target: its link
				// would reach outside the map (over the page's other links), and the
				// reader can zoom out to it.
				fmt.Fprintf(&b, `<g class="%s"><path d="%s" class="%s" data-council="%s"><title>%s</title></path></g>`,
					strings.Replace(class, "hearth-map__area", "hearth-map__context", 1), level.path(a.code), shadeClass(beds), a.code, label)
				continue
			}
			if href := in.Links[a.code]; href != "" {
				fmt.Fprintf(&b, `<a href="%s" class="%s" aria-label="%s">`, template.HTMLEscapeString(href), class, label)
			} else {
				fmt.Fprintf(&b, `<a class="%s" tabindex="0" role="img" aria-label="%s">`, class, label)
			}
			fmt.Fprintf(&b, `<path d="%s" class="%s" data-council="%s"><title>%s</title></path></a>`, level.path(a.code), shadeClass(beds), a.code, label)
		}
	}
	b.WriteString(`</g>`)
	r := f.w / 90
	for _, hm := range in.Homes {
		x, y := mapXY(geo.ToGrid(geo.Point{Lat: hm.Lat, Lon: hm.Lon}))
		if x < f.x-r || x > f.x+f.w+r || y < f.y-r || y > f.y+f.h+r {
			continue
		}
		label := template.HTMLEscapeString(fmt.Sprintf("%s, %s: %s", hm.Name, hm.Outcode, availabilityLabel(hm)))
		fmt.Fprintf(&b, `<a href="#map-home-%d" class="hearth-map__home" data-home="%d" aria-label="%s"><circle cx="%.2f" cy="%.2f" r="%.2f" class="hearth-map__point--%s"><title>%s</title></circle></a>`,
			hm.ID, hm.ID, label, x, y, r, hm.Availability(), label)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text value above is escaped
}

func bedsText(n int) string {
	if n == 1 {
		return "1 bed"
	}
	return fmt.Sprintf("%d beds", n)
}

// mapZooms are the links that zoom the board's map, keeping its filters (query, less
// map and page).
func mapZooms(query string, current mapView) []mapZoom {
	href := func(v string) string {
		if v == "" {
			if query == "" {
				return "/board/map"
			}
			return "/board/map?" + query
		}
		if query == "" {
			return "/board/map?map=" + url.QueryEscape(v)
		}
		return "/board/map?" + query + "&map=" + url.QueryEscape(v)
	}
	zooms := []mapZoom{
		{Label: "Matching homes", Href: href(""), Current: current.Kind == ""},
		{Label: "England", Href: href("national"), Current: current.Kind == "national"},
		{Label: "Your consortium's councils", Href: href("consortium"), Current: current.Kind == "consortium"},
	}
	for _, r := range geo.Regions() {
		v := mapView{Kind: "region", Region: r}
		zooms = append(zooms, mapZoom{Label: r, Href: href(v.String()), Current: current == v, Region: true})
	}
	return zooms
}

// mapZoom is one zoom link.
type mapZoom struct {
	Label, Href     string
	Current, Region bool
}

func availabilityLabel(h marketplace.BoardHome) string {
	switch h.Availability() {
	case "now":
		if h.BedsFree == 1 {
			return "1 bed free now"
		}
		return fmt.Sprintf("%d beds free now", h.BedsFree)
	case "soon":
		return fmt.Sprintf("%d free from %s", *h.NextFreeBeds, h.NextFreeDate.Format("2 Jan 2006"))
	}
	return "no beds free"
}
