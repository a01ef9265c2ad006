package commissioning

import (
	"errors"
	"strings"
)

// Error kinds shared by Hearth's domain packages. Each is mapped to one HTTP status
// and one GOV.UK page in the web layer; wrap them with context (fmt.Errorf("…: %w")).
var (
	ErrNotFound  = errors.New("not found")
	ErrForbidden = errors.New("forbidden")
	ErrConflict  = errors.New("conflict")
	ErrInvalid   = errors.New("invalid")
)

// FieldError is a problem with one input field, worded for the person who typed it.
type FieldError struct {
	Field   string // form field name or JSON key
	Message string
}

// FieldErrors is an ordered list of field problems. It matches ErrInvalid.
type FieldErrors []FieldError

// Add appends a problem with field.
func (fe *FieldErrors) Add(field, message string) {
	*fe = append(*fe, FieldError{Field: field, Message: message})
}

// Has reports whether field already has a problem.
func (fe FieldErrors) Has(field string) bool {
	for _, e := range fe {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns fe as an error, or nil when empty.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Field + ": " + e.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for field errors.
func (fe FieldErrors) Is(target error) bool { return target == ErrInvalid }

// Invalid returns a FieldErrors with one problem.
func Invalid(field, message string) error { return FieldErrors{{Field: field, Message: message}} }
