package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace"
)

// TestErrorsMapToOneStatusAndOneMessage: every error has its status from the one
// table, and people read its code's message however much context wraps it.
func TestErrorsMapToOneStatusAndOneMessage(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		text   string
	}{
		{"BiddingClosed409", fmt.Errorf("bid on request 12: %w", marketplace.ErrBiddingClosed), http.StatusConflict, "The deadline for responses has passed."},
		{"NotInvited404", fmt.Errorf("request 12 for provider 3: %w", marketplace.ErrNotInvited), http.StatusNotFound, "Your organisation was not invited to this request."},
		{"BedTaken409", fmt.Errorf("allocate: %w", fmt.Errorf("bed 4: %w", secure.ErrBedTaken)), http.StatusConflict, kernel.Message("bed_taken")},
		{"BidNotAvailable422", marketplace.ErrBidNotAvailable, http.StatusUnprocessableEntity, "That bid has been withdrawn or is not for this request."},
		{"FieldErrors422", fmt.Errorf("save: %w", kernel.Invalid("name", "Enter the name")), http.StatusUnprocessableEntity, ""},
		{"Unknown500", errors.New("database on fire"), http.StatusInternalServerError, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statusFor(tt.err); got != tt.status {
				t.Errorf("status %d, want %d", got, tt.status)
			}
			if tt.text != "" && userMessage(tt.err) != tt.text {
				t.Errorf("message %q, want %q", userMessage(tt.err), tt.text)
			}
		})
	}
}
