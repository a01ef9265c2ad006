// Package csvsafe writes CSV for spreadsheets safely: it wraps encoding/csv and
// neutralises cells a spreadsheet would run as a formula (OWASP "CSV injection").
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Writer writes rows of cells, neutralising formula cells.
type Writer struct {
	w *csv.Writer
}

// NewWriter returns a Writer on w. It writes a UTF-8 byte-order mark first so that
// spreadsheet programs read non-ASCII names correctly.
func NewWriter(w io.Writer) *Writer {
	_, _ = io.WriteString(w, "\ufeff")
	return &Writer{w: csv.NewWriter(w)}
}

// NewFileWriter returns a Writer on w without the byte-order mark: for files another
// system loads by their header row (the DfE's SSDA903 files), not spreadsheets.
func NewFileWriter(w io.Writer) *Writer {
	return &Writer{w: csv.NewWriter(w)}
}

// Write writes one row.
func (w *Writer) Write(cells ...string) error {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Neutralise(c)
	}
	return w.w.Write(out)
}

// Flush writes buffered rows and returns any error so far.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Neutralise prefixes a cell that starts with a formula trigger (= + - @ tab CR)
// with an apostrophe, so spreadsheets show it as text.
func Neutralise(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
