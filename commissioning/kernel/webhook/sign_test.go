package webhook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	hook "github.com/hearth-placements/hearth/commissioning/kernel/webhook"
)

// TestSignatureIsStripes: the v1 signature is byte for byte what stripe-go computes, so
// Stripe's own verification code accepts Hearth's header unchanged.
func TestSignatureIsStripes(t *testing.T) {
	payload := []byte(`{"id":"evt_1","type":"placement.awarded","api_version":"2023-10-16"}`)
	now := time.Now()
	const secret = "whsec_test_secret"
	header := hook.Sign(payload, now, secret)
	want := "v1=" + string(hexOf(webhook.ComputeSignature(now, payload, secret)))
	if !strings.Contains(header, want) || !strings.HasPrefix(header, "t=") {
		t.Fatalf("header %q lacks stripe's signature %q", header, want)
	}
	// Stripe's verifier accepts it (its header name differs; the scheme does not).
	if _, err := webhook.ConstructEventWithOptions(payload, header, secret, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true}); err != nil {
		t.Fatalf("stripe-go refuses Hearth's signature: %v", err)
	}
	// And Hearth's Verify accepts Stripe's.
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: now})
	if err := hook.Verify(payload, signed.Header, secret, 5*time.Minute); err != nil {
		t.Fatalf("Verify refuses stripe-go's signature: %v", err)
	}
}

func hexOf(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}

func TestVerify(t *testing.T) {
	payload := []byte(`{"id":"evt_x"}`)
	now := time.Now()
	tests := []struct {
		name    string
		header  string
		secret  string
		payload []byte
		want    error
	}{
		{"OK", hook.Sign(payload, now, "whsec_a"), "whsec_a", payload, nil},
		{"OKEitherSecretDuringRotation", hook.Sign(payload, now, "whsec_new", "whsec_old"), "whsec_old", payload, nil},
		{"OKNewSecretDuringRotation", hook.Sign(payload, now, "whsec_new", "whsec_old"), "whsec_new", payload, nil},
		{"ErrWrongSecret", hook.Sign(payload, now, "whsec_a"), "whsec_b", payload, hook.ErrNoValidSignature},
		{"ErrTamperedBody", hook.Sign(payload, now, "whsec_a"), "whsec_a", []byte(`{"id":"evt_y"}`), hook.ErrNoValidSignature},
		{"ErrTooOld", hook.Sign(payload, now.Add(-10*time.Minute), "whsec_a"), "whsec_a", payload, hook.ErrTooOld},
		{"ErrFromTheFuture", hook.Sign(payload, now.Add(10*time.Minute), "whsec_a"), "whsec_a", payload, hook.ErrTooOld},
		{"ErrNoHeader", "", "whsec_a", payload, hook.ErrNoSignature},
		{"ErrNoV1", "t=123", "whsec_a", payload, hook.ErrNoSignature},
		{"ErrBadTimestamp", "t=abc,v1=00", "whsec_a", payload, hook.ErrNoSignature},
		{"ErrOnlyV0", strings.ReplaceAll(hook.Sign(payload, now, "whsec_a"), "v1=", "v0="), "whsec_a", payload, hook.ErrNoSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := hook.Verify(tt.payload, tt.header, tt.secret, 5*time.Minute); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url           string
		allowLoopback bool
		ok            bool
	}{
		{"https://case-system.example.org/hearth", false, true},
		{"https://case-system.example.org:8443/hooks?council=mcr", false, true},
		{"https://8.8.8.8/hook", false, true},
		{"http://case-system.example.org/hearth", false, false},               // not https
		{"http://case-system.example.org/hearth", true, false},                // http only to loopback, even in development
		{"http://127.0.0.1:9999/hook", false, false},                          // loopback refused in production
		{"http://127.0.0.1:9999/hook", true, true},                            // allowed in development
		{"http://localhost:9999/hook", true, true},                            // allowed in development
		{"http://[::1]:9999/hook", true, true},                                // allowed in development
		{"https://localhost/hook", false, false},                              //
		{"https://10.1.2.3/hook", false, false},                               // private
		{"https://10.1.2.3/hook", true, false},                                // private, even in development
		{"https://172.16.0.1/hook", false, false},                             // private
		{"https://192.168.1.1/hook", false, false},                            // private
		{"https://169.254.169.254/latest/meta-data", false, false},            // link-local: cloud metadata
		{"https://100.64.0.1/hook", false, false},                             // carrier-grade NAT
		{"https://0.0.0.0/hook", false, false},                                // unspecified
		{"https://[fd00::1]/hook", false, false},                              // unique local
		{"https://[fe80::1]/hook", false, false},                              // link-local
		{"https://[::ffff:10.0.0.1]/hook", false, false},                      // IPv4-mapped private
		{"https://[64:ff9b::a00:1]/hook", false, false},                       // NAT64 of 10.0.0.1
		{"https://[64:ff9b:1::a00:1]/hook", false, false},                     // local-use NAT64 of 10.0.0.1
		{"https://[::a00:1]/hook", false, false},                              // IPv4-compatible 10.0.0.1
		{"https://[::7f00:1]/hook", false, false},                             // IPv4-compatible 127.0.0.1
		{"https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", false, false}, // Teredo
		{"https://[fec0::1]/hook", false, false},                              // site-local
		{"https://[2606:4700::1111]/hook", false, true},                       // public IPv6
		{"https://case-system.example.org:443/hook", false, true},             // https's port, spelt out
		{"https://case-system.example.org:8080/hook", false, false},           // other ports refused in production
		{"https://case-system.example.org:22/hook", false, false},             //
		{"https://8.8.8.8:6379/hook", false, false},                           //
		{"https://case-system.example.org:8080/hook", true, true},             // any port in development
		{"https://printer.local/hook", false, false},                          // mDNS
		{"https://metadata.google.internal/hook", false, false},               // internal name
		{"https://intranet/hook", false, false},                               // single-label name
		{"https://user:pass@case-system.example.org/", false, false},
		{"https://case-system.example.org/#frag", false, false},
		{"ftp://case-system.example.org/", false, false},
		{"case-system.example.org/hook", false, false},
		{"", false, false},
		{"javascript:alert(1)", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			msg := hook.CheckURL(tt.url, tt.allowLoopback)
			if (msg == "") != tt.ok {
				t.Fatalf("CheckURL(%q, %v) = %q, want ok=%v", tt.url, tt.allowLoopback, msg, tt.ok)
			}
		})
	}
}

func TestSanitise(t *testing.T) {
	if got := hook.Sanitise("ok\r\n\t<b>\x00fine</b>   done", 200); got != "ok <b> fine</b> done" {
		t.Fatalf("Sanitise = %q", got)
	}
	if got := hook.Sanitise(strings.Repeat("a", 500), 200); len(got) != 200 {
		t.Fatalf("Sanitise kept %d characters, want 200", len(got))
	}
}
