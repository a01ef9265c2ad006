package apitypes

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedTypesAreCurrent regenerates the types from openapi.json with the
// go.mod tool (as go:generate does, but into a temporary directory) and fails when
// the committed apitypes.gen.go differs: the document and the types cannot drift.
func TestGeneratedTypesAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the code generator")
	}
	config, err := filepath.Abs("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := filepath.Abs(filepath.Join("..", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	// go tool -n builds the tool pinned in go.mod and prints where it is, so that it
	// can run outside the module: the config's output is relative to the working
	// directory, here a temporary one.
	bin, err := exec.Command("go", "tool", "-n", "oapi-codegen").Output()
	if err != nil {
		t.Fatalf("go tool -n oapi-codegen: %v", err)
	}
	dir := t.TempDir()
	cmd := exec.Command(strings.TrimSpace(string(bin)), "-config", config, spec)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go tool oapi-codegen: %v\n%s", err, out)
	}
	want, err := os.ReadFile(filepath.Join(dir, "apitypes.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("apitypes.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("apitypes.gen.go is stale: run `go generate ./frontend/apitypes` after changing openapi.json")
	}
}
