package frontend

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
)

// newValidator returns a validator that names fields by their form or JSON names.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, tag := range []string{"form", "json"} {
			if name, _, _ := strings.Cut(f.Tag.Get(tag), ","); name != "" && name != "-" {
				return name
			}
		}
		return f.Name
	})
	return v
}

// check validates dst's `validate` tags and returns the problems in field order, with
// messages from each field's `msg` tag ("required=Enter your email|email=Enter an…").
func (s *Server) check(dst any) commissioning.FieldErrors {
	err := s.validate.Struct(dst)
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return nil
	}
	t := reflect.TypeOf(dst)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var fe commissioning.FieldErrors
	for _, ve := range ves {
		if fe.Has(ve.Field()) {
			continue
		}
		fe.Add(ve.Field(), messageFor(t, ve))
	}
	return fe
}

func messageFor(t reflect.Type, ve validator.FieldError) string {
	if f, ok := t.FieldByName(ve.StructField()); ok {
		for _, part := range strings.Split(f.Tag.Get("msg"), "|") {
			if tag, msg, ok := strings.Cut(part, "="); ok && (tag == ve.Tag() || tag == "*") {
				return msg
			}
		}
	}
	switch ve.Tag() {
	case "required":
		return fmt.Sprintf("Enter %s", ve.Field())
	case "email":
		return "Enter an email address in the correct format, like name@example.com"
	case "max":
		return fmt.Sprintf("%s must be %s characters or fewer", ve.Field(), ve.Param())
	case "min":
		return fmt.Sprintf("%s must be at least %s", ve.Field(), ve.Param())
	case "oneof":
		return fmt.Sprintf("%s must be one of: %s", ve.Field(), ve.Param())
	}
	return fmt.Sprintf("%s is not valid", ve.Field())
}

// bindForm reads a submitted form into dst (fields tagged `form:"name"`, all strings
// so that no typed value is ever lost) and returns the raw values to re-show.
func bindForm(c echo.Context, dst any) (map[string]string, error) {
	if err := (&echo.DefaultBinder{}).BindBody(c, dst); err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	vals, err := c.FormParams()
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	form := make(map[string]string, len(vals))
	for k, v := range vals {
		if k == "_csrf" || strings.Contains(k, "password") || k == "confirm" {
			continue // never echo secrets back into a page
		}
		form[k] = strings.Join(v, ",")
	}
	return form, nil
}

// apiError is the JSON body of every API error: the error, and for invalid input every
// field problem at once, each named by its JSON field (never a form element id).
type apiError struct {
	Error  apiErrorBody    `json:"error"`
	Errors []apiFieldError `json:"errors,omitempty"`
}

type apiErrorBody struct {
	Code string `json:"code"`
	// Reason is the domain error's code ("bidding_closed"), when it has one.
	Reason    string `json:"reason,omitempty"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

type apiFieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiFieldErrors are fe as the API reports them.
func apiFieldErrors(fe commissioning.FieldErrors) []apiFieldError {
	out := make([]apiFieldError, len(fe))
	for i, e := range fe {
		out[i] = apiFieldError{Field: e.Field, Code: string(e.Code), Message: e.Text()}
		if out[i].Code == "" {
			out[i].Code = string(commissioning.CodeInvalid)
		}
	}
	return out
}

func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorised"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusUnprocessableEntity:
		return "invalid"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	}
	if status >= 500 {
		return "internal"
	}
	return "error"
}

// decodeJSON reads a JSON body into dst strictly (unknown fields refused) and then
// validates it. Malformed JSON is a 400 naming the field; invalid values a 422.
func (s *Server) decodeJSON(c echo.Context, dst any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badJSON(err)
	}
	if dec.More() {
		return &jsonError{commissioning.Invalid("body", "The body must hold exactly one JSON object.")}
	}
	if fe := s.check(dst); fe != nil {
		return fe
	}
	return nil
}

// jsonError is malformed JSON: status 400, with the field it concerns.
type jsonError struct{ fe error }

func (e *jsonError) Error() string { return e.fe.Error() }
func (e *jsonError) Unwrap() error { return e.fe }

func badJSON(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return &jsonError{commissioning.Invalid(field, fmt.Sprintf("%s must be a %s, not a JSON %s", field, jsonKind(te.Type), te.Value))}
	case errors.As(err, &se):
		return &jsonError{commissioning.Invalid("body", fmt.Sprintf("The body is not valid JSON (at byte %d).", se.Offset))}
	case errors.Is(err, io.EOF):
		return &jsonError{commissioning.Invalid("body", "The body is empty; send a JSON object.")}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &jsonError{commissioning.Invalid(field, fmt.Sprintf("%s is not a field of this request", field))}
	}
	return &jsonError{commissioning.Invalid("body", "The body is not valid JSON.")}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list"
	}
	return "object"
}
