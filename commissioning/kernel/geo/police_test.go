package geo

import (
	"sort"
	"testing"
)

func TestEveryCouncilHasOnePoliceForce(t *testing.T) {
	for _, c := range Councils() {
		f, ok := PoliceForceOf(c.ONSCode)
		if !ok {
			t.Errorf("%s (%s) has no police force area", c.Name, c.ONSCode)
			continue
		}
		n := 0
		for _, x := range f.Councils {
			if x == c.ONSCode {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s is listed %d times in %s", c.Name, n, f.Name)
		}
	}
	if got := len(PoliceForces()); got != 39 {
		t.Errorf("police forces = %d, want England's 39 territorial forces", got)
	}
	total := 0
	for _, f := range PoliceForces() {
		total += len(f.Councils)
	}
	if total != len(Councils()) {
		t.Errorf("councils in forces = %d, want %d", total, len(Councils()))
	}
}

func TestPoliceForceCouncils(t *testing.T) {
	tests := []struct {
		code, name string
		councils   []string
	}{
		{"E23000005", "Greater Manchester", []string{"Bolton", "Bury", "Manchester", "Oldham", "Rochdale", "Salford", "Stockport", "Tameside", "Trafford", "Wigan"}},
		{"E23000029", "Thames Valley", []string{"Bracknell Forest", "Buckinghamshire", "Milton Keynes", "Oxfordshire", "Reading", "Slough", "West Berkshire", "Windsor and Maidenhead", "Wokingham"}},
		{"E23000004", "Merseyside", []string{"Knowsley", "Liverpool", "Sefton", "St Helens", "Wirral"}},
		{"E23000034", "London, City of", []string{"City of London"}},
		{"E23000035", "Devon & Cornwall", []string{"Cornwall", "Devon", "Isles of Scilly", "Plymouth", "Torbay"}},
		{"E23000003", "Lancashire", []string{"Blackburn with Darwen", "Blackpool", "Lancashire"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := PoliceForceByCode(tt.code)
			if !ok || f.Name != tt.name {
				t.Fatalf("PoliceForceByCode(%s) = %q, %v", tt.code, f.Name, ok)
			}
			var names []string
			for _, c := range f.Councils {
				cc, _ := CouncilByONS(c)
				names = append(names, cc.Name)
			}
			sort.Strings(names)
			if len(names) != len(tt.councils) {
				t.Fatalf("councils = %v, want %v", names, tt.councils)
			}
			for i := range names {
				if names[i] != tt.councils[i] {
					t.Fatalf("councils = %v, want %v", names, tt.councils)
				}
			}
		})
	}
	met, _ := PoliceForceByCode("E23000001")
	if met.Name != "Metropolitan Police" || len(met.Councils) != 32 {
		t.Errorf("Metropolitan Police = %q with %d councils, want the 32 London boroughs", met.Name, len(met.Councils))
	}
	if _, ok := PoliceForceByCode("E23000099"); ok {
		t.Error("an unknown code was found")
	}
}
