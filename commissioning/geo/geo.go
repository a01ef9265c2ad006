// Package geo holds Hearth's geography: English councils with children's services,
// postcode districts (outcodes) with approximate centroids, the postcode parser and
// distances in miles. The data files and their sources are in data/.
package geo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Point is a latitude/longitude pair in degrees (WGS84).
type Point struct {
	Lat, Lon float64
}

// Council is one English council with children's services.
type Council struct {
	ONSCode  string
	Name     string
	Region   string
	Centroid Point
}

// Outcode is a postcode district with its approximate centroid and main council.
type Outcode struct {
	Code     string
	Centroid Point
	ONSCode  string
}

var (
	//go:embed data/councils.csv
	councilsCSV []byte
	//go:embed data/outcodes.csv
	outcodesCSV []byte

	councils []Council
	outcodes = map[string]Outcode{}
)

func init() {
	rows := mustCSV(councilsCSV, 5)
	for _, r := range rows {
		councils = append(councils, Council{ONSCode: r[0], Name: r[1], Region: r[2], Centroid: Point{mustFloat(r[3]), mustFloat(r[4])}})
	}
	for _, r := range mustCSV(outcodesCSV, 4) {
		outcodes[r[0]] = Outcode{Code: r[0], Centroid: Point{mustFloat(r[1]), mustFloat(r[2])}, ONSCode: r[3]}
	}
}

func mustCSV(b []byte, cols int) [][]string {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = cols
	rows, err := r.ReadAll()
	if err != nil {
		panic(fmt.Sprintf("geo: embedded data: %v", err))
	}
	return rows[1:] // header
}

func mustFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(fmt.Sprintf("geo: embedded data: %v", err))
	}
	return f
}

// Councils returns every council, ordered by name.
func Councils() []Council {
	out := append([]Council(nil), councils...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Regions returns the nine English regions in the order ONS publishes them.
func Regions() []string {
	return []string{"North East", "North West", "Yorkshire and The Humber", "East Midlands",
		"West Midlands", "East of England", "London", "South East", "South West"}
}

// Errors returned by the parsers.
var (
	ErrInvalidPostcode = errors.New("enter a full UK postcode, like M1 1AE")
	ErrInvalidOutcode  = errors.New("enter the first part of a UK postcode, like M1 or SK10")
	ErrUnknownOutcode  = errors.New("we do not have a location for that postcode district")
)

// NormalisePostcode returns a full UK postcode in its canonical form ("SK10 1AB"),
// accepting any case and spacing.
func NormalisePostcode(s string) (string, error) {
	c := compact(s)
	if len(c) < 5 || len(c) > 7 {
		return "", ErrInvalidPostcode
	}
	out, in := c[:len(c)-3], c[len(c)-3:]
	if !validOutcode(out) || !validIncode(in) {
		return "", ErrInvalidPostcode
	}
	return out + " " + in, nil
}

// NormaliseOutcode returns a postcode district in canonical form ("SK10"). A full
// postcode is accepted too and reduced to its outcode.
func NormaliseOutcode(s string) (string, error) {
	if pc, err := NormalisePostcode(s); err == nil {
		return strings.Fields(pc)[0], nil
	}
	c := compact(s)
	if !validOutcode(c) {
		return "", ErrInvalidOutcode
	}
	return c, nil
}

func compact(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t':
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// validOutcode accepts the six outward-code shapes: A9, A99, AA9, AA99, A9A, AA9A.
func validOutcode(s string) bool {
	if len(s) < 2 || len(s) > 4 || !isLetter(s[0]) {
		return false
	}
	i := 1
	if isLetter(s[i]) {
		i++
	}
	if i >= len(s) || !isDigit(s[i]) {
		return false
	}
	i++
	if i == len(s) {
		return true
	}
	if (isDigit(s[i]) || isLetter(s[i])) && i+1 == len(s) {
		return true
	}
	return false
}

func validIncode(s string) bool {
	return len(s) == 3 && isDigit(s[0]) && isLetter(s[1]) && isLetter(s[2])
}

func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' }
func isDigit(b byte) bool  { return b >= '0' && b <= '9' }

// LookupOutcode parses s (an outcode or full postcode) and returns its district.
func LookupOutcode(s string) (Outcode, error) {
	code, err := NormaliseOutcode(s)
	if err != nil {
		return Outcode{}, err
	}
	oc, ok := outcodes[code]
	if !ok {
		return Outcode{}, fmt.Errorf("%s: %w", code, ErrUnknownOutcode)
	}
	return oc, nil
}

// CouncilByONS returns the council with the given ONS code.
func CouncilByONS(code string) (Council, bool) {
	for _, c := range councils {
		if c.ONSCode == code {
			return c, true
		}
	}
	return Council{}, false
}

// OutcodesIn returns the districts whose main council is onsCode, ordered by code.
func OutcodesIn(onsCode string) []Outcode {
	var out []Outcode
	for _, o := range outcodes {
		if o.ONSCode == onsCode {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// EarthRadiusMiles is the mean radius of the Earth in miles: Hearth measures every
// distance on a sphere of this radius (hearth_miles in SQL is the same formula).
const EarthRadiusMiles = 3958.8

// Miles is the great-circle (haversine) distance between two points.
func Miles(a, b Point) float64 {
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * EarthRadiusMiles * math.Asin(math.Min(1, math.Sqrt(h)))
}

//go:embed data/adjacency.csv
var adjacencyCSV []byte

var adjacent = func() map[[2]string]bool {
	m := map[[2]string]bool{}
	for _, r := range mustCSV(adjacencyCSV, 2) {
		m[[2]string{r[0], r[1]}], m[[2]string{r[1], r[0]}] = true, true
	}
	return m
}()

// Adjoining reports whether two councils (by ONS code) share a boundary. Only the
// councils listed in data/adjacency.csv are known; for others it is false.
func Adjoining(a, b string) bool { return adjacent[[2]string{a, b}] }
