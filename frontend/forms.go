package frontend

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/apitypes"
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

// check validates dst, an action's input, with kernel.Check (the one validation
// the API, the web and CSV import share) and its Rules, and gives each problem its form
// element id.
func (s *Server) check(dst any) kernel.FieldErrors {
	return s.checkNamed(dst, nil)
}

// ruled is an input with rules beyond its tags that need no stored record (a time that
// has passed, an end after a start, a field needed by another's answer). They are
// checked with the tags, once, for the web and the API alike; a rule must not report a
// field whose tags already failed (it is only added when the field has no problem yet).
type ruled interface {
	Rules(now time.Time) kernel.FieldErrors
}

func (s *Server) checkNamed(dst any, name fieldNames) kernel.FieldErrors {
	fe := kernel.Check(dst)
	if r, ok := dst.(ruled); ok {
		fe = fe.With(r.Rules(s.now()))
	}
	return withFormIDsNamed(fe, dst, name)
}

// withFormIDs sets the form element id of each field error from dst's `form` tags: a
// field's form name, and a date input's day box.
func withFormIDs(fe kernel.FieldErrors, dst any) kernel.FieldErrors {
	return withFormIDsSuffixed(fe, dst, "")
}

// withFormIDsSuffixed is withFormIDs for a page with one form per item, whose fields'
// names end in sfx ("_42").
func withFormIDsSuffixed(fe kernel.FieldErrors, dst any, sfx string) kernel.FieldErrors {
	return withFormIDsNamed(fe, dst, suffixed(sfx))
}

// fieldNames gives a field's name in a page's form from its `form` tag, for a page with
// one form per item ("question" → "question_42", "discharged_on" → "d7_discharged_on");
// nil keeps the tag's name.
type fieldNames func(string) string

func (n fieldNames) of(tag string) string {
	if n == nil {
		return tag
	}
	return n(tag)
}

func suffixed(sfx string) fieldNames {
	if sfx == "" {
		return nil
	}
	return func(n string) string { return n + sfx }
}

func prefixed(pfx string) fieldNames {
	if pfx == "" {
		return nil
	}
	return func(n string) string { return pfx + n }
}

// withFormIDsNamed is withFormIDs for a page whose fields are named by name.
func withFormIDsNamed(fe kernel.FieldErrors, dst any, name fieldNames) kernel.FieldErrors {
	ids := map[string]string{}
	forEachField(dst, func(f reflect.StructField, _ reflect.Value) {
		tag := parseFormTag(f)
		if tag.name == "" || tag.json == "" {
			return
		}
		id := name.of(tag.name)
		if tag.date || tag.datetime {
			id += "-day"
		}
		ids[tag.json] = id
	})
	if fe == nil {
		return nil
	}
	out := make(kernel.FieldErrors, len(fe)) // fe may be a shared, declared error
	for i, e := range fe {
		if id, ok := ids[e.Field]; ok && (e.FormID == "" || name != nil) && id != e.Field {
			e.FormID = id
		}
		out[i] = e
	}
	return out
}

type formTag struct {
	name, json                     string
	date, datetime, pounds, prefix bool
}

func parseFormTag(f reflect.StructField) formTag {
	var t formTag
	parts := strings.Split(f.Tag.Get("form"), ",")
	t.name = parts[0]
	if t.name == "-" {
		t.name = ""
	}
	for _, o := range parts[1:] {
		switch o {
		case "date":
			t.date = true
		case "datetime":
			t.datetime = true
		case "pounds":
			t.pounds = true
		case "prefix":
			t.prefix = true
		}
	}
	t.json, _, _ = strings.Cut(f.Tag.Get("json"), ",")
	if t.json == "" || t.json == "-" {
		t.json = t.name
	}
	return t
}

func forEachField(dst any, fn func(reflect.StructField, reflect.Value)) {
	v := reflect.ValueOf(dst)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < v.NumField(); i++ {
		if f := v.Type().Field(i); f.IsExported() {
			fn(f, v.Field(i))
		}
	}
}

// decodeForm reads a submitted form into dst, an action's input struct (the same one
// the API decodes from JSON), by its `form` tags, then validates it with check. Every
// problem comes back at once: a value that cannot be read (an amount, a number, a
// date) is a field error like the validator's, never a 400 or a 500. It also returns
// the typed values to re-show. Supported fields: strings, and optional ones (*string,
// nil when the form has no such field); whole numbers, and optional
// ones (*int, nil when empty); bools ("yes", "true", "on") and *bool ("yes", "no");
// string and whole-number lists (checkboxes); optional decimals (*float64); ",pounds" amounts in pence; ",date" GOV.UK date inputs
// (name-day, -month, -year) as "2006-01-02"; ",datetime" GOV.UK date inputs with a
// time box (name_time, like 17:30) as a time.Time or *time.Time in England (left zero
// or nil when all four are empty); and ",prefix" maps of every field
// starting with the name ("note_autism" → "autism"), of text or whole numbers.
func (s *Server) decodeForm(c echo.Context, dst any) (map[string]string, kernel.FieldErrors, error) {
	return s.decodeFormSuffixed(c, dst, "")
}

// decodeFormSuffixed is decodeForm for a page with one form per item, whose fields'
// names end in sfx ("_42").
func (s *Server) decodeFormSuffixed(c echo.Context, dst any, sfx string) (map[string]string, kernel.FieldErrors, error) {
	return s.decodeFormNamed(c, dst, suffixed(sfx))
}

// decodeFormNamed is decodeForm for a page whose fields are named by name.
func (s *Server) decodeFormNamed(c echo.Context, dst any, name fieldNames) (map[string]string, kernel.FieldErrors, error) {
	vals, err := c.FormParams()
	if err != nil {
		return nil, nil, echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	form, fe := s.decodeFormValues(c, vals, dst, name)
	return form, fe, nil
}

// decodeFormValues is decodeForm for values already read (a form kept between pages;
// c is nil then, as no body was cut).
func (s *Server) decodeFormValues(c echo.Context, vals url.Values, dst any, name fieldNames) (map[string]string, kernel.FieldErrors) {
	form := make(map[string]string, len(vals))
	for k, v := range vals {
		if k == "_csrf" || strings.Contains(k, "password") || k == "confirm" {
			continue // never echo secrets back into a page
		}
		form[k] = strings.Join(v, ",")
	}
	fe := decodeValues(vals, dst, name)
	if fe == nil {
		fe = s.checkNamed(dst, name)
	} else {
		fe = fe.With(withFormIDsNamed(kernel.Check(dst), dst, name))
	}
	if cut, ok := ctxValue(c, cutField).(string); ok {
		fe = fe.With(cutError(dst, name, cut))
	}
	return form, fe
}

func ctxValue(c echo.Context, key string) any {
	if c == nil {
		return nil
	}
	return c.Get(key)
}

// decodeValues sets dst's fields from vals, returning the values that cannot be read.
func decodeValues(vals url.Values, dst any, name fieldNames) kernel.FieldErrors {
	var fe kernel.FieldErrors
	get := func(name string) string { return strings.TrimSpace(vals.Get(name)) }
	forEachField(dst, func(f reflect.StructField, v reflect.Value) {
		tag := parseFormTag(f)
		if tag.name == "" {
			return
		}
		tag.name = name.of(tag.name)
		bad := func(code kernel.Code, msg string) {
			id := tag.name
			if tag.date || tag.datetime {
				id += "-day"
			}
			fe = append(fe, kernel.FieldError{Field: tag.json, FormID: id, Code: code, Message: firstNonEmpty(msgTag(f, string(code)), msg)})
		}
		switch {
		case tag.datetime:
			if t, e := dateTimeValue(get, tag.name, firstNonEmpty(f.Tag.Get("label"), "The date")); e != nil {
				e.Field = tag.json
				e.Message = firstNonEmpty(msgTag(f, string(e.Code)), e.Message)
				fe = append(fe, *e)
			} else if t != nil {
				switch v.Kind() {
				case reflect.Pointer:
					v.Set(reflect.ValueOf(t))
				case reflect.String: // an RFC 3339 string, as the API sends it
					v.SetString(t.Format(time.RFC3339))
				default:
					v.Set(reflect.ValueOf(*t))
				}
			}
		case tag.date:
			form := map[string]string{tag.name + "-day": get(tag.name + "-day"), tag.name + "-month": get(tag.name + "-month"), tag.name + "-year": get(tag.name + "-year")}
			t, msg := dateParts(form, tag.name, firstNonEmpty(f.Tag.Get("label"), "The date"))
			switch {
			case t != nil && v.Kind() == reflect.Pointer:
				d := t.Format("2006-01-02")
				v.Set(reflect.ValueOf(&d))
			case t != nil:
				v.SetString(t.Format("2006-01-02"))
			case msg != "":
				bad(kernel.CodeBadDate, msg)
			}
		case tag.prefix && v.Kind() == reflect.Map:
			m := reflect.MakeMap(v.Type())
			for k := range vals {
				key, ok := strings.CutPrefix(k, tag.name)
				if !ok || key == "" || get(k) == "" {
					continue
				}
				if v.Type().Elem().Kind() != reflect.Int { // text, like a need's note
					m.SetMapIndex(reflect.ValueOf(key), reflect.ValueOf(get(k)))
				} else if n, err := strconv.Atoi(get(k)); err == nil { // a number, like a score
					m.SetMapIndex(reflect.ValueOf(key), reflect.ValueOf(n))
				} else {
					fe = append(fe, kernel.FieldError{Field: tag.json + "." + key, FormID: k, Code: kernel.CodeBadNumber, Message: kernel.Message(kernel.CodeBadNumber)})
				}
			}
			v.Set(m)
		case tag.pounds:
			if raw := get(tag.name); raw != "" {
				p, err := parsePounds(raw)
				if err != nil {
					bad(kernel.CodeBadAmount, kernel.Message(kernel.CodeBadAmount))
					return
				}
				v.SetInt(p)
			}
		case v.Kind() == reflect.String:
			v.SetString(vals.Get(tag.name))
		case v.Kind() == reflect.Bool:
			switch strings.ToLower(get(tag.name)) {
			case "yes", "true", "on", "1":
				v.SetBool(true)
			}
		case v.Kind() == reflect.Int || v.Kind() == reflect.Int64 || v.Kind() == reflect.Int32:
			if raw := get(tag.name); raw != "" {
				n, err := strconv.ParseInt(strings.ReplaceAll(raw, ",", ""), 10, 64)
				if err != nil {
					bad(kernel.CodeBadNumber, kernel.Message(kernel.CodeBadNumber))
					return
				}
				v.SetInt(n)
			}
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
			var out []string
			for _, x := range vals[tag.name] {
				if x = strings.TrimSpace(x); x != "" {
					out = append(out, x)
				}
			}
			v.Set(reflect.ValueOf(out).Convert(v.Type()))
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Int64:
			out := reflect.MakeSlice(v.Type(), 0, len(vals[tag.name]))
			for _, x := range vals[tag.name] {
				if x = strings.TrimSpace(x); x == "" {
					continue
				}
				n, err := strconv.ParseInt(x, 10, 64)
				if err != nil {
					bad(kernel.CodeBadNumber, kernel.Message(kernel.CodeBadNumber))
					return
				}
				out = reflect.Append(out, reflect.ValueOf(n).Convert(v.Type().Elem()))
			}
			v.Set(out)
		case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Float64:
			if raw := get(tag.name); raw != "" {
				f, err := strconv.ParseFloat(strings.ReplaceAll(raw, ",", ""), 64)
				if err != nil {
					bad(kernel.CodeBadNumber, kernel.Message(kernel.CodeBadNumber))
					return
				}
				v.Set(reflect.ValueOf(&f))
			}
		case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.String:
			if _, ok := vals[tag.name]; ok {
				x := vals.Get(tag.name)
				v.Set(reflect.ValueOf(&x))
			}
		case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Int:
			if raw := get(tag.name); raw != "" {
				n, err := strconv.Atoi(strings.ReplaceAll(raw, ",", ""))
				if err != nil {
					bad(kernel.CodeBadNumber, kernel.Message(kernel.CodeBadNumber))
					return
				}
				v.Set(reflect.ValueOf(&n))
			}
		case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Bool:
			switch strings.ToLower(get(tag.name)) {
			case "yes", "true":
				b := true
				v.Set(reflect.ValueOf(&b))
			case "no", "false":
				b := false
				v.Set(reflect.ValueOf(&b))
			}
		}
	})
	return fe
}

// inFormOrder sorts fe by the order of dst's fields (the page's order), so that the
// error summary lists a rule that compares fields where its field is, not last.
func inFormOrder(fe kernel.FieldErrors, dst any) kernel.FieldErrors {
	pos := map[string]int{}
	i := 0
	forEachField(dst, func(f reflect.StructField, _ reflect.Value) {
		pos[parseFormTag(f).json] = i
		i++
	})
	slices.SortStableFunc(fe, func(a, b kernel.FieldError) int { return pos[a.Field] - pos[b.Field] })
	return fe
}

// formValues is the form that shows in (an action's input, as saved), by its `form`
// tags: the reverse of decodeForm, so that a page is prefilled from the same struct it
// is read into and a new field needs no code here.
func formValues(in any) map[string]string {
	form := map[string]string{}
	forEachField(in, func(f reflect.StructField, v reflect.Value) {
		tag := parseFormTag(f)
		if tag.name == "" {
			return
		}
		switch {
		case tag.date:
			if t, err := time.Parse("2006-01-02", v.String()); err == nil {
				setDateParts(form, tag.name, &t)
			}
		case tag.datetime:
			if t, err := time.Parse(time.RFC3339, v.String()); err == nil {
				setDateTimeParts(form, tag.name, &t)
			}
		case tag.pounds:
			if v.Int() != 0 {
				form[tag.name] = fmt.Sprintf("%d.%02d", v.Int()/100, v.Int()%100)
			}
		case v.Kind() == reflect.String:
			form[tag.name] = v.String()
		case v.Kind() == reflect.Bool:
			if v.Bool() {
				form[tag.name] = "yes"
			}
		case v.Kind() == reflect.Int || v.Kind() == reflect.Int64 || v.Kind() == reflect.Int32:
			if v.Int() != 0 {
				form[tag.name] = strconv.FormatInt(v.Int(), 10)
			}
		case v.Kind() == reflect.Slice:
			parts := make([]string, v.Len())
			for i := range parts {
				parts[i] = fmt.Sprint(v.Index(i).Interface())
			}
			form[tag.name] = strings.Join(parts, ",")
		case v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Bool:
			form[tag.name] = map[bool]string{true: "yes", false: "no"}[v.Elem().Bool()]
		case v.Kind() == reflect.Pointer && !v.IsNil():
			form[tag.name] = fmt.Sprint(v.Elem().Interface())
		}
	})
	return form
}

// msgTag is the wording a field's `msg` tag gives for key, or "".
func msgTag(f reflect.StructField, key string) string {
	for _, part := range strings.Split(f.Tag.Get("msg"), "|") {
		if k, msg, ok := strings.Cut(part, "="); ok && k == key {
			return msg
		}
	}
	return ""
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

// apiError is the JSON body of every API error: the code for status, the domain error's
// own code (reason) when it has one, the message and the request id; for invalid input,
// every field problem at once, each named by its JSON field (never a form element id).
func apiError(status int, msg, requestID string, err error) apitypes.Error {
	body := apitypes.ErrorBody{Code: codeFor(status), Message: msg}
	if requestID != "" {
		body.RequestId = &requestID
	}
	if reason := string(kernel.CodeOf(err)); status < 500 && reason != "" {
		body.Reason = &reason
	}
	out := apitypes.Error{Error: body}
	var fe kernel.FieldErrors
	if errors.As(err, &fe) {
		out.Error.Message = "The request has invalid fields."
		fields := make([]apitypes.FieldError, len(fe))
		for i, e := range fe {
			fields[i] = apitypes.FieldError{Field: e.Field, Code: string(e.Code), Message: e.Text()}
			if fields[i].Code == "" {
				fields[i].Code = string(kernel.CodeInvalid)
			}
		}
		out.Errors = &fields
	}
	return out
}

func codeFor(status int) apitypes.ErrorCode {
	switch status {
	case http.StatusBadRequest:
		return apitypes.ErrorCodeBadRequest
	case http.StatusUnauthorized:
		return apitypes.ErrorCodeUnauthorised
	case http.StatusForbidden:
		return apitypes.ErrorCodeForbidden
	case http.StatusNotFound:
		return apitypes.ErrorCodeNotFound
	case http.StatusConflict:
		return apitypes.ErrorCodeConflict
	case http.StatusUnprocessableEntity:
		return apitypes.ErrorCodeInvalid
	case http.StatusTooManyRequests:
		return apitypes.ErrorCodeTooManyRequests
	}
	if status >= 500 {
		return apitypes.ErrorCodeInternal
	}
	return apitypes.ErrorCodeError
}

// decodeJSON reads a JSON body into dst strictly (unknown fields refused) and then
// validates it. Malformed JSON is a 400 naming the field; invalid values a 422.
func (s *Server) decodeJSON(c echo.Context, dst any) error {
	if err := readJSON(c, dst); err != nil {
		return err
	}
	if fe := s.check(dst); fe != nil {
		return fe
	}
	return nil
}

// readJSON reads a JSON body into dst strictly, without validating it: for an input
// whose domain method checks it (its tags and its rules, every problem at once).
func readJSON(c echo.Context, dst any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badJSON(err)
	}
	if dec.More() {
		return &jsonError{kernel.Invalid("body", "The body must hold exactly one JSON object.")}
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
		return &jsonError{kernel.Invalid(field, fmt.Sprintf("%s must be a %s, not a JSON %s", field, jsonKind(te.Type), te.Value))}
	case errors.As(err, &se):
		return &jsonError{kernel.Invalid("body", fmt.Sprintf("The body is not valid JSON (at byte %d).", se.Offset))}
	case errors.Is(err, io.EOF):
		return &jsonError{kernel.Invalid("body", "The body is empty; send a JSON object.")}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &jsonError{kernel.Invalid(field, fmt.Sprintf("%s is not a field of this request", field))}
	}
	return &jsonError{kernel.Invalid("body", "The body is not valid JSON.")}
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

// parsePounds reads an amount typed in pounds ("4,750", "£4750.50") as pence.
func parsePounds(s string) (int64, error) {
	p, err := kernel.ParsePounds(s)
	return int64(p), err
}

// cutError is the problem with a form cut at the body limit (formLimit) in the field
// named cut: beside that field, when it is one of dst's, that it is too long.
func cutError(dst any, name fieldNames, cut string) kernel.FieldErrors {
	var fe kernel.FieldErrors
	forEachField(dst, func(f reflect.StructField, _ reflect.Value) {
		if tag := parseFormTag(f); tag.name != "" && name.of(tag.name) == cut {
			fe = kernel.FieldErrors{{Field: tag.json, FormID: cut, Code: kernel.CodeTooLong,
				Message: "This is far too long to send: shorten it and try again"}}
		}
	})
	return fe
}
