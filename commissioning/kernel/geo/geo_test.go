package geo

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestNormalisePostcode(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"m1 1ae", "M1 1AE", nil},
		{"SK101AB", "SK10 1AB", nil},
		{"  ec2v  7hh ", "EC2V 7HH", nil},
		{"W1A 1AA", "W1A 1AA", nil},
		{"B33 8TH", "B33 8TH", nil},
		{"M1", "", ErrInvalidPostcode},
		{"1M1 1AE", "", ErrInvalidPostcode},
		{"M1 AAE", "", ErrInvalidPostcode},
		{"", "", ErrInvalidPostcode},
		{"SK10 1AB X", "", ErrInvalidPostcode},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalisePostcode(tt.in)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("NormalisePostcode(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestNormaliseOutcode(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"m1", "M1", nil},
		{"sk10", "SK10", nil},
		{"EC2V", "EC2V", nil},
		{"SK10 1AB", "SK10", nil},
		{"SK", "", ErrInvalidOutcode},
		{"12", "", ErrInvalidOutcode},
		{"SK100", "", ErrInvalidOutcode},
		{"M1A1", "", ErrInvalidOutcode},
		{"", "", ErrInvalidOutcode},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormaliseOutcode(tt.in)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("NormaliseOutcode(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestMiles(t *testing.T) {
	manchester, _ := LookupOutcode("M1")
	liverpool, _ := LookupOutcode("L1")
	got := Miles(manchester.Centroid, liverpool.Centroid)
	// Manchester to Liverpool city centres are about 31 miles apart as the crow flies.
	if math.Abs(got-31) > 2 {
		t.Fatalf("M1 to L1 = %.1f miles, want about 31", got)
	}
	if d := Miles(manchester.Centroid, manchester.Centroid); d != 0 {
		t.Fatalf("distance to self = %v", d)
	}
}

func TestReferenceDataIsConsistent(t *testing.T) {
	if n := len(Councils()); n != 153 {
		t.Fatalf("%d councils, want 153", n)
	}
	regions := map[string]bool{}
	for _, r := range Regions() {
		regions[r] = true
	}
	for _, c := range Councils() {
		if !regions[c.Region] {
			t.Errorf("%s: unknown region %q", c.Name, c.Region)
		}
		if len(OutcodesIn(c.ONSCode)) == 0 {
			t.Errorf("%s has no outcode", c.Name)
		}
	}
	for code, oc := range outcodes {
		if _, err := NormaliseOutcode(code); err != nil {
			t.Errorf("outcode %q does not parse: %v", code, err)
		}
		c, ok := CouncilByONS(oc.ONSCode)
		if !ok {
			t.Errorf("outcode %s: unknown council %s", code, oc.ONSCode)
			continue
		}
		// A district's centroid should lie within 60 miles of its council's centroid.
		if d := Miles(oc.Centroid, c.Centroid); d > 60 {
			t.Errorf("outcode %s is %.0f miles from %s", code, d, c.Name)
		}
	}
}

func TestLookupOutcodeUnknown(t *testing.T) {
	if _, err := LookupOutcode("ZZ9"); !errors.Is(err, ErrUnknownOutcode) {
		t.Fatalf("err = %v, want ErrUnknownOutcode", err)
	}
}

// FuzzNormalise checks the parsers never panic and that what they accept is canonical:
// upper case, re-parses to itself, and has the documented shape.
func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"M1 1AE", "sk10", "EC2V 7HH", "", "  ", "1", "ÄÖ1 1AA", "M1\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if pc, err := NormalisePostcode(s); err == nil {
			if pc != strings.ToUpper(pc) || strings.Count(pc, " ") != 1 {
				t.Fatalf("NormalisePostcode(%q) = %q: not canonical", s, pc)
			}
			again, err := NormalisePostcode(pc)
			if err != nil || again != pc {
				t.Fatalf("NormalisePostcode(%q) = %q, %v; not idempotent", pc, again, err)
			}
		}
		if oc, err := NormaliseOutcode(s); err == nil {
			if len(oc) < 2 || len(oc) > 4 || strings.ContainsAny(oc, " \t") {
				t.Fatalf("NormaliseOutcode(%q) = %q: bad shape", s, oc)
			}
			again, err := NormaliseOutcode(oc)
			if err != nil || again != oc {
				t.Fatalf("NormaliseOutcode(%q) = %q, %v; not idempotent", oc, again, err)
			}
		}
	})
}

// The estuary pairs follow the ONS boundary file, which is clipped to the coastline:
// councils facing each other across water do not adjoin. Each expectation was checked
// against data/adjacency.csv.
func TestAdjoining(t *testing.T) {
	for _, tt := range []struct {
		name string
		a, b string
		want bool
	}{
		{"Manchester–Salford", "E08000003", "E08000006", true},
		{"Salford–Manchester, either way round", "E08000006", "E08000003", true},
		{"Manchester–Trafford", "E08000003", "E08000009", true},
		{"Somerset–Devon", "E06000066", "E10000008", true},
		{"Essex–Thurrock", "E10000012", "E06000034", true},
		{"Westminster–Lambeth (the Thames closed at 500 m)", "E09000033", "E09000022", true},
		{"Cheshire West and Chester–Wirral", "E06000050", "E08000015", true},
		{"Liverpool–Wirral (Mersey)", "E08000012", "E08000015", false},
		{"Kingston upon Hull–North Lincolnshire (Humber)", "E06000010", "E06000013", false},
		{"Plymouth–Cornwall (Tamar)", "E06000026", "E06000052", false},
		{"Kent–Thurrock (Thames)", "E10000016", "E06000034", false},
		{"Hampshire–Isle of Wight (Solent)", "E10000014", "E06000046", false},
		{"Manchester–Liverpool", "E08000003", "E08000012", false},
		{"Manchester itself", "E08000003", "E08000003", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Adjoining(tt.a, tt.b); got != tt.want {
				t.Errorf("Adjoining(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
	if len(adjacent) != 374 {
		t.Errorf("%d pairs, want the 374 of adjacency.csv", len(adjacent))
	}
	for pair := range adjacent {
		a, okA := CouncilByONS(pair[0])
		b, okB := CouncilByONS(pair[1])
		if !okA || !okB {
			t.Errorf("unknown council in adjacency.csv: %v", pair)
			continue
		}
		if d := Miles(a.Centroid, b.Centroid); d > 70 {
			t.Errorf("%s and %s are %.0f miles apart: not neighbours?", a.Name, b.Name, d)
		}
	}
}

func TestAdjacencyOverrides(t *testing.T) {
	const liverpool, wirral, manchester, salford = "E08000012", "E08000015", "E08000003", "E08000006"
	var none Adjacency
	if none.Adjoining(liverpool, wirral) || !none.Adjoining(manchester, salford) {
		t.Fatal("the zero Adjacency is not the boundary file's")
	}
	ours := WithOverrides(Pair{wirral, liverpool}) // either order
	for _, p := range [][2]string{{liverpool, wirral}, {wirral, liverpool}, {manchester, salford}} {
		if !ours.Adjoining(p[0], p[1]) {
			t.Errorf("with the override, %s–%s should adjoin", p[0], p[1])
		}
	}
	if ours.Adjoining(manchester, liverpool) {
		t.Error("an override for one pair made another adjoin")
	}
}

// Every district in the embedded outcodes.csv resolves to the council the file names,
// in any case and spacing, and as part of a full postcode.
func TestEveryOutcodeResolvesToItsCouncil(t *testing.T) {
	r := csv.NewReader(bytes.NewReader(outcodesCSV))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != 2221 {
		t.Fatalf("%d outcodes, want 2,221", len(rows)-1)
	}
	for _, row := range rows[1:] {
		code, ons := row[0], row[3]
		for _, in := range []string{code, strings.ToLower(code), code + " 1AA"} {
			oc, err := LookupOutcode(in)
			if err != nil || oc.Code != code || oc.ONSCode != ons {
				t.Errorf("LookupOutcode(%q) = %+v, %v; want %s in %s", in, oc, err, code, ons)
			}
		}
		c, err := HostCouncil(code + " 1AA")
		if err != nil || c.ONSCode != ons {
			t.Errorf("HostCouncil(%s) = %+v, %v; want %s", code, c, err, ons)
		}
	}
}

func TestLookupOutsideEngland(t *testing.T) {
	tests := []struct {
		in      string
		country string // empty: unknown
		want    error
	}{
		{"CF10 1AA", "Wales", ErrNotInEngland},
		{"LL57", "Wales", ErrNotInEngland},
		{"NP20", "Wales", ErrNotInEngland},
		{"SA1", "Wales", ErrNotInEngland},
		{"LD1", "Wales", ErrNotInEngland},
		{"SY23", "Wales", ErrNotInEngland}, // Aberystwyth; SY1 (Shrewsbury) is English
		{"CH5", "Wales", ErrNotInEngland},  // Deeside; CH1 (Chester) is English
		{"EH1", "Scotland", ErrNotInEngland},
		{"G1", "Scotland", ErrNotInEngland},
		{"KW1", "Scotland", ErrNotInEngland},
		{"TD1", "Scotland", ErrNotInEngland}, // Galashiels; TD15 (Berwick) is English
		{"DG16", "Scotland", ErrNotInEngland},
		{"BT1", "Northern Ireland", ErrNotInEngland},
		{"ZZ9", "", ErrUnknownOutcode},
		{"N1C", "", ErrUnknownOutcode}, // King's Cross, newer than the 2015 centroids
		{"M1A", "", ErrUnknownOutcode},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := LookupOutcode(tt.in)
			var oe *OutcodeError
			if !errors.Is(err, tt.want) || !errors.As(err, &oe) || oe.Country != tt.country {
				t.Fatalf("LookupOutcode(%q) = %v; want %v in %q", tt.in, err, tt.want, tt.country)
			}
			msg := Explain(err, "invalid")
			if tt.country != "" && !strings.Contains(msg, "is in "+tt.country+": Hearth's homes and placements are in England") {
				t.Errorf("Explain = %q", msg)
			}
			if tt.country == "" && !strings.HasPrefix(msg, "We do not know postcode district") {
				t.Errorf("Explain = %q", msg)
			}
		})
	}
	// The English districts of the border areas resolve.
	for in, ons := range map[string]string{"SY1": "E06000051", "CH1": "E06000050", "TD15": "E06000057", "HR1": "E06000019"} {
		if c, err := HostCouncil(in); err != nil || c.ONSCode != ons {
			t.Errorf("HostCouncil(%s) = %+v, %v; want %s", in, c, err, ons)
		}
	}
	if got := Explain(ErrInvalidOutcode, "Enter a district"); got != "Enter a district" {
		t.Errorf("Explain(invalid) = %q", got)
	}
}

// Resolving a district and finding a home's host council are map reads: ≤ 1 µs (issue 12).
func BenchmarkLookupOutcode(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := LookupOutcode("SK10 1AB"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHostCouncil(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := HostCouncil("PR9 0AA"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdjoiningWithOverrides(b *testing.B) {
	adj := WithOverrides(Pair{"E08000012", "E08000015"})
	for i := 0; i < b.N; i++ {
		adj.Adjoining("E10000016", "E06000034")
	}
}
