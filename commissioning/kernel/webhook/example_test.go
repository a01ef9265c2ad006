package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
)

// A receiver verifies each delivery against the endpoint's signing secret before it
// trusts the body, and drops an event id it has seen before (deliveries are at least
// once).
func ExampleVerify() {
	secret := "whsec_…" // shown once when the endpoint was registered
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(body, r.Header.Get("Hearth-Signature"), secret, 5*time.Minute); err != nil {
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		// r.Header.Get("Hearth-Event-Id") identifies the event: store it, skip repeats.
		w.WriteHeader(http.StatusNoContent)
	})

	// As Hearth would send it:
	body := `{"id":"evt_example","type":"placement.awarded","created":1764288000,"organisation_id":3,"data":{}}`
	req := httptest.NewRequest(http.MethodPost, "/hearth", strings.NewReader(body))
	req.Header.Set("Hearth-Signature", webhook.Sign([]byte(body), time.Now(), secret))
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output: 204
}
