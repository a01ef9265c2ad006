package marketplace

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// TestBoxHoldsTheCircle proves the board's box round a distance limit holds every point
// within the limit, however the circle lies: points on and just inside the circle's
// edge, in every direction, from centres across Britain and beyond, are all in the box.
func TestBoxHoldsTheCircle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		centre := geo.Point{Lat: 49 + rng.Float64()*12, Lon: -9 + rng.Float64()*11}
		miles := 0.1 + rng.Float64()*300
		minLat, maxLat, minLon, maxLon, ok := box(centre, miles)
		if !ok {
			t.Fatalf("no box round %+v for %.1f miles", centre, miles)
		}
		for k := range 72 {
			// The point at the limit's distance in direction k*5 degrees (the direct
			// geodesic problem on the sphere), then ask geo.Miles, which decides.
			bearing := float64(k) * 5 * math.Pi / 180
			p := destination(centre, miles, bearing)
			if geo.Miles(centre, p) > miles*(1+1e-9) {
				continue
			}
			if p.Lat < minLat || p.Lat > maxLat || p.Lon < minLon || p.Lon > maxLon {
				t.Fatalf("%+v is %.3f miles from %+v (limit %.1f) but outside the box [%f,%f]x[%f,%f]",
					p, geo.Miles(centre, p), centre, miles, minLat, maxLat, minLon, maxLon)
			}
		}
	}
	if _, _, _, _, ok := box(geo.Point{Lat: 89, Lon: 0}, 200); ok {
		t.Fatal("a box of longitudes round a circle over the pole")
	}
}

// destination is the point miles from p on the given bearing (radians), on Hearth's sphere.
func destination(p geo.Point, miles, bearing float64) geo.Point {
	rad := math.Pi / 180
	d := miles / geo.EarthRadiusMiles
	lat1, lon1 := p.Lat*rad, p.Lon*rad
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(bearing))
	lon2 := lon1 + math.Atan2(math.Sin(bearing)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
	return geo.Point{Lat: lat2 / rad, Lon: lon2 / rad}
}
