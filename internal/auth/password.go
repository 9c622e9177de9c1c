// Package auth holds credentials: password hashes and API tokens. It knows
// nothing about HTTP; adapters pass it what the client presented.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are recorded inside every hash, so raising them later only
// affects new hashes and NeedsRehash can spot old ones at sign-in.
type Argon2Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
	KeyLen  uint32
}

// DefaultParams follow OWASP's argon2id recommendation (19 MiB, t=2, p=1).
var DefaultParams = Argon2Params{Time: 2, Memory: 19 * 1024, Threads: 1, KeyLen: 32}

// HashPassword returns an encoded argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	return hashWith(password, DefaultParams)
}

func hashWith(password string, p Argon2Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

func decode(encoded string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return p, nil, nil, errBadHash
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		return p, nil, nil, errBadHash
	}
	p.KeyLen = uint32(len(key))
	return p, salt, key, nil
}

// CheckPassword reports whether password matches encoded, in constant time.
func CheckPassword(encoded, password string) bool {
	p, salt, key, err := decode(encoded)
	if err != nil || p.Memory > 1<<21 || p.Time > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1
}

// NeedsRehash reports whether encoded was made with weaker parameters than
// DefaultParams.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	return err != nil || p.Memory < DefaultParams.Memory || p.Time < DefaultParams.Time || p.KeyLen < DefaultParams.KeyLen
}

// DummyCheck spends the time a real check would, so a sign-in for an unknown
// email takes as long as one with a wrong password.
func DummyCheck(password string) { CheckPassword(dummyHash(), password) }

// dummyHash is made at the first check that needs it, not at start-up: a
// hash costs DefaultParams.Memory of heap, which a server that nobody has
// signed in to yet would otherwise hold from its first second.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("frontdesk-timing-equaliser")
	return h
})
