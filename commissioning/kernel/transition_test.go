package kernel_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

type light string

var lights = kernel.Machine[light]{
	Object: "light",
	States: []light{"red", "green", "amber"},
	Next:   map[light][]light{"red": {"green"}, "green": {"amber"}, "amber": {"red"}},
}

// TestMachineCheck proves a Machine allows exactly its table and reports anything
// else as an *IllegalTransition that is a conflict.
func TestMachineCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to light
		ok       bool
	}{
		{"OK", "red", "green", true},
		{"ErrSkipsAState", "red", "amber", false},
		{"ErrSameState", "red", "red", false},
		{"ErrUnknownFrom", "blue", "red", false},
		{"ErrUnknownTo", "green", "blue", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := lights.Check(tc.from, tc.to)
			if tc.ok {
				if err != nil {
					t.Fatalf("Check(%s, %s) = %v", tc.from, tc.to, err)
				}
				return
			}
			var it *kernel.IllegalTransition
			if !errors.As(err, &it) || it.Object != "light" || it.From != string(tc.from) || it.To != string(tc.to) {
				t.Fatalf("Check(%s, %s) = %#v, want an IllegalTransition", tc.from, tc.to, err)
			}
			if !errors.Is(err, kernel.ErrIllegalTransition) || !errors.Is(err, kernel.ErrConflict) {
				t.Errorf("%v is not ErrIllegalTransition and ErrConflict", err)
			}
		})
	}
}

func TestMachineMermaidDrawsEveryTransition(t *testing.T) {
	got := lights.Mermaid()
	for _, want := range []string{"stateDiagram-v2", "[*] --> red", "red --> green", "green --> amber", "amber --> red"} {
		if !strings.Contains(got, want) {
			t.Errorf("Mermaid() lacks %q:\n%s", want, got)
		}
	}
}

// recorder is a TB that keeps what Verify reports.
type recorder struct{ errs []string }

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.errs = append(r.errs, format) }

// TestMachineVerify proves Verify passes a machine against its own table and reports a
// missing transition, an extra one and an unknown status.
func TestMachineVerify(t *testing.T) {
	exact := map[[2]light]string{{"red", "green"}: "go", {"green", "amber"}: "slow", {"amber", "red"}: "stop"}
	for _, tc := range []struct {
		name  string
		legal map[[2]light]string
		errs  int
	}{
		{"OK", exact, 0},
		{"ErrMissing", map[[2]light]string{{"red", "green"}: "go", {"green", "amber"}: "slow"}, 1},
		{"ErrExtra", map[[2]light]string{{"red", "green"}: "go", {"green", "amber"}: "slow", {"amber", "red"}: "stop", {"red", "amber"}: "skip"}, 1},
		{"ErrUnknown", map[[2]light]string{{"red", "green"}: "go", {"green", "amber"}: "slow", {"amber", "red"}: "stop", {"blue", "red"}: "?"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recorder
			lights.Verify(&r, tc.legal)
			if len(r.errs) != tc.errs {
				t.Errorf("Verify reported %d problems (%v), want %d", len(r.errs), r.errs, tc.errs)
			}
		})
	}
}
