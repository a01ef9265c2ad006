package notify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
)

// ErrNoLinkKey is returned when a secret link is sent by an Outbox without a LinkKey.
var ErrNoLinkKey = errors.New("no mail link key configured")

// ErrLinkUnsealable is returned when a sealed link cannot be opened: the key changed
// (an ephemeral key and a restart, say) or the row was tampered with.
var ErrLinkUnsealable = errors.New("sealed link cannot be opened with this mail key")

// LinkKey seals the secrets of links waiting in the outbox (AES-256-GCM, package
// seal). The key lives only in the configuration (HEARTH_MAIL_KEY), never in the database.
type LinkKey struct{ key *seal.Key }

// NewLinkKey returns a LinkKey for a 32-byte key.
func NewLinkKey(raw []byte) (*LinkKey, error) {
	k, err := seal.NewKey(raw)
	if err != nil {
		return nil, fmt.Errorf("mail link key: %w", err)
	}
	return &LinkKey{key: k}, nil
}

// ParseLinkKey reads a 32-byte key written as base64 (standard or URL alphabet) or hex.
func ParseLinkKey(s string) (*LinkKey, error) {
	raw, err := seal.ParseKey(s, true)
	if err != nil {
		return nil, errors.New("mail link key must be 32 bytes written as base64 or hex (openssl rand -base64 32)")
	}
	return NewLinkKey(raw)
}

// RandomLinkKey returns a fresh random key, for when none is configured: links then
// survive only as long as the process.
func RandomLinkKey() *LinkKey {
	raw, err := seal.Random()
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	k, _ := NewLinkKey(raw)
	return k
}

// seal encrypts secret for the recipient to: the address is the additional data, so a
// sealed secret copied to another row does not open.
func (k *LinkKey) seal(secret, to string) []byte {
	out, err := k.key.Seal([]byte(secret), additional(to))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return out
}

func (k *LinkKey) open(sealed []byte, to string) (string, error) {
	if k == nil {
		return "", ErrLinkUnsealable
	}
	plain, err := k.key.Open(sealed, additional(to))
	if err != nil {
		return "", ErrLinkUnsealable
	}
	return string(plain), nil
}

func additional(to string) []byte { return []byte("hearth mail link\x00" + strings.ToLower(to)) }
