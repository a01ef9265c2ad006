package frontend

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/hearth-placements/hearth/commissioning/geo"
	"github.com/hearth-placements/hearth/marketplace"
)

// The map is drawn by Hearth itself as SVG: England's outline rasterised into small
// cells, each belonging to the nearest council, shaded by beds free in that council's
// area; homes are points coloured by availability, each a link to its card.

var (
	gridOnce sync.Once
	grid     geo.Grid
	// councilPaths is one SVG path per council, built once.
	councilPaths map[string]string
)

const mapWidth = 520.0

func mapScale() (float64, float64) {
	w := (grid.Max.Lon - grid.Min.Lon) * math.Cos((grid.Min.Lat+grid.Max.Lat)/2*math.Pi/180)
	k := mapWidth / w
	return k, (grid.Max.Lat - grid.Min.Lat) * k
}

func project(p geo.Point) (float64, float64) {
	k, _ := mapScale()
	x := (p.Lon - grid.Min.Lon) * math.Cos((grid.Min.Lat+grid.Max.Lat)/2*math.Pi/180) * k
	y := (grid.Max.Lat - p.Lat) * k
	return x, y
}

func loadGrid() {
	gridOnce.Do(func() {
		grid = geo.CouncilGrid(4)
		councilPaths = map[string]string{}
		var b = map[string]*strings.Builder{}
		for _, c := range grid.Cells {
			x0, y1 := project(c.SW)
			x1, y0 := project(geo.Point{Lat: c.SW.Lat + grid.CellLat, Lon: c.SW.Lon + grid.CellLon})
			sb := b[c.ONSCode]
			if sb == nil {
				sb = &strings.Builder{}
				b[c.ONSCode] = sb
			}
			fmt.Fprintf(sb, "M%.1f %.1fh%.1fv%.1fh%.1fz", x0, y0, x1-x0+0.15, y1-y0+0.15, -(x1 - x0 + 0.15))
		}
		for k, sb := range b {
			councilPaths[k] = sb.String()
		}
	})
}

// shade is the fill for a number of free beds: more beds, deeper green.
func shade(beds int) string {
	switch {
	case beds <= 0:
		return "#f3f2f1"
	case beds <= 2:
		return "#cce2d8"
	case beds <= 5:
		return "#85b49d"
	}
	return "#3d8b64"
}

var availabilityColour = map[string]string{"now": "#00703c", "soon": "#f47738", "none": "#505a5f"}

// vacancyMap renders the SVG for the homes given, shading councils by bedsByONS.
func vacancyMap(homes []marketplace.BoardHome, bedsByONS map[string]int, councilNames map[string]string) template.HTML {
	loadGrid()
	var b strings.Builder
	x0, y0, w, h := viewBox(homes)
	fmt.Fprintf(&b, `<svg class="hearth-map" viewBox="%.0f %.0f %.0f %.0f" xmlns="http://www.w3.org/2000/svg" aria-labelledby="map-title" focusable="false">`, x0, y0, w, h)
	b.WriteString(`<title id="map-title">Map of England: council areas shaded by beds free, homes as points</title>`)
	codes := make([]string, 0, len(councilPaths))
	for code := range councilPaths {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		beds := bedsByONS[code]
		fmt.Fprintf(&b, `<path d="%s" fill="%s" stroke="none" data-council="%s"><title>%s: %d beds free</title></path>`,
			councilPaths[code], shade(beds), code, template.HTMLEscapeString(councilNames[code]), beds)
	}
	for _, hm := range homes {
		x, y := project(geo.Point{Lat: hm.Lat, Lon: hm.Lon})
		label := fmt.Sprintf("%s, %s: %s", hm.Name, hm.Outcode, availabilityLabel(hm))
		fmt.Fprintf(&b, `<a href="#home-%d" class="hearth-map__home" data-home="%d" aria-label="%s"><circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s" stroke="#ffffff" stroke-width="%.1f"><title>%s</title></circle></a>`,
			hm.ID, hm.ID, template.HTMLEscapeString(label), x, y, w/90, availabilityColour[hm.Availability()], w/400, template.HTMLEscapeString(label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text value above is escaped
}

// viewBox frames the homes (at least about 60 miles across, keeping the map's shape),
// or the whole of England when there are none.
func viewBox(homes []marketplace.BoardHome) (x, y, w, h float64) {
	_, fullH := mapScale()
	if len(homes) == 0 {
		return 0, 0, mapWidth, fullH
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, hm := range homes {
		px, py := project(geo.Point{Lat: hm.Lat, Lon: hm.Lon})
		minX, minY, maxX, maxY = math.Min(minX, px), math.Min(minY, py), math.Max(maxX, px), math.Max(maxY, py)
	}
	k, _ := mapScale()
	minSpan := 60.0 / 69.0 * k // 60 miles in map units
	w = math.Max(maxX-minX, minSpan) * 1.3
	h = math.Max(maxY-minY, minSpan) * 1.3
	// Keep the whole map's aspect ratio so the page layout does not jump.
	if ratio := fullH / mapWidth; h/w < ratio {
		h = w * ratio
	} else {
		w = h / ratio
	}
	if w >= mapWidth {
		return 0, 0, mapWidth, fullH
	}
	return (minX+maxX)/2 - w/2, (minY+maxY)/2 - h/2, w, h
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
