// Package apitypes holds the JSON API's request and response shapes, generated from
// frontend/openapi.json: the document is the one source of truth, and handlers answer
// only with these types (frontend converts domain values to them at the boundary).
//
// Nested objects get their Go names from x-go-type-name in the document; a number
// without a format is given "format": "double" so that it is a float64.
package apitypes

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi.json
