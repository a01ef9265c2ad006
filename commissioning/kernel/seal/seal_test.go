package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"
)

// TestSealOpens proves a value opens only with its key and additional data, and that
// two seals of one value differ (a fresh nonce each) (ASVS 4.0 V6.2.1, V6.2.5).
func TestSealOpens(t *testing.T) {
	raw, err := Random()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := Random()
	k, _ := NewKey(raw)
	k2, _ := NewKey(other)
	a, err := k.Seal([]byte("secret"), []byte("user 1"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Seal([]byte("secret"), []byte("user 1"))
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
	if got, err := k.Open(a, []byte("user 1")); err != nil || string(got) != "secret" {
		t.Fatalf("open = %q, %v", got, err)
	}
	tampered := append([]byte{}, a...)
	tampered[len(tampered)-1] ^= 1
	for name, try := range map[string]func() ([]byte, error){
		"OtherAdditionalData": func() ([]byte, error) { return k.Open(a, []byte("user 2")) },
		"OtherKey":            func() ([]byte, error) { return k2.Open(a, []byte("user 1")) },
		"Tampered":            func() ([]byte, error) { return k.Open(tampered, []byte("user 1")) },
		"Short":               func() ([]byte, error) { return k.Open(a[:5], []byte("user 1")) },
	} {
		if _, err := try(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: err = %v, want ErrOpen", name, err)
		}
	}
	if k.ID() == k2.ID() || len(k.ID()) != 8 {
		t.Fatalf("ids %q %q", k.ID(), k2.ID())
	}
}

func TestParseKey(t *testing.T) {
	raw, _ := Random()
	for _, tt := range []struct {
		name   string
		in     string
		hexToo bool
		ok     bool
	}{
		{"Base64", base64.StdEncoding.EncodeToString(raw), false, true},
		{"Base64URLRaw", base64.RawURLEncoding.EncodeToString(raw), false, true},
		{"HexWhenAllowed", hex.EncodeToString(raw), true, true},
		{"ErrHexWhenNot", hex.EncodeToString(raw), false, false},
		{"ErrShort", base64.StdEncoding.EncodeToString(raw[:16]), true, false},
		{"ErrGarbage", "not a key!", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.in, tt.hexToo)
			if (err == nil) != tt.ok || (tt.ok && !bytes.Equal(got, raw)) {
				t.Fatalf("ParseKey = %x, %v", got, err)
			}
		})
	}
}
