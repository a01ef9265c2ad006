package geo

import (
	_ "embed"
	"math"
)

//go:embed data/england_outline.csv
var outlineCSV []byte

// Outline is England's simplified outline: one ring of points per land mass.
var Outline = func() map[string][]Point {
	rings := map[string][]Point{}
	for _, r := range mustCSV(outlineCSV, 3) {
		rings[r[0]] = append(rings[r[0]], Point{mustFloat(r[1]), mustFloat(r[2])})
	}
	return rings
}()

// InEngland reports whether p lies inside the outline (ray casting).
func InEngland(p Point) bool {
	for _, ring := range Outline {
		if inRing(p, ring) {
			return true
		}
	}
	return false
}

func inRing(p Point, ring []Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) && p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// Cell is one grid square of the map, assigned to the nearest council centroid.
type Cell struct {
	SW      Point // south-west corner
	ONSCode string
}

// Grid is England divided into cells of CellLat × CellLon degrees.
type Grid struct {
	CellLat, CellLon float64
	Min, Max         Point
	Cells            []Cell
}

// CouncilGrid rasterises England into cells of about `miles` on a side, each given to
// the council whose centroid is nearest: an approximation of council areas.
func CouncilGrid(miles float64) Grid {
	g := Grid{Min: Point{90, 180}, Max: Point{-90, -180}}
	for _, ring := range Outline {
		for _, p := range ring {
			g.Min.Lat, g.Min.Lon = math.Min(g.Min.Lat, p.Lat), math.Min(g.Min.Lon, p.Lon)
			g.Max.Lat, g.Max.Lon = math.Max(g.Max.Lat, p.Lat), math.Max(g.Max.Lon, p.Lon)
		}
	}
	g.CellLat = miles / 69.0
	g.CellLon = miles / (69.0 * math.Cos((g.Min.Lat+g.Max.Lat)/2*math.Pi/180))
	for lat := g.Min.Lat; lat < g.Max.Lat; lat += g.CellLat {
		for lon := g.Min.Lon; lon < g.Max.Lon; lon += g.CellLon {
			centre := Point{lat + g.CellLat/2, lon + g.CellLon/2}
			if !InEngland(centre) {
				continue
			}
			best, bestD := "", math.Inf(1)
			for _, c := range councils {
				// Squared equirectangular distance is enough to rank neighbours.
				dLat := c.Centroid.Lat - centre.Lat
				dLon := (c.Centroid.Lon - centre.Lon) * 0.6
				if d := dLat*dLat + dLon*dLon; d < bestD {
					best, bestD = c.ONSCode, d
				}
			}
			g.Cells = append(g.Cells, Cell{SW: Point{lat, lon}, ONSCode: best})
		}
	}
	return g
}
