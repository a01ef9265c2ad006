package notify

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrNoLinkKey is returned when a secret link is sent by an Outbox without a LinkKey.
var ErrNoLinkKey = errors.New("no mail link key configured")

// ErrLinkUnsealable is returned when a sealed link cannot be opened: the key changed
// (an ephemeral key and a restart, say) or the row was tampered with.
var ErrLinkUnsealable = errors.New("sealed link cannot be opened with this mail key")

// LinkKey seals the secrets of links waiting in the outbox with AES-256-GCM. The key
// lives only in the configuration (HEARTH_MAIL_KEY), never in the database.
type LinkKey struct{ aead cipher.AEAD }

// NewLinkKey returns a LinkKey for a 32-byte key.
func NewLinkKey(key []byte) (*LinkKey, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("mail link key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("mail link key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("mail link key: %w", err)
	}
	return &LinkKey{aead: aead}, nil
}

// ParseLinkKey reads a 32-byte key written as base64 (standard or URL alphabet) or hex.
func ParseLinkKey(s string) (*LinkKey, error) {
	s = strings.TrimSpace(s)
	for _, dec := range []func(string) ([]byte, error){base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString} {
		if b, err := dec(s); err == nil && len(b) == 32 {
			return NewLinkKey(b)
		}
	}
	return nil, errors.New("mail link key must be 32 bytes written as base64 or hex (openssl rand -base64 32)")
}

// RandomLinkKey returns a fresh random key, for when none is configured: links then
// survive only as long as the process.
func RandomLinkKey() *LinkKey {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	k, _ := NewLinkKey(b)
	return k
}

// seal encrypts secret for the recipient to: the address is the additional data, so a
// sealed secret copied to another row does not open.
func (k *LinkKey) seal(secret, to string) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return k.aead.Seal(nonce, nonce, []byte(secret), additional(to))
}

func (k *LinkKey) open(sealed []byte, to string) (string, error) {
	if k == nil || len(sealed) < k.aead.NonceSize() {
		return "", ErrLinkUnsealable
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], additional(to))
	if err != nil {
		return "", ErrLinkUnsealable
	}
	return string(plain), nil
}

func additional(to string) []byte { return []byte("hearth mail link\x00" + strings.ToLower(to)) }
