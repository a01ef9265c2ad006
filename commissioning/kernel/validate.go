package kernel

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/go-playground/validator/v10/non-standard/validators"
)

// An action's input is one struct, used by the web form, the API and CSV import: each
// field has a `json` tag (its name everywhere: in the API and in field errors), a
// `form` tag (its form element, ",date" for a GOV.UK date input, ",pounds" for an
// amount typed in pounds), `validate` tags (validator v10, and notblank: text that is
// not only spaces) and a `msg` tag with the
// wording of each problem ("required=Enter the fee|*=Enter an amount…").

var (
	validateOnce sync.Once
	validate     *validator.Validate
)

func validatorV10() *validator.Validate {
	validateOnce.Do(func() {
		validate = validator.New(validator.WithRequiredStructEnabled())
		validate.RegisterTagNameFunc(func(f reflect.StructField) string {
			for _, tag := range []string{"json", "form"} {
				if name, _, _ := strings.Cut(f.Tag.Get(tag), ","); name != "" && name != "-" {
					return name
				}
			}
			return f.Name
		})
		// notblank: text that is not only spaces (required takes "  " as given).
		if err := validate.RegisterValidation("notblank", validators.NotBlank); err != nil {
			panic(err)
		}
	})
	return validate
}

// Check validates in (a pointer to an input struct) by its `validate` tags and returns
// every problem, one per field, in field order: named by JSON name, with a code and the
// `msg` tag's wording. It is the one validation every channel runs.
func Check(in any) FieldErrors {
	err := validatorV10().Struct(in)
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return nil
	}
	t := reflect.TypeOf(in)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var fe FieldErrors
	for _, ve := range ves {
		name := jsonPath(ve)
		if fe.Has(name) {
			continue
		}
		fe = append(fe, FieldError{Field: name, Code: codeFor(ve), Message: messageFor(t, ve)})
	}
	return fe
}

// jsonPath is the field's name in the JSON body: "mailboxes[1].email" for a nested field.
func jsonPath(ve validator.FieldError) string {
	ns := ve.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ve.Field()
}

func codeFor(ve validator.FieldError) Code {
	switch ve.Tag() {
	case "required", "required_if", "required_unless", "required_with", "required_without", "notblank":
		return CodeRequired
	case "max", "lte", "lt":
		switch ve.Kind() {
		case reflect.String, reflect.Slice, reflect.Map:
			return CodeTooLong
		}
		return CodeOutOfRange
	case "min", "gte", "gt":
		return CodeOutOfRange
	case "oneof":
		return CodeNotInList
	case "datetime":
		return CodeBadDate
	}
	return CodeInvalid
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
		if ve.Kind() == reflect.String {
			return fmt.Sprintf("%s must be %s characters or fewer", ve.Field(), ve.Param())
		}
		return fmt.Sprintf("%s must be %s or less", ve.Field(), ve.Param())
	case "min":
		return fmt.Sprintf("%s must be at least %s", ve.Field(), ve.Param())
	case "oneof":
		return fmt.Sprintf("%s must be one of: %s", ve.Field(), ve.Param())
	case "datetime":
		return fmt.Sprintf("%s must be a date like 2026-03-27", ve.Field())
	}
	return fmt.Sprintf("%s is not valid", ve.Field())
}

// Day parses an input's date ("2006-01-02", as the API sends it and the form decoder
// writes it) as midnight UTC (like DateOf), adding a problem with field to fe when it is not a real date.
// It returns nil for "" and for a bad date.
func Day(fe *FieldErrors, field, s, what string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		fe.AddCode(field, CodeBadDate, what+" must be a real date")
		return nil
	}
	return &t
}
