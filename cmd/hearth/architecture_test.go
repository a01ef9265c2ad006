package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// The layers of Hearth, bottom first. A package may import our own packages only from the
// layers its rule allows; everything else it imports comes from outside the module.
var layers = []struct {
	pkg     string   // a package, or with a trailing "/" every package under it
	mayUse  []string // our packages it may import (same syntax)
	noEcho  bool     // domain code is free of HTTP
	comment string
}{
	{"commissioning/kernel/", []string{"commissioning/kernel", "commissioning/kernel/"}, true, "the shared kernel imports nothing of ours but itself"},
	{"commissioning/kernel", []string{"commissioning/kernel/"}, true, "the shared kernel imports nothing of ours but itself"},
	{"commissioning", []string{"commissioning/kernel", "commissioning/kernel/"}, true, "organisations and people, frameworks and admissions rest on the kernel"},
	{"commissioning/secure/", []string{"commissioning", "commissioning/kernel", "commissioning/kernel/", "commissioning/secure/"}, true, "secure welfare coordination does not trade on the marketplace"},
	{"commissioning/secure", []string{"commissioning", "commissioning/kernel", "commissioning/kernel/", "commissioning/secure/"}, true, "secure welfare coordination does not trade on the marketplace"},
	{"commissioning/monitoring", []string{"commissioning", "commissioning/kernel", "commissioning/kernel/"}, true, "monitoring visits and rating alerts read the marketplace's tables through SQL, never its package"},
	{"commissioning/police", []string{"commissioning", "commissioning/kernel", "commissioning/kernel/"}, true, "the police view reads the marketplace's tables through SQL, never its package"},
	{"marketplace", []string{"commissioning", "commissioning/kernel", "commissioning/kernel/", "marketplace/"}, true, "the trading floor uses the commissioner's organisations and frameworks, never the web layer"},
	{"marketplace/", []string{"commissioning", "commissioning/kernel", "commissioning/kernel/", "marketplace", "marketplace/"}, true, "the trading floor uses the commissioner's organisations and frameworks, never the web layer"},
	{"commissioning/simulate", []string{"commissioning", "commissioning/kernel", "commissioning/kernel/", "commissioning/secure", "commissioning/secure/allocate", "marketplace", "marketplace/nationalseed"}, true, "the simulator runs the marketplace's own matching and scoring, and the secure allocation, on generated data"},
	{"migrations", []string{"migrations/"}, true, "the schema knows no domain"},
	{"migrations/", []string{"migrations", "migrations/"}, true, "the schema knows no domain"},
	{"frontend", []string{"commissioning", "commissioning/", "marketplace", "marketplace/", "migrations", "migrations/", "frontend/"}, false, "the web layer translates; it is never imported by the domain"},
	{"frontend/", []string{"commissioning", "commissioning/", "marketplace", "marketplace/", "migrations", "migrations/", "frontend/"}, false, "the web layer translates; it is never imported by the domain"},
}

func TestImportsPointOneWay(t *testing.T) {
	const mod = "github.com/hearth-placements/hearth/"
	out, err := exec.Command("go", "list", "-json", mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	matches := func(rule, pkg string) bool {
		if strings.HasSuffix(rule, "/") {
			return strings.HasPrefix(pkg, rule)
		}
		return pkg == rule
	}
	checked := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkg := strings.TrimPrefix(p.ImportPath, mod)
		if strings.HasPrefix(pkg, "cmd/") {
			continue // cmd wires everything
		}
		for _, l := range layers {
			if !matches(l.pkg, pkg) {
				continue
			}
			checked++
			for _, imp := range p.Imports {
				if l.noEcho && strings.HasPrefix(imp, "github.com/labstack/echo") {
					t.Errorf("%s imports %s: %s", pkg, imp, l.comment)
				}
				if !strings.HasPrefix(imp, mod) {
					continue
				}
				ours := strings.TrimPrefix(imp, mod)
				ok := false
				for _, m := range l.mayUse {
					ok = ok || matches(m, ours)
				}
				if !ok {
					t.Errorf("%s imports %s: %s", pkg, ours, l.comment)
				}
			}
			break
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d packages; is the module path right?", checked)
	}
}

// TestBinaryLinksNoKubernetes keeps the manifest test's libraries (Kustomize, the
// Kubernetes and CloudNativePG API types) out of the hearth binary: deploy's test
// imports them, nothing else may.
func TestBinaryLinksNoKubernetes(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		for _, banned := range []string{"sigs.k8s.io/", "k8s.io/", "github.com/cloudnative-pg/", "github.com/prometheus-operator/"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("the hearth binary links %s", dep)
			}
		}
	}
}
