package seal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// NewToken returns a URL-safe random secret (32 bytes from crypto/rand) after prefix, and
// the SHA-256 of the whole, which alone is stored: the secret has 256 bits of entropy, so a
// fast hash suffices, and a copy of the database holds nothing that works (ASVS V2.9, V3.2).
// API tokens, session tokens and notices' acknowledgement links all use it.
func NewToken(prefix string) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("random token: %w", err)
	}
	tok := prefix + base64.RawURLEncoding.EncodeToString(b)
	return tok, HashToken(tok), nil
}

// HashToken is the SHA-256 of a token, as stored.
func HashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}
