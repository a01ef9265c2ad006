package geo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
)

// councils.geojson is the ONS boundary of every council (see data/SOURCES.md): one
// MultiPolygon per council, WGS84, with properties ons_code, name and region.
//
//go:embed data/councils.geojson
var councilsGeoJSON []byte

// Shape is one council's boundary: its polygons, each a list of closed rings (the
// outline first, then any holes), in WGS84.
type Shape struct {
	ONSCode, Name, Region string
	Polygons              [][][]Point
}

// Shapes returns every council's boundary, ordered by ONS code.
func Shapes() []Shape { return shapes() }

var shapes = sync.OnceValue(func() []Shape {
	var fc struct {
		Features []struct {
			Properties struct {
				ONSCode string `json:"ons_code"`
				Name    string `json:"name"`
				Region  string `json:"region"`
			} `json:"properties"`
			Geometry struct {
				Type        string           `json:"type"`
				Coordinates [][][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(councilsGeoJSON, &fc); err != nil {
		panic(fmt.Sprintf("geo: embedded data: councils.geojson: %v", err))
	}
	out := make([]Shape, 0, len(fc.Features))
	for _, f := range fc.Features {
		if f.Geometry.Type != "MultiPolygon" {
			panic(fmt.Sprintf("geo: embedded data: councils.geojson: %s is a %s, not a MultiPolygon", f.Properties.ONSCode, f.Geometry.Type))
		}
		s := Shape{ONSCode: f.Properties.ONSCode, Name: f.Properties.Name, Region: f.Properties.Region}
		for _, poly := range f.Geometry.Coordinates {
			var rings [][]Point
			for _, ring := range poly {
				pts := make([]Point, len(ring))
				for i, c := range ring {
					pts[i] = Point{Lat: c[1], Lon: c[0]} // GeoJSON is longitude first
				}
				rings = append(rings, pts)
			}
			s.Polygons = append(s.Polygons, rings)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ONSCode < out[j].ONSCode })
	return out
})

// GridShape is a council's boundary on the British National Grid.
type GridShape struct {
	ONSCode string
	// Rings are closed (the last point repeats the first). Outlines and holes alike:
	// draw them with the even-odd fill rule.
	Rings    [][]GridRef
	Min, Max GridRef // the bounding box of the unsimplified boundary
}

// gridShapes are the boundaries projected once, unsimplified.
var gridShapes = sync.OnceValue(func() []GridShape {
	var out []GridShape
	for _, s := range Shapes() {
		g := GridShape{ONSCode: s.ONSCode, Min: GridRef{math.Inf(1), math.Inf(1)}, Max: GridRef{math.Inf(-1), math.Inf(-1)}}
		for _, poly := range s.Polygons {
			for _, ring := range poly {
				pts := make([]GridRef, len(ring))
				for i, p := range ring {
					pts[i] = ToGrid(p)
					g.Min = GridRef{math.Min(g.Min.E, pts[i].E), math.Min(g.Min.N, pts[i].N)}
					g.Max = GridRef{math.Max(g.Max.E, pts[i].E), math.Max(g.Max.N, pts[i].N)}
				}
				g.Rings = append(g.Rings, pts)
			}
		}
		out = append(out, g)
	}
	return out
})

// SimplifiedShapes returns every council's boundary on the National Grid, ordered by
// ONS code, simplified by Douglas–Peucker to within tolerance metres (0: as published).
// A border two councils share is simplified once, between the points where a third
// council or the coast meets it, so neighbours still meet without gaps or overlaps.
// Rings that shrink to nothing at this tolerance (small islands) are left out.
func SimplifiedShapes(tolerance float64) []GridShape {
	src := gridShapes()
	var rings [][]GridRef
	for _, s := range src {
		rings = append(rings, s.Rings...)
	}
	simple := simplifyRings(rings, tolerance)
	out := make([]GridShape, len(src))
	i := 0
	for k, s := range src {
		out[k] = GridShape{ONSCode: s.ONSCode, Min: s.Min, Max: s.Max}
		for range s.Rings {
			if r := simple[i]; r != nil {
				out[k].Rings = append(out[k].Rings, r)
			}
			i++
		}
	}
	return out
}

// simplifyRings simplifies closed rings that may share edges. A point is kept fixed
// where the set of rings it belongs to changes (the ends of every shared border); a
// ring with fewer than two such points is also pinned at its lowest and highest point,
// which rings with the same points (an enclave and its hole) pick alike. Between fixed
// points, Douglas–Peucker keeps what lies more than tolerance from the line, and it
// keeps the same points whichever way round a ring runs. A ring left with fewer than
// three corners is nil.
func simplifyRings(rings [][]GridRef, tolerance float64) [][]GridRef {
	owners := map[GridRef][]int{}
	for r, ring := range rings {
		for _, p := range ring {
			if !slices.Contains(owners[p], r) {
				owners[p] = append(owners[p], r)
			}
		}
	}
	out := make([][]GridRef, len(rings))
	for r, ring := range rings {
		pts := ring
		if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
			pts = pts[:len(pts)-1]
		}
		m := len(pts)
		if m < 3 {
			continue
		}
		fixed := make([]bool, m)
		nFixed := 0
		for i, p := range pts {
			o := owners[p]
			if !slices.Equal(o, owners[pts[(i+m-1)%m]]) || !slices.Equal(o, owners[pts[(i+1)%m]]) {
				fixed[i] = true
				nFixed++
			}
		}
		if nFixed < 2 {
			lo, hi := 0, 0
			for i, p := range pts {
				if less(p, pts[lo]) {
					lo = i
				}
				if less(pts[hi], p) {
					hi = i
				}
			}
			fixed[lo], fixed[hi] = true, true
		}
		start := slices.Index(fixed, true)
		keep := make([]bool, m)
		for i := start; ; {
			j := (i + 1) % m
			for !fixed[j] {
				j = (j + 1) % m
			}
			section := make([]GridRef, 0, (j-i+m)%m+1)
			for k := i; ; k = (k + 1) % m {
				section = append(section, pts[k])
				if k == j && len(section) > 1 {
					break
				}
			}
			keep[i], keep[j] = true, true
			for _, k := range douglasPeucker(section, tolerance) {
				keep[(i+k)%m] = true
			}
			if i = j; i == start {
				break
			}
		}
		var simple []GridRef
		for k := range m {
			if p := pts[(start+k)%m]; keep[(start+k)%m] {
				simple = append(simple, p)
			}
		}
		if len(simple) >= 3 {
			out[r] = append(simple, simple[0])
		}
	}
	return out
}

func less(a, b GridRef) bool { return a.E < b.E || a.E == b.E && a.N < b.N }

// douglasPeucker returns the indexes of the interior points of line to keep: those
// the simplified line would otherwise pass more than tolerance from.
func douglasPeucker(line []GridRef, tolerance float64) []int {
	var keep []int
	var walk func(lo, hi int)
	walk = func(lo, hi int) {
		best, far := -1, tolerance
		for k := lo + 1; k < hi; k++ {
			if d := segmentDistance(line[k], line[lo], line[hi]); d > far {
				best, far = k, d
			}
		}
		if best < 0 {
			return
		}
		keep = append(keep, best)
		walk(lo, best)
		walk(best, hi)
	}
	walk(0, len(line)-1)
	return keep
}

// segmentDistance is the distance from p to the segment ab, in metres.
func segmentDistance(p, a, b GridRef) float64 {
	dx, dy := b.E-a.E, b.N-a.N
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p.E-a.E)*dx+(p.N-a.N)*dy)/l2))
	}
	return math.Hypot(p.E-(a.E+t*dx), p.N-(a.N+t*dy))
}

// GridShapes returns every council's boundary on the National Grid as published,
// ordered by ONS code. The slices are shared: do not change them.
func GridShapes() []GridShape { return gridShapes() }
