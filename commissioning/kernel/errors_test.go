package kernel

import (
	"errors"
	"fmt"
	"testing"
)

func TestFieldErrorNamesTheJSONFieldAndTheFormIDApart(t *testing.T) {
	tests := []struct {
		name, given, field, formID string
	}{
		{"Plain", "order_kind", "order_kind", ""},
		{"DateInputDayBox", "order_expiry-day", "order_expiry", "order_expiry-day"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fe FieldErrors
			fe.Add(tt.given, "Enter it")
			if fe[0].Field != tt.field || fe[0].FormID != tt.formID || fe[0].ID() != tt.given || fe[0].Code != CodeInvalid || !fe.Has(tt.field) {
				t.Fatalf("%+v", fe[0])
			}
		})
	}
}

func TestErrorCarriesItsKindAndCodeThroughWrapping(t *testing.T) {
	errThing := NewError(ErrConflict, "test_thing_taken", "That thing is taken.")
	err := fmt.Errorf("claim 7: %w", errThing)
	if !errors.Is(err, ErrConflict) || !errors.Is(err, errThing) || CodeOf(err) != "test_thing_taken" || Message(CodeOf(err)) != "That thing is taken." {
		t.Fatalf("%v: kind, code or message lost", err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a code declared twice with another text did not panic")
		}
	}()
	NewError(ErrConflict, "test_thing_taken", "Another text.")
}
