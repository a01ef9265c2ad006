package frontend

import "testing"

func TestDateParts(t *testing.T) {
	tests := []struct {
		name    string
		form    map[string]string
		want    string
		message string
	}{
		{"OK", map[string]string{"d-day": "7", "d-month": "3", "d-year": "2026"}, "2026-03-07", ""},
		{"Empty", map[string]string{}, "", ""},
		{"ErrMissingMonth", map[string]string{"d-day": "7", "d-year": "2026"}, "", "Date must include a month"},
		{"ErrNotReal", map[string]string{"d-day": "31", "d-month": "2", "d-year": "2026"}, "", "Date must be a real date"},
		{"ErrLetters", map[string]string{"d-day": "x", "d-month": "2", "d-year": "2026"}, "", "Date must be a real date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := dateParts(tt.form, "d", "Date")
			s := ""
			if got != nil {
				s = got.Format("2006-01-02")
			}
			if s != tt.want || msg != tt.message {
				t.Fatalf("got %q %q", s, msg)
			}
		})
	}
}
