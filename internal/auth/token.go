package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// NewToken returns a random API token (256 bits, URL-safe) and its hash.
// Tokens carry full entropy, so a fast hash is as safe as a slow one and lets
// every API request verify in microseconds; only the hash is ever stored.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the lookup key stored for a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte("frontdesk-api-token:" + token))
	return hex.EncodeToString(sum[:])
}

// RandomString returns n random bytes, URL-safe encoded (upload tokens, ids).
func RandomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
