package auth

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

// SeedKeySize is the length of a TOTP seed key: AES-256.
const SeedKeySize = 32

// sealedPrefix starts every sealed value: v1:<key id>:<base64(nonce|ciphertext)>.
const sealedPrefix = "v1:"

// Errors of sealing and opening TOTP seeds.
var (
	ErrNoSeedKey   = errors.New("no TOTP seed key is configured")
	ErrUnknownKey  = errors.New("the TOTP seed was sealed with a key that is not configured")
	ErrSealedValue = errors.New("the sealed TOTP seed is malformed or was tampered with")
)

// SeedKeys seal TOTP seeds at rest with AES-256-GCM (ASVS V2.8, V6.2, V6.4.1). Each sealed
// value names the key that sealed it, so a value sealed under an older key still opens
// while that key is given, and a rotation can tell which values to re-seal.
type SeedKeys struct {
	currentID string
	aeads     map[string]cipher.AEAD
}

// ParseSeedKey decodes a key given as base64 (standard or URL alphabet, padding
// optional) of exactly 32 bytes.
func ParseSeedKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != SeedKeySize {
				return nil, fmt.Errorf("TOTP key is %d bytes, want %d", len(b), SeedKeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("TOTP key is not base64")
}

// NewSeedKey returns a random key, base64-encoded, for a new key file.
func NewSeedKey() (string, error) {
	b := make([]byte, SeedKeySize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new TOTP key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// KeyID names a key without revealing it: the first 8 hex digits of its SHA-256.
func KeyID(key []byte) string {
	h := sha256.Sum256(key)
	return hex.EncodeToString(h[:4])
}

// NewSeedKeys seals with current and opens values sealed with current or any of older.
func NewSeedKeys(current []byte, older ...[]byte) (*SeedKeys, error) {
	k := &SeedKeys{aeads: map[string]cipher.AEAD{}}
	for i, key := range append([][]byte{current}, older...) {
		if len(key) != SeedKeySize {
			return nil, fmt.Errorf("TOTP key %d is %d bytes, want %d", i, len(key), SeedKeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("TOTP key: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("TOTP key: %w", err)
		}
		id := KeyID(key)
		if i == 0 {
			k.currentID = id
		}
		if _, dup := k.aeads[id]; !dup {
			k.aeads[id] = aead
		}
	}
	return k, nil
}

// CurrentID is the id of the key that seals.
func (k *SeedKeys) CurrentID() string { return k.currentID }

// Seal encrypts plain under the current key with a random nonce. context is bound in
// as additional data (the user a seed belongs to), so a sealed seed copied to another
// user's row does not open.
func (k *SeedKeys) Seal(plain, context string) (string, error) {
	if k == nil {
		return "", ErrNoSeedKey
	}
	aead := k.aeads[k.currentID]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal TOTP seed: %w", err)
	}
	out := aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return sealedPrefix + k.currentID + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same context.
func (k *SeedKeys) Open(sealed, context string) (string, error) {
	if k == nil {
		return "", ErrNoSeedKey
	}
	id, blob, ok := splitSealed(sealed)
	if !ok {
		return "", ErrSealedValue
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("key %s: %w", id, ErrUnknownKey)
	}
	raw, err := base64.RawStdEncoding.DecodeString(blob)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", ErrSealedValue
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(context))
	if err != nil {
		return "", ErrSealedValue
	}
	return string(plain), nil
}

// IsSealed reports whether v looks like a value made by Seal (and not a plaintext seed).
func IsSealed(v string) bool {
	_, _, ok := splitSealed(v)
	return ok
}

// SealedKeyID returns the id of the key that sealed v.
func SealedKeyID(v string) string {
	id, _, _ := splitSealed(v)
	return id
}

func splitSealed(v string) (id, blob string, ok bool) {
	rest, found := strings.CutPrefix(v, sealedPrefix)
	if !found {
		return "", "", false
	}
	id, blob, ok = strings.Cut(rest, ":")
	return id, blob, ok && len(id) == 8 && blob != ""
}

// seedContext is the additional data binding a stored seed to its user.
func seedContext(userID int64) string { return fmt.Sprintf("hearth totp seed user %d", userID) }

// enrolmentContext binds a seed offered during enrolment (kept in the session) to its user.
func enrolmentContext(userID int64) string {
	return fmt.Sprintf("hearth totp enrolment user %d", userID)
}
