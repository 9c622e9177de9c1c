// Package secrets encrypts secrets that Frontdesk must be able to read back
// (TOTP seeds, and later SMTP or integration credentials) before they are
// stored, so a copy of the database alone reveals none of them.
//
// Sealing is AES-256-GCM with a random 96-bit nonce. A sealed value is text,
// "v1:" followed by standard base64 of nonce|ciphertext|tag, so it fits any
// TEXT column on both stores. Every value is sealed for a context string
// such as "totp:user:42", which is authenticated (GCM additional data) but
// not stored: a value copied into another user's row, or another kind of
// row, fails to open. Tampering, a wrong context and a wrong key all fail
// the same way, with ErrDecrypt.
//
// # The key
//
// Open takes the 32-byte key from the environment variable
// FRONTDESK_SECRET_KEY (base64, standard or URL alphabet, padded or not, or
// 64 hex digits; generate one with `openssl rand -base64 32`). When the
// variable is unset it uses the file secret.key in the data directory,
// creating it with a fresh random key and permissions 0600 on first use; a
// key file readable by group or others is refused.
//
// Deployments on PostgreSQL with more than one Frontdesk instance (or whose
// instances do not share a data directory) must set FRONTDESK_SECRET_KEY,
// to the same value on every instance: with per-instance key files each
// instance would seal with a key the others cannot open. The same holds for
// restoring a database backup elsewhere: keep the key with the backup,
// though not in the same place. Losing the key loses every sealed secret
// (for TOTP: every user must enrol again after an admin disables theirs).
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvKey names the environment variable Open reads the key from.
const EnvKey = "FRONTDESK_SECRET_KEY"

// KeyFile is the name of the key file Open uses inside the data directory.
const KeyFile = "secret.key"

// KeySize is the key length in bytes (AES-256).
const KeySize = 32

// version prefixes every sealed value, so the format can change later
// (another cipher, key rotation with key IDs) without ambiguity.
const version = "v1:"

// ErrDecrypt is returned by Box.Open for every value that does not open:
// tampered, sealed for another context, sealed with another key, or not a
// sealed value at all.
var ErrDecrypt = errors.New("secrets: cannot decrypt value (wrong key or context, or corrupted)")

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
	// derive is the root of keys made by DeriveKey, itself derived from the
	// instance key so that no derived key reveals the sealing key.
	derive []byte
	// older are keys values may still be sealed with (a key rotation that
	// did not finish, or values sealed by a server that still ran with
	// the previous key): Open tries them after the key; Seal never uses
	// them.
	older []*Box
}

// NewBox returns a Box for a 32-byte key. The key is copied.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(append([]byte(nil), key...))
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	root := hmac.New(sha256.New, key)
	root.Write([]byte("frontdesk:secrets:derive"))
	return &Box{aead: aead, derive: root.Sum(nil)}, nil
}

// DeriveKey returns a 32-byte key for purpose (for example signing ticket
// tokens in reply addresses), derived from the instance key with
// HMAC-SHA256. The same purpose gives the same key on every instance that
// shares the instance key; different purposes give unrelated keys.
func (b *Box) DeriveKey(purpose string) ([]byte, error) {
	if b == nil || b.derive == nil {
		return nil, errors.New("secrets: no key configured")
	}
	if purpose == "" {
		return nil, errors.New("secrets: empty purpose")
	}
	mac := hmac.New(sha256.New, b.derive)
	mac.Write([]byte(version + purpose))
	return mac.Sum(nil), nil
}

// Open returns a Box with the key from FRONTDESK_SECRET_KEY or, when that
// is unset or empty, from dataDir/secret.key (created on first use). An
// invalid FRONTDESK_SECRET_KEY is an error, never a silent fallback to the
// file.
func Open(dataDir string) (*Box, error) {
	if v := strings.TrimSpace(os.Getenv(EnvKey)); v != "" {
		key, err := ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("secrets: %s: %w", EnvKey, err)
		}
		b, err := NewBox(key)
		if err != nil {
			return nil, err
		}
		older, err := olderKeys("")
		if err != nil {
			return nil, err
		}
		return b.WithOlder(older...), nil
	}
	if dataDir == "" {
		return nil, fmt.Errorf("secrets: %s is not set and there is no data directory for %s", EnvKey, KeyFile)
	}
	key, err := loadOrCreateKeyFile(filepath.Join(dataDir, KeyFile))
	if err != nil {
		return nil, err
	}
	b, err := NewBox(key)
	if err != nil {
		return nil, err
	}
	older, err := olderKeys(dataDir)
	if err != nil {
		return nil, err
	}
	return b.WithOlder(older...), nil
}

// ParseKey decodes a key written as 64 hex digits or as base64 (standard or
// URL alphabet, with or without padding). Surrounding space is ignored.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("key must decode to %d bytes, got %d", KeySize, len(b))
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("key must be %d bytes as base64 or %d hex digits", KeySize, 2*KeySize)
}

// loadOrCreateKeyFile reads the key file at path, creating it first when it
// does not exist. Creation is atomic (write a temporary file, then link it
// into place), so two processes starting at once end up with one key.
func loadOrCreateKeyFile(path string) ([]byte, error) {
	key, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secrets: create data directory: %w", err)
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	content := []byte(base64.StdEncoding.EncodeToString(key) + "\n")
	tmp, err := os.CreateTemp(dir, ".secret.key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("secrets: create key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := writeAndClose(tmp, content); err != nil {
		return nil, fmt.Errorf("secrets: write key file: %w", err)
	}
	if err := os.Link(tmpName, path); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			// No hard links on this file system: create in place instead.
			f, oerr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if oerr != nil && !errors.Is(oerr, fs.ErrExist) {
				return nil, fmt.Errorf("secrets: create key file: %w", oerr)
			}
			if oerr == nil {
				if err := writeAndClose(f, content); err != nil {
					os.Remove(path)
					return nil, fmt.Errorf("secrets: write key file: %w", err)
				}
			}
		}
		// Another process created it first (or we just did): use the file.
		return readKeyFile(path)
	}
	syncDir(dir)
	return key, nil
}

func writeAndClose(f *os.File, content []byte) error {
	_, err := f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes the new directory entry durable (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// readKeyFile reads and checks an existing key file.
func readKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secrets: %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets: %s is accessible by group or others (mode %04o); run chmod 600 on it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("secrets: %s: %w", path, err)
	}
	return key, nil
}

// Seal encrypts plaintext for context and returns printable text. context
// names what the value is and whose (e.g. "totp:user:42"); the same context
// must be given to Open. It must not be empty.
func (b *Box) Seal(plaintext []byte, context string) (string, error) {
	if b == nil || b.aead == nil {
		return "", errors.New("secrets: no key configured")
	}
	if context == "" {
		return "", errors.New("secrets: empty context")
	}
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secrets: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, plaintext, additionalData(context))
	return version + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value from Seal sealed for the same context. Any failure
// is ErrDecrypt.
func (b *Box) Open(sealed, context string) ([]byte, error) {
	if b == nil || b.aead == nil {
		return nil, errors.New("secrets: no key configured")
	}
	rest, ok := strings.CutPrefix(sealed, version)
	if !ok || context == "" {
		return nil, ErrDecrypt
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, ErrDecrypt
	}
	ns := b.aead.NonceSize()
	pt, err := b.aead.Open(nil, raw[:ns], raw[ns:], additionalData(context))
	if err != nil {
		for _, o := range b.older {
			if pt, err := o.aead.Open(nil, raw[:ns], raw[ns:], additionalData(context)); err == nil {
				return pt, nil
			}
		}
		return nil, ErrDecrypt
	}
	return pt, nil
}

// additionalData binds the format version as well as the context, so a
// future format cannot be confused with this one.
func additionalData(context string) []byte { return []byte(version + context) }
