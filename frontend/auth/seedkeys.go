package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
)

// SeedKeySize is the length of a TOTP seed key: AES-256.
const SeedKeySize = seal.KeySize

// sealedPrefix starts every sealed value: v1:<key id>:<base64(nonce|ciphertext)>.
const sealedPrefix = "v1:"

// Errors of sealing and opening TOTP seeds.
var (
	ErrNoSeedKey   = errors.New("no TOTP seed key is configured")
	ErrUnknownKey  = errors.New("the TOTP seed was sealed with a key that is not configured")
	ErrSealedValue = errors.New("the sealed TOTP seed is malformed or was tampered with")
)

// SeedKeys seal TOTP seeds at rest with AES-256-GCM (package seal; ASVS V2.8, V6.2,
// V6.4.1). Each sealed value names the key that sealed it, so a value sealed under an
// older key still opens while that key is given, and a rotation can tell which values
// to re-seal.
type SeedKeys struct {
	currentID string
	keys      map[string]*seal.Key
}

// ParseSeedKey decodes a key given as base64 (standard or URL alphabet, padding
// optional) of exactly 32 bytes.
func ParseSeedKey(s string) ([]byte, error) {
	b, err := seal.ParseKey(s, false)
	if err != nil {
		return nil, fmt.Errorf("TOTP key: %w", err)
	}
	return b, nil
}

// NewSeedKey returns a random key, base64-encoded, for a new key file.
func NewSeedKey() (string, error) {
	b, err := seal.Random()
	if err != nil {
		return "", fmt.Errorf("new TOTP key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// NewSeedKeys seals with current and opens values sealed with current or any of older.
func NewSeedKeys(current []byte, older ...[]byte) (*SeedKeys, error) {
	k := &SeedKeys{keys: map[string]*seal.Key{}}
	for i, raw := range append([][]byte{current}, older...) {
		key, err := seal.NewKey(raw)
		if err != nil {
			return nil, fmt.Errorf("TOTP key %d: %w", i, err)
		}
		if i == 0 {
			k.currentID = key.ID()
		}
		if _, dup := k.keys[key.ID()]; !dup {
			k.keys[key.ID()] = key
		}
	}
	return k, nil
}

// CurrentID is the id of the key that seals.
func (k *SeedKeys) CurrentID() string { return k.currentID }

// Seal encrypts plain under the current key. context is bound in as additional data
// (the user a seed belongs to), so a sealed seed copied to another user's row does not
// open.
func (k *SeedKeys) Seal(plain, context string) (string, error) {
	if k == nil {
		return "", ErrNoSeedKey
	}
	out, err := k.keys[k.currentID].Seal([]byte(plain), []byte(context))
	if err != nil {
		return "", fmt.Errorf("seal TOTP seed: %w", err)
	}
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
	key, ok := k.keys[id]
	if !ok {
		return "", fmt.Errorf("key %s: %w", id, ErrUnknownKey)
	}
	raw, err := base64.RawStdEncoding.DecodeString(blob)
	if err != nil {
		return "", ErrSealedValue
	}
	plain, err := key.Open(raw, []byte(context))
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

// draftContext binds a form draft kept in the session to its user and organisation.
func draftContext(userID, orgID int64) string {
	return fmt.Sprintf("hearth form draft user %d organisation %d", userID, orgID)
}

// KeyID names a key without revealing it (see seal.Key.ID); "" for a malformed key.
func KeyID(key []byte) string {
	k, err := seal.NewKey(key)
	if err != nil {
		return ""
	}
	return k.ID()
}
