package geo

import "math"

// The British National Grid: a Transverse Mercator projection of the Airy 1830
// ellipsoid (OSGB36 datum). The formulas and constants are those of Ordnance Survey's
// "A guide to coordinate systems in Great Britain" (annex B for the datum change,
// annex C for the projection).

// GridRef is a British National Grid position: eastings and northings in metres.
type GridRef struct {
	E, N float64
}

const (
	airyA, airyB = 6377563.396, 6356256.909 // Airy 1830 semi-axes, metres
	grs80A       = 6378137.000              // GRS80 (WGS84) semi-major axis
	grs80B       = 6356752.3141
	gridF0       = 0.9996012717 // scale factor on the central meridian
	gridE0       = 400000.0     // false easting of the true origin
	gridN0       = -100000.0    // false northing
	gridPhi0     = 49 * math.Pi / 180
	gridLambda0  = -2 * math.Pi / 180
)

// ToGrid projects a WGS84 point onto the British National Grid: the datum change to
// OSGB36 by OS's seven-parameter Helmert transformation (good to a few metres), then
// the Transverse Mercator projection.
func ToGrid(p Point) GridRef {
	return ProjectOSGB36(wgs84ToOSGB36(p))
}

// ProjectOSGB36 projects an OSGB36 latitude/longitude onto the National Grid (OS
// guide, annex C.1).
func ProjectOSGB36(p Point) GridRef {
	phi, lambda := p.Lat*math.Pi/180, p.Lon*math.Pi/180
	a, b := airyA, airyB
	e2 := (a*a - b*b) / (a * a)
	n := (a - b) / (a + b)
	sin, cos := math.Sin(phi), math.Cos(phi)
	tan := sin / cos
	nu := a * gridF0 / math.Sqrt(1-e2*sin*sin)
	rho := a * gridF0 * (1 - e2) / math.Pow(1-e2*sin*sin, 1.5)
	eta2 := nu/rho - 1
	dPhi, sPhi := phi-gridPhi0, phi+gridPhi0
	m := b * gridF0 * ((1+n+5.0/4*n*n+5.0/4*n*n*n)*dPhi -
		(3*n+3*n*n+21.0/8*n*n*n)*math.Sin(dPhi)*math.Cos(sPhi) +
		(15.0/8*n*n+15.0/8*n*n*n)*math.Sin(2*dPhi)*math.Cos(2*sPhi) -
		35.0/24*n*n*n*math.Sin(3*dPhi)*math.Cos(3*sPhi))
	cos3, cos5 := cos*cos*cos, cos*cos*cos*cos*cos
	tan2 := tan * tan
	i := m + gridN0
	ii := nu / 2 * sin * cos
	iii := nu / 24 * sin * cos3 * (5 - tan2 + 9*eta2)
	iiia := nu / 720 * sin * cos5 * (61 - 58*tan2 + tan2*tan2)
	iv := nu * cos
	v := nu / 6 * cos3 * (nu/rho - tan2)
	vi := nu / 120 * cos5 * (5 - 18*tan2 + tan2*tan2 + 14*eta2 - 58*tan2*eta2)
	l := lambda - gridLambda0
	l2 := l * l
	return GridRef{
		E: gridE0 + l*(iv+l2*(v+l2*vi)),
		N: i + l2*(ii+l2*(iii+l2*iiia)),
	}
}

// wgs84ToOSGB36 changes datum (OS guide, annex B and section 6.6): geodetic to
// Cartesian on GRS80, the Helmert transformation, Cartesian to geodetic on Airy 1830.
// Heights are taken as zero; the error that brings is far below a metre in plan.
func wgs84ToOSGB36(p Point) Point {
	const (
		tx, ty, tz = -446.448, 125.157, -542.060 // metres
		s          = 20.4894e-6                  // scale, ppm
		sec        = math.Pi / 180 / 3600
		rx, ry, rz = -0.1502 * sec, -0.2470 * sec, -0.8421 * sec
	)
	x, y, z := toCartesian(p, grs80A, grs80B)
	x2 := tx + (1+s)*x - rz*y + ry*z
	y2 := ty + rz*x + (1+s)*y - rx*z
	z2 := tz - ry*x + rx*y + (1+s)*z
	return fromCartesian(x2, y2, z2, airyA, airyB)
}

func toCartesian(p Point, a, b float64) (x, y, z float64) {
	phi, lambda := p.Lat*math.Pi/180, p.Lon*math.Pi/180
	e2 := (a*a - b*b) / (a * a)
	nu := a / math.Sqrt(1-e2*math.Sin(phi)*math.Sin(phi))
	return nu * math.Cos(phi) * math.Cos(lambda), nu * math.Cos(phi) * math.Sin(lambda), nu * (1 - e2) * math.Sin(phi)
}

func fromCartesian(x, y, z, a, b float64) Point {
	e2 := (a*a - b*b) / (a * a)
	pp := math.Hypot(x, y)
	phi := math.Atan2(z, pp*(1-e2))
	for range 10 { // converges to well under a millimetre in three or four steps
		nu := a / math.Sqrt(1-e2*math.Sin(phi)*math.Sin(phi))
		next := math.Atan2(z+e2*nu*math.Sin(phi), pp)
		if math.Abs(next-phi) < 1e-12 {
			phi = next
			break
		}
		phi = next
	}
	return Point{Lat: phi * 180 / math.Pi, Lon: math.Atan2(y, x) * 180 / math.Pi}
}
