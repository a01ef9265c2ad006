package csvsafe

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestWriterNeutralisesFormulas(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	if err := w.Write("=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "plain, with comma", ""); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'=cmd|' /C calc'!A0", "'+1", "'-2", "'@SUM(A1)", "plain, with comma", ""}
	for i, c := range rows[0] {
		if c != want[i] {
			t.Errorf("cell %d = %q, want %q", i, c, want[i])
		}
	}
}
