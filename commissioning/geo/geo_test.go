package geo

import (
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

func TestAdjoining(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"E08000003", "E08000006", true},  // Manchester, Salford
		{"E08000006", "E08000003", true},  // either way round
		{"E08000003", "E08000012", false}, // Manchester, Liverpool
		{"E08000003", "E08000003", false},
	} {
		if got := Adjoining(tt.a, tt.b); got != tt.want {
			t.Errorf("Adjoining(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
	for pair := range adjacent {
		if _, ok := CouncilByONS(pair[0]); !ok {
			t.Errorf("unknown council %s in adjacency.csv", pair[0])
		}
		a, _ := CouncilByONS(pair[0])
		b, _ := CouncilByONS(pair[1])
		if d := Miles(a.Centroid, b.Centroid); d > 70 {
			t.Errorf("%s and %s are %.0f miles apart: not neighbours?", a.Name, b.Name, d)
		}
	}
}
