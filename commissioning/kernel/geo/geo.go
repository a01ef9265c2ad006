// Package geo holds Hearth's geography: England's 153 councils with children's
// services, its 2,221 postcode districts (outcodes) with their centroids and the
// council each lies in, which councils share a border, the postcode parser and
// distances in miles. The data is ONS open data; data/SOURCES.md says where it comes
// from and the attribution it needs. Every lookup is a map read.
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

	councils     []Council
	councilByONS = map[string]Council{}
	outcodes     = map[string]Outcode{}
	// outcodesByCouncil holds each council's districts, ordered by code.
	outcodesByCouncil = map[string][]Outcode{}
)

func init() {
	for _, r := range mustCSV(councilsCSV, 5) {
		c := Council{ONSCode: r[0], Name: r[1], Region: r[2], Centroid: Point{mustFloat(r[3]), mustFloat(r[4])}}
		councils = append(councils, c)
		councilByONS[c.ONSCode] = c
	}
	for _, r := range mustCSV(outcodesCSV, 4) {
		oc := Outcode{Code: r[0], Centroid: Point{mustFloat(r[1]), mustFloat(r[2])}, ONSCode: r[3]}
		if _, ok := councilByONS[oc.ONSCode]; !ok {
			panic(fmt.Sprintf("geo: embedded data: outcode %s names unknown council %s", oc.Code, oc.ONSCode))
		}
		outcodes[oc.Code] = oc
		outcodesByCouncil[oc.ONSCode] = append(outcodesByCouncil[oc.ONSCode], oc)
	}
	for _, ocs := range outcodesByCouncil {
		sort.Slice(ocs, func(i, j int) bool { return ocs[i].Code < ocs[j].Code })
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
	ErrNotInEngland    = errors.New("that postcode district is not in England")
)

// OutcodeError says why a well-formed district cannot be used: it is outside England
// (Country names where), or Hearth does not know it (Country is empty). errors.Is
// matches it to ErrNotInEngland or ErrUnknownOutcode.
type OutcodeError struct {
	Outcode string
	Country string // "Wales", "Scotland", ...; empty when the district is unknown
}

func (e *OutcodeError) Error() string {
	if e.Country != "" {
		return e.Outcode + " is in " + e.Country + ", not England"
	}
	return e.Outcode + ": " + ErrUnknownOutcode.Error()
}

// Is matches ErrNotInEngland or ErrUnknownOutcode.
func (e *OutcodeError) Is(target error) bool {
	if e.Country != "" {
		return target == ErrNotInEngland
	}
	return target == ErrUnknownOutcode
}

// outsideEngland maps the postcode areas outside England to where they are. Areas that
// straddle a border (CH, SY and HR with Wales, TD with Scotland) are here too: their
// English districts are all in outcodes.csv, so a district of theirs that is not there
// is on the other side (CH5–CH8 and SY15–SY25 are Welsh, TD1–TD11, TD13 and TD14
// Scottish). LD and NP are wholly Welsh in the data: districts such as LD7 and NP16
// that reach into England have their centres in Wales.
var outsideEngland = map[string]string{
	"AB": "Scotland", "DD": "Scotland", "DG": "Scotland", "EH": "Scotland", "FK": "Scotland", "G": "Scotland",
	"HS": "Scotland", "IV": "Scotland", "KA": "Scotland", "KW": "Scotland", "KY": "Scotland", "ML": "Scotland",
	"PA": "Scotland", "PH": "Scotland", "TD": "Scotland", "ZE": "Scotland",
	"CF": "Wales", "LD": "Wales", "LL": "Wales", "NP": "Wales", "SA": "Wales",
	"CH": "Wales", "SY": "Wales", "HR": "Wales",
	"BT": "Northern Ireland", "GY": "Guernsey", "JE": "Jersey", "IM": "the Isle of Man",
}

// area is the letters that begin an outcode: "G" of G1, "SY" of SY23.
func area(outcode string) string {
	if len(outcode) > 1 && isLetter(outcode[1]) {
		return outcode[:2]
	}
	return outcode[:1]
}

// Explain is the sentence a form shows beside a district field when LookupOutcode
// refused it; invalid is the field's own hint for text that is not a district at all.
func Explain(err error, invalid string) string {
	var oe *OutcodeError
	switch {
	case errors.As(err, &oe) && oe.Country != "":
		return fmt.Sprintf("%s is in %s: Hearth's homes and placements are in England", oe.Outcode, oe.Country)
	case errors.As(err, &oe):
		return fmt.Sprintf("We do not know postcode district %s: check it, or ask your consortium administrator", oe.Outcode)
	}
	return invalid
}

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

// LookupOutcode parses s (an outcode or full postcode) and returns its district in
// England. A district outside England is an *OutcodeError naming the country
// (ErrNotInEngland); one Hearth does not know is an *OutcodeError matching
// ErrUnknownOutcode.
func LookupOutcode(s string) (Outcode, error) {
	code, err := NormaliseOutcode(s)
	if err != nil {
		return Outcode{}, err
	}
	if oc, ok := outcodes[code]; ok {
		return oc, nil
	}
	return Outcode{}, &OutcodeError{Outcode: code, Country: outsideEngland[area(code)]}
}

// HostCouncil returns the council a home at postcode (or district) s is in: the
// authority its district lies in. Errors are LookupOutcode's.
func HostCouncil(s string) (Council, error) {
	oc, err := LookupOutcode(s)
	if err != nil {
		return Council{}, err
	}
	return councilByONS[oc.ONSCode], nil
}

// CouncilByONS returns the council with the given ONS code.
func CouncilByONS(code string) (Council, bool) {
	c, ok := councilByONS[code]
	return c, ok
}

// OutcodesIn returns the districts whose council is onsCode, ordered by code.
func OutcodesIn(onsCode string) []Outcode {
	return append([]Outcode(nil), outcodesByCouncil[onsCode]...)
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

// Pair is two councils by ONS code, the lower code first.
type Pair [2]string

// PairOf orders a and b into a Pair.
func PairOf(a, b string) Pair {
	if b < a {
		a, b = b, a
	}
	return Pair{a, b}
}

// adjacent holds the pairs in data/adjacency.csv: councils whose ONS boundaries share a
// border of positive length. Councils facing each other across an estuary (Liverpool
// and Wirral, Hull and North Lincolnshire, Plymouth and Cornwall, Kent and Thurrock)
// do not.
var adjacent = func() map[Pair]bool {
	m := map[Pair]bool{}
	for _, r := range mustCSV(adjacencyCSV, 2) {
		if r[0] >= r[1] {
			panic(fmt.Sprintf("geo: embedded data: adjacency pair %s,%s is not in order", r[0], r[1]))
		}
		m[Pair{r[0], r[1]}] = true
	}
	return m
}()

// Adjoining reports whether two councils (by ONS code) share a border in the ONS
// boundaries (data/adjacency.csv).
func Adjoining(a, b string) bool { return adjacent[PairOf(a, b)] }

// Adjacency is the boundary file's adjacency plus pairs a consortium treats as
// adjoining for its own purposes (its overrides). The zero value is the boundary
// file's alone.
type Adjacency struct {
	overrides map[Pair]bool
}

// WithOverrides returns the boundary file's adjacency plus pairs.
func WithOverrides(pairs ...Pair) Adjacency {
	a := Adjacency{overrides: make(map[Pair]bool, len(pairs))}
	for _, p := range pairs {
		a.overrides[PairOf(p[0], p[1])] = true
	}
	return a
}

// Adjoining reports whether a and b share a border or are an override pair.
func (a Adjacency) Adjoining(x, y string) bool {
	return Adjoining(x, y) || a.overrides[PairOf(x, y)]
}
