package csvsafe

import (
	"errors"
	"strings"
	"testing"
)

// Uploads are read once, in one way, for homes, vacancies and council mailboxes alike.
func TestRead(t *testing.T) {
	cols := []string{"a", "b"}
	tests := []struct {
		name      string
		in        string
		wantLines []int
		problem   string // a whole-file problem, if any
		short     []int
	}{
		{"OK", "A, B\n1,2\n3,4\n", []int{2, 3}, "", nil},
		{"OKWithBOMAndBlankLines", "\ufeffa,b\n1,2\n\n \n3,4\n", []int{2, 5}, "", nil},
		{"ErrEmpty", "", nil, "The file is empty.", nil},
		{"ErrHeader", "b,a\n1,2\n", nil, "The first row must name these columns, in this order: a, b.", nil},
		{"ErrNotUTF8", "a,b\n\xff,1\n", nil, "The file is not UTF-8 text.", nil},
		{"ErrTooManyRows", "a,b\n1,2\n1,2\n1,2\n1,2\n", nil, "The file has more than 3 rows.", nil},
		{"ErrBadQuote", "a,b\n1,\"2\n", nil, "Row 2 cannot be read", nil},
		{"ErrShortRowsListedTogether", "a,b\n1\n1,2\n1,2,3\n", []int{3}, "", []int{2, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := Read(strings.NewReader(tc.in), cols, 1<<20, 3)
			var fe *ImportError
			if tc.problem == "" && tc.short == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			} else if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *ImportError", err)
			}
			if tc.problem != "" && !strings.HasPrefix(fe.Problem, tc.problem) {
				t.Errorf("problem = %q, want %q…", fe.Problem, tc.problem)
			}
			if tc.short != nil && (len(fe.Rows) != len(tc.short) || fe.Rows[0].Row != tc.short[0] || fe.Rows[1].Row != tc.short[1] || !strings.HasPrefix(fe.Rows[0].Message, "The row has 1 values; it needs 2 (a,b)")) {
				t.Errorf("short rows = %v, want %v", fe.Rows, tc.short)
			}
			var lines []int
			for _, r := range recs {
				lines = append(lines, r.Line)
			}
			if tc.problem == "" && (len(lines) != len(tc.wantLines) || (len(lines) > 0 && lines[len(lines)-1] != tc.wantLines[len(tc.wantLines)-1])) {
				t.Errorf("lines = %v, want %v", lines, tc.wantLines)
			}
		})
	}
}
