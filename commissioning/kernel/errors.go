package kernel

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Error kinds shared by Hearth's domain packages. Each is mapped to one HTTP status
// in the web layer's status table; wrap them with context (fmt.Errorf("…: %w")).
var (
	ErrNotFound  = errors.New("not found")
	ErrForbidden = errors.New("forbidden")
	ErrConflict  = errors.New("conflict")
	ErrInvalid   = errors.New("invalid")
)

// Code names a problem for machines (API clients, tests, the message table): stable,
// snake_case, never shown to people as such.
type Code string

// Generic field codes, used by input validation in every package.
const (
	CodeRequired    Code = "required"     // nothing entered
	CodeInvalid     Code = "invalid"      // not a value of the field's kind
	CodeTooLong     Code = "too_long"     // more characters than allowed
	CodeOutOfRange  Code = "out_of_range" // a number or date outside its limits
	CodeNotInList   Code = "not_in_list"  // not one of the field's codes
	CodeBadDate     Code = "invalid_date" // not a real date
	CodeBadTime     Code = "invalid_time" // not a time of day like 17:30
	CodeBadAmount   Code = "invalid_amount"
	CodeBadNumber   Code = "invalid_number"
	CodeUnsafeStart Code = "unsafe_start" // starts with =, +, - or @ (CSV injection)
)

var (
	messagesMu sync.RWMutex
	messages   = map[Code]string{
		CodeRequired:    "Enter a value",
		CodeInvalid:     "Enter a valid value",
		CodeTooLong:     "Shorten this: it is too long",
		CodeOutOfRange:  "Enter a value within the allowed range",
		CodeNotInList:   "Select one of the options",
		CodeBadDate:     "Enter a real date",
		CodeBadTime:     "Enter the time like 17:30",
		CodeBadAmount:   "Enter an amount in pounds, like 4,750 or 4750.50",
		CodeBadNumber:   "Enter a whole number",
		CodeUnsafeStart: "Must not start with =, +, - or @",
	}
)

// Message is the English text for code, from the one message table ("" if unknown).
// Pages and the API both take their text from here, never from err.Error().
func Message(code Code) string {
	messagesMu.RLock()
	defer messagesMu.RUnlock()
	return messages[code]
}

// Error is a domain error: a kind (ErrNotFound, ErrConflict, …) that sets its HTTP
// status, and a code whose text is in the message table. Declare each one once, as
// a package variable, with NewError; callers may wrap it with context freely.
type Error struct {
	Kind error
	Code Code
}

// NewError declares a domain error of kind with code, and records text as the code's
// message.
func NewError(kind error, code Code, text string) *Error {
	RegisterMessage(code, text)
	return &Error{Kind: kind, Code: code}
}

// RegisterMessage records text as code's message. Each code has one text: declaring
// it twice with another text is a programming error and panics.
func RegisterMessage(code Code, text string) {
	messagesMu.Lock()
	defer messagesMu.Unlock()
	if old, ok := messages[code]; ok && old != text {
		panic(fmt.Sprintf("commissioning: message code %q declared twice", code))
	}
	messages[code] = text
}

func (e *Error) Error() string { return string(e.Code) + ": " + Message(e.Code) }

// Is makes errors.Is(err, ErrConflict) (its kind) true.
func (e *Error) Is(target error) bool { return target == e.Kind }

// CodeOf returns the code of the first *Error in err's chain ("" if none).
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// FieldError is a problem with one input field. Field is the field's JSON name (what
// the API reports); FormID is the id of the form element to link to when it differs
// (a date input's day box: "order_expiry-day"). The web layer fills FormID in; the
// domain names fields by their JSON name only.
type FieldError struct {
	Field   string `json:"field"`
	FormID  string `json:"-"`
	Code    Code   `json:"code,omitempty"`
	Message string `json:"message"`
}

// ID is the form element the error belongs beside.
func (e FieldError) ID() string {
	if e.FormID != "" {
		return e.FormID
	}
	return e.Field
}

// Text is the message for people: the error's own wording, or its code's message.
func (e FieldError) Text() string {
	if e.Message != "" {
		return e.Message
	}
	return Message(e.Code)
}

// FieldErrors is an ordered list of field problems. It matches ErrInvalid.
type FieldErrors []FieldError

// datePart is the suffix of a GOV.UK date input's first box.
const datePart = "-day"

// NewFieldError returns the problem message with field. A field named by its date
// input's first box ("start_date-day") is split into its JSON name and form id.
func NewFieldError(field string, code Code, message string) FieldError {
	e := FieldError{Field: field, Code: code, Message: message}
	if name, ok := strings.CutSuffix(field, datePart); ok && name != "" {
		e.Field, e.FormID = name, field
	}
	if e.Code == "" {
		e.Code = CodeInvalid
	}
	return e
}

// Add appends a problem with field (code "invalid": prefer AddCode).
func (fe *FieldErrors) Add(field, message string) {
	*fe = append(*fe, NewFieldError(field, "", message))
}

// AddCode appends a problem with field with its code; message may be "" to use the
// code's text from the message table.
func (fe *FieldErrors) AddCode(field string, code Code, message string) {
	*fe = append(*fe, NewFieldError(field, code, message))
}

// Has reports whether field (a JSON name or a form id) already has a problem.
// With is fe and the problems in more with fields fe does not have yet: one problem
// per field, the first found (a tag's before a rule's).
func (fe FieldErrors) With(more FieldErrors) FieldErrors {
	for _, e := range more {
		if !fe.Has(e.Field) {
			fe = append(fe, e)
		}
	}
	return fe
}

func (fe FieldErrors) Has(field string) bool {
	for _, e := range fe {
		if e.Field == field || e.FormID == field {
			return true
		}
	}
	return false
}

// Merge appends the problems of more whose fields have none in fe yet, so that each
// field shows its first problem: the input's own before the rules that compare fields.
func (fe FieldErrors) Merge(more FieldErrors) FieldErrors {
	for _, e := range more {
		if !fe.Has(e.Field) {
			fe = append(fe, e)
		}
	}
	return fe
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
		parts[i] = e.Field + ": " + e.Text()
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for field errors.
func (fe FieldErrors) Is(target error) bool { return target == ErrInvalid }

// Invalid returns a FieldErrors with one problem.
func Invalid(field, message string) error { return FieldErrors{NewFieldError(field, "", message)} }
