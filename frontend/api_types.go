package frontend

import (
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
)

// Small conversions used at the API boundary, where domain values become the types
// generated from openapi.json (package apitypes).

// apiDate is a calendar date as the API writes it (2006-01-02).
func apiDate(t time.Time) openapi_types.Date { return openapi_types.Date{Time: t} }

// apiDateOrNil is a date that may be absent or null.
func apiDateOrNil(t *time.Time) *openapi_types.Date {
	if t == nil {
		return nil
	}
	return &openapi_types.Date{Time: *t}
}

// optional is v, or nil (an absent optional field) when v is the zero value.
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// optionalSlice is s, or nil (an absent optional field) when s is empty.
func optionalSlice[T any](s []T) *[]T {
	if len(s) == 0 {
		return nil
	}
	return &s
}

// enums converts a list of domain codes to the generated enum type E.
func enums[E ~string, S ~string](in []S) []E {
	out := make([]E, len(in))
	for i, v := range in {
		out[i] = E(v)
	}
	return out
}
