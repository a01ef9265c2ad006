package geo

import (
	"math"
	"testing"
)

func dms(d, m, s float64) float64 { return d + m/60 + s/3600 }

// The projection onto the British National Grid, checked against Ordnance Survey's own
// figures ("A guide to coordinate systems in Great Britain").
func TestProjectionKnownPoints(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  GridRef
		want GridRef
		tol  float64 // metres
	}{
		// Annex C.1's worked example: 52°39′27.2531″N 1°43′4.5177″E (OSGB36).
		{"OS worked example", ProjectOSGB36(Point{dms(52, 39, 27.2531), dms(1, 43, 4.5177)}), GridRef{651409.903, 313177.270}, 0.001},
		// The true origin, 49°N 2°W, is at the false origin's offset.
		{"true origin", ProjectOSGB36(Point{49, -2}), GridRef{400000, -100000}, 0.001},
	} {
		if d := math.Hypot(tt.got.E-tt.want.E, tt.got.N-tt.want.N); d > tt.tol {
			t.Errorf("%s: got E %.3f N %.3f, want E %.3f N %.3f (%.3f m out)", tt.name, tt.got.E, tt.got.N, tt.want.E, tt.want.N, d)
		}
	}
	// The datum change: Airy's transit circle at Greenwich defines OSGB36's prime
	// meridian; in WGS84 it lies about 100 metres west of it, at 51.47787°N 0.00147°W.
	if p := wgs84ToOSGB36(Point{51.47787, -0.00147}); math.Abs(p.Lon) > 0.0005 || math.Abs(p.Lat-51.4773) > 0.0003 {
		t.Errorf("Airy transit circle in OSGB36: %.5f, %.5f; want about 51.4773, 0.0000", p.Lat, p.Lon)
	}
}

// Distances on the grid agree with the great-circle distances Hearth uses, and the map
// is the right way round: north is up, east is right.
func TestProjectionShapeOfEngland(t *testing.T) {
	at := func(ons string) GridRef {
		c, ok := CouncilByONS(ons)
		if !ok {
			t.Fatalf("no council %s", ons)
		}
		return ToGrid(c.Centroid)
	}
	const manchester, liverpool, newcastle, westminster, cornwall, norfolk = "E08000003", "E08000012", "E08000021", "E09000033", "E06000052", "E10000020"
	for _, pair := range [][2]string{{manchester, liverpool}, {manchester, westminster}, {newcastle, cornwall}, {norfolk, cornwall}, {westminster, norfolk}} {
		a, b := CouncilByONSMust(t, pair[0]), CouncilByONSMust(t, pair[1])
		grid := math.Hypot(at(pair[0]).E-at(pair[1]).E, at(pair[0]).N-at(pair[1]).N) / 1609.344
		if miles := Miles(a.Centroid, b.Centroid); math.Abs(grid-miles)/miles > 0.01 {
			t.Errorf("%s to %s: %.1f miles on the grid, %.1f on the globe", a.Name, b.Name, grid, miles)
		}
	}
	if at(newcastle).N <= at(westminster).N || at(liverpool).E >= at(manchester).E || at(norfolk).E <= at(cornwall).E {
		t.Error("the projection is mirrored: Newcastle must be north of London, Liverpool west of Manchester, Norfolk east of Cornwall")
	}
}

func CouncilByONSMust(t *testing.T, ons string) Council {
	t.Helper()
	c, ok := CouncilByONS(ons)
	if !ok {
		t.Fatalf("no council %s", ons)
	}
	return c
}

// Every council Hearth knows has a boundary to draw, under the same name and region,
// and around its centroid.
func TestEveryCouncilHasAShape(t *testing.T) {
	shapes := map[string]Shape{}
	for _, s := range Shapes() {
		shapes[s.ONSCode] = s
	}
	grid := map[string]GridShape{}
	for _, g := range GridShapes() {
		grid[g.ONSCode] = g
	}
	for _, c := range Councils() {
		s, ok := shapes[c.ONSCode]
		if !ok {
			t.Errorf("%s %s has no shape in councils.geojson", c.ONSCode, c.Name)
			continue
		}
		if s.Name != c.Name || s.Region != c.Region {
			t.Errorf("%s: councils.csv says %s (%s), councils.geojson %s (%s)", c.ONSCode, c.Name, c.Region, s.Name, s.Region)
		}
		if len(s.Polygons) == 0 || len(s.Polygons[0]) == 0 || len(s.Polygons[0][0]) < 4 {
			t.Errorf("%s: empty shape", c.Name)
		}
		// Centroids are approximate; a few kilometres of slack still catches a swap of
		// latitude and longitude or a shape under the wrong code.
		g, p, slack := grid[c.ONSCode], ToGrid(c.Centroid), 6000.0
		if p.E < g.Min.E-slack || p.E > g.Max.E+slack || p.N < g.Min.N-slack || p.N > g.Max.N+slack {
			t.Errorf("%s: centroid %v outside its boundary's box %v–%v", c.Name, p, g.Min, g.Max)
		}
	}
	if len(shapes) != len(Councils()) {
		t.Errorf("%d shapes for %d councils", len(shapes), len(Councils()))
	}
}

// Simplifying keeps neighbours together: a point two councils' borders share is kept
// by both or by neither, so no gap or overlap opens between them. And it simplifies.
func TestSimplifiedShapesKeepSharedBorders(t *testing.T) {
	raw := GridShapes()
	owners := map[GridRef]map[string]bool{}
	points := 0
	for _, s := range raw {
		for _, r := range s.Rings {
			points += len(r)
			for _, p := range r {
				if owners[p] == nil {
					owners[p] = map[string]bool{}
				}
				owners[p][s.ONSCode] = true
			}
		}
	}
	for _, tolerance := range []float64{100, 300, 1000} {
		kept := map[GridRef]map[string]bool{}
		n := 0
		for _, s := range SimplifiedShapes(tolerance) {
			if len(s.Rings) == 0 {
				t.Errorf("tolerance %.0f m: %s has vanished", tolerance, s.ONSCode)
			}
			for _, r := range s.Rings {
				n += len(r)
				if r[0] != r[len(r)-1] || len(r) < 4 {
					t.Fatalf("tolerance %.0f m: %s has an open or degenerate ring", tolerance, s.ONSCode)
				}
				for _, p := range r {
					if kept[p] == nil {
						kept[p] = map[string]bool{}
					}
					kept[p][s.ONSCode] = true
				}
			}
		}
		// A ring that shrank to nothing (an island, a sliver) leaves its points to the
		// neighbour alone: a gap no wider than the tolerance, and allowed.
		dropped := map[GridRef]map[string]bool{}
		for _, s := range raw {
			for _, r := range s.Rings {
				gone := true
				for _, p := range r {
					gone = gone && !kept[p][s.ONSCode]
				}
				for _, p := range r {
					if gone {
						if dropped[p] == nil {
							dropped[p] = map[string]bool{}
						}
						dropped[p][s.ONSCode] = true
					}
				}
			}
		}
		for p, by := range kept {
			for code := range owners[p] {
				if !by[code] && !dropped[p][code] {
					t.Fatalf("tolerance %.0f m: the point %v on the border of %v is kept by %v only", tolerance, p, owners[p], by)
				}
			}
		}
		if tolerance >= 1000 && n > points*6/10 {
			t.Errorf("tolerance %.0f m kept %d of %d points", tolerance, n, points)
		}
		t.Logf("tolerance %.0f m: %d of %d points", tolerance, n, points)
	}
}

func TestDouglasPeucker(t *testing.T) {
	line := []GridRef{{0, 0}, {100, 5}, {200, 40}, {300, -5}, {400, 0}}
	got := douglasPeucker(line, 30)
	if len(got) != 1 || got[0] != 2 {
		t.Fatalf("kept %v, want only the peak (2)", got)
	}
	if got := douglasPeucker(line, 1); len(got) != 3 {
		t.Fatalf("at 1 m kept %v, want every interior point", got)
	}
}
