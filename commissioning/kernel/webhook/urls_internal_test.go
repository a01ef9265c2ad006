package webhook

import (
	"errors"
	"testing"
)

// TestDialControlChecksAddressAndPort: at connection time a name that resolved to a
// non-public address, or a port other than 443 and 8443, is refused (in production).
func TestDialControlChecksAddressAndPort(t *testing.T) {
	tests := []struct {
		address       string
		allowLoopback bool
		want          error
	}{
		{"8.8.8.8:443", false, nil},
		{"8.8.8.8:8443", false, nil},
		{"8.8.8.8:80", false, ErrTargetPort},
		{"8.8.8.8:6379", false, ErrTargetPort},
		{"8.8.8.8:6379", true, nil},
		{"[2001:0:4136:e378:8000:63bf:3fff:fdd2]:443", false, ErrPrivateTarget},
		{"[::a00:1]:443", false, ErrPrivateTarget},
		{"[64:ff9b:1::a00:1]:443", false, ErrPrivateTarget},
		{"[fec0::1]:443", false, ErrPrivateTarget},
		{"127.0.0.1:9999", true, nil},
		{"127.0.0.1:443", false, ErrPrivateTarget},
	}
	for _, tt := range tests {
		if err := dialControl(tt.allowLoopback)("tcp", tt.address, nil); !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Errorf("dialControl(%v)(%q) = %v, want %v", tt.allowLoopback, tt.address, err, tt.want)
		}
	}
}
