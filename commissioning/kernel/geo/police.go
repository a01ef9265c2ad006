package geo

import (
	_ "embed"
	"fmt"
	"sort"
)

// PoliceForce is one of England's 39 territorial police force areas (ONS PFA code
// and name as ONS spells them). Every English police force area is a whole number of
// upper-tier councils (Police Act 1996, Schedule 1), so a council has exactly one.
type PoliceForce struct {
	Code string
	Name string
	// Councils are the ONS codes of the councils in the force's area, ordered.
	Councils []string
}

var (
	//go:embed data/police_forces.csv
	policeCSV []byte

	forces         = map[string]PoliceForce{}
	forceOfCouncil = map[string]string{}
)

func init() {
	for _, r := range mustCSV(policeCSV, 3) {
		if _, ok := councilByONS[r[0]]; !ok {
			panic(fmt.Sprintf("geo: embedded data: police force area %s names unknown council %s", r[1], r[0]))
		}
		if _, dup := forceOfCouncil[r[0]]; dup {
			panic(fmt.Sprintf("geo: embedded data: council %s has two police force areas", r[0]))
		}
		f := forces[r[1]]
		if f.Code != "" && f.Name != r[2] {
			panic(fmt.Sprintf("geo: embedded data: police force area %s has two names", r[1]))
		}
		f.Code, f.Name = r[1], r[2]
		f.Councils = append(f.Councils, r[0])
		forces[r[1]] = f
		forceOfCouncil[r[0]] = r[1]
	}
	for code, f := range forces {
		sort.Strings(f.Councils)
		forces[code] = f
	}
}

// PoliceForces returns every police force area, ordered by name.
func PoliceForces() []PoliceForce {
	out := make([]PoliceForce, 0, len(forces))
	for _, f := range forces {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PoliceForceByCode returns the police force area with the given ONS PFA code.
func PoliceForceByCode(code string) (PoliceForce, bool) {
	f, ok := forces[code]
	return f, ok
}

// PoliceForceOf returns the police force area a council lies in.
func PoliceForceOf(onsCode string) (PoliceForce, bool) {
	code, ok := forceOfCouncil[onsCode]
	if !ok {
		return PoliceForce{}, false
	}
	return forces[code], true
}
