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
