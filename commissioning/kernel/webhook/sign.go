package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the header that carries a delivery's signatures, in Stripe's
// scheme: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">", with one v1 per
// secret live at the time of sending (two while a rotated secret overlaps the new one).
const SignatureHeader = "Hearth-Signature"

// Errors from Verify.
var (
	// ErrNoSignature: the header is missing or has no timestamp or no v1 signature.
	ErrNoSignature = errors.New("webhook: no Hearth-Signature timestamp and v1 signature")
	// ErrTooOld: the timestamp is further from now than the tolerance (a replay).
	ErrTooOld = errors.New("webhook: signature timestamp outside the tolerance")
	// ErrNoValidSignature: no v1 signature matches the secret.
	ErrNoValidSignature = errors.New("webhook: no v1 signature matches the secret")
)

// computeSignature is HMAC-SHA256, keyed by the whole secret string ("whsec_…"), of
// "<unix seconds>.<payload>": byte for byte what Stripe's libraries compute.
func computeSignature(t time.Time, payload []byte, secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(t.Unix(), 10)))
	mac.Write([]byte("."))
	mac.Write(payload)
	return mac.Sum(nil)
}

// Sign returns the Hearth-Signature header for payload sent at t, with one v1 per
// secret, in the order given.
func Sign(payload []byte, t time.Time, secrets ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t=%d", t.Unix())
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(computeSignature(t, payload, s)))
	}
	return b.String()
}

// Verify checks a delivery received now: header is the Hearth-Signature header's
// value, payload the request body exactly as received, secret the endpoint's signing
// secret. It returns nil when one v1 signature matches and the timestamp is within
// tolerance of now (a tolerance of 0 or less skips the age check). It returns
// ErrNoSignature, ErrTooOld or ErrNoValidSignature.
func Verify(payload []byte, header, secret string, tolerance time.Duration) error {
	return verifyAt(payload, header, secret, tolerance, time.Now())
}

func verifyAt(payload []byte, header, secret string, tolerance time.Duration, now time.Time) error {
	var (
		ts    int64
		haveT bool
		sigs  [][]byte
	)
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return ErrNoSignature
			}
			ts, haveT = n, true
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	if !haveT || len(sigs) == 0 {
		return ErrNoSignature
	}
	t := time.Unix(ts, 0)
	if tolerance > 0 && (now.Sub(t) > tolerance || t.Sub(now) > tolerance) {
		return ErrTooOld
	}
	want := computeSignature(t, payload, secret)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return ErrNoValidSignature
}
