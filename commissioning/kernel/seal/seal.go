// Package seal encrypts Hearth's secrets at rest (TOTP seeds, links waiting in the
// outbox) with AES-256-GCM: one random nonce per value, and additional data that binds
// each value to its owner, so a value copied to another row does not open. It is the
// one place Hearth calls the standard library's AEAD; callers hold keys from config.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// ErrOpen is returned when a value cannot be opened: another key sealed it, its
// additional data differs, or it was tampered with.
var ErrOpen = errors.New("sealed value cannot be opened")

// Key seals and opens values.
type Key struct {
	aead cipher.AEAD
	id   string
}

// NewKey returns a Key for KeySize bytes of key material.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("key is %d bytes, want %d", len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	h := sha256.Sum256(raw)
	return &Key{aead: aead, id: hex.EncodeToString(h[:4])}, nil
}

// ParseKey decodes key material written as base64 (standard or URL alphabet, padding
// optional) or, when hex is true, also as hex; it must be KeySize bytes.
func ParseKey(s string, hexToo bool) ([]byte, error) {
	s = strings.TrimSpace(s)
	decoders := []func(string) ([]byte, error){base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString}
	if hexToo {
		decoders = append(decoders, hex.DecodeString)
	}
	var sizeErr error
	for _, dec := range decoders {
		b, err := dec(s)
		if err != nil {
			continue
		}
		if len(b) == KeySize {
			return b, nil
		}
		sizeErr = fmt.Errorf("key is %d bytes, want %d", len(b), KeySize)
	}
	if sizeErr != nil {
		return nil, sizeErr
	}
	return nil, errors.New("key is not base64")
}

// Random returns fresh random key material.
func Random() ([]byte, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("random key: %w", err)
	}
	return b, nil
}

// ID names the key without revealing it: the first 8 hex digits of its SHA-256.
func (k *Key) ID() string { return k.id }

// Seal encrypts plain with a random nonce, binding ad; the result is nonce|ciphertext.
func (k *Key) Seal(plain, ad []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return k.aead.Seal(nonce, nonce, plain, ad), nil
}

// Open decrypts a value made by Seal with the same ad. Returns ErrOpen otherwise.
func (k *Key) Open(sealed, ad []byte) ([]byte, error) {
	if k == nil {
		return nil, ErrOpen
	}
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, ErrOpen
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
