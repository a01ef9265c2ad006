package csvsafe

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// Record is one row of an uploaded file, its cells trimmed, with the line it came from
// (line 1 is the header).
type Record struct {
	Line  int
	Cells []string
}

// Read reads a whole upload of at most maxBytes and maxRows rows whose header must be
// columns, in order (compared without case or surrounding space). It accepts a UTF-8
// byte-order mark, skips blank lines, and returns *ImportError for a file a person must fix:
// not UTF-8, not CSV, empty, the wrong header, too many rows, or rows of the wrong width
// (all of those listed at once, by row, with the rows of the right width returned too, so
// a caller can add their own problems to the list).
func Read(r io.Reader, columns []string, maxBytes int64, maxRows int) ([]Record, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxBytes))
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		return nil, &ImportError{Problem: "The file is not UTF-8 text. Save it from your spreadsheet as \"CSV UTF-8 (comma delimited)\" and upload it again."}
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ImportError{Problem: "The file is empty."}
	}
	if err != nil {
		return nil, &ImportError{Problem: "The file is not a CSV file: " + err.Error()}
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(header[i]))
	}
	if !slices.Equal(header, columns) {
		return nil, &ImportError{Problem: "The first row must name these columns, in this order: " + strings.Join(columns, ", ") + "."}
	}
	var out []Record
	var short []RowError
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ImportError{Problem: fmt.Sprintf("Row %d cannot be read: %v", pe.StartLine, pe.Err)}
			}
			return nil, &ImportError{Problem: "The file cannot be read: " + err.Error()}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(out)+len(short) >= maxRows {
			return nil, &ImportError{Problem: fmt.Sprintf("The file has more than %d rows. Split it into smaller files.", maxRows)}
		}
		if len(rec) != len(columns) {
			short = append(short, RowError{Row: line, Message: fmt.Sprintf("The row has %d values; it needs %d (%s)", len(rec), len(columns), strings.Join(columns, ","))})
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		out = append(out, Record{Line: line, Cells: rec})
	}
	if len(short) > 0 {
		return out, &ImportError{Rows: short}
	}
	return out, nil
}

// RowError is a problem with one row of an uploaded file (row 1 is the header).
type RowError struct {
	Row     int
	Column  string
	Message string
}

// ImportError refuses a whole upload: nothing in it was saved. Problem is a problem with
// the file as a whole; otherwise Rows lists every row's problems at once.
type ImportError struct {
	Problem string
	Rows    []RowError
}

func (e *ImportError) Error() string {
	if e.Problem != "" {
		return e.Problem
	}
	return fmt.Sprintf("%d problems in the file", len(e.Rows))
}

// Is makes an ImportError match kernel.ErrInvalid (a 422 with the problems shown).
func (e *ImportError) Is(target error) bool { return target == kernel.ErrInvalid }
