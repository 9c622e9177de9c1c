package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Key rotation (`frontdesk keys rotate`) re-seals every stored value under
// a new key in one transaction. The key files make it safe to stop at any
// point:
//
//  1. the new key is written to secret.key.new (kept if it is already
//     there: an earlier rotation stopped after it, perhaps after its
//     commit);
//  2. one transaction re-seals every value, opening with any known key;
//  3. secret.key becomes secret.key.old and secret.key.new becomes
//     secret.key.
//
// Open reads secret.key.new and secret.key.old (and the variable
// FRONTDESK_PREVIOUS_SECRET_KEY) as older keys: values sealed with them
// still open, whichever step a rotation reached.

// NewKeyFile and OldKeyFile are the key files of a rotation under way and
// of the previous key.
const (
	NewKeyFile = KeyFile + ".new"
	OldKeyFile = KeyFile + ".old"
)

// EnvPreviousKey names the variable holding the previous key when the key
// comes from FRONTDESK_SECRET_KEY: values not yet re-sealed open with it.
const EnvPreviousKey = "FRONTDESK_PREVIOUS_SECRET_KEY"

// WithOlder returns a Box that seals with b's key and opens with b's key
// or, failing that, with each of older in turn.
func (b *Box) WithOlder(older ...*Box) *Box {
	nb := *b
	nb.older = append([]*Box(nil), b.older...)
	for _, o := range older {
		if o != nil && o != b {
			nb.older = append(nb.older, o)
		}
	}
	return &nb
}

// Older returns the boxes of the older keys b opens with.
func (b *Box) Older() []*Box { return append([]*Box(nil), b.older...) }

// DeriveKeys returns the key DeriveKey gives for purpose under b's key,
// then under each older key: a signature made before a rotation verifies
// against one of them.
func (b *Box) DeriveKeys(purpose string) ([][]byte, error) {
	k, err := b.DeriveKey(purpose)
	if err != nil {
		return nil, err
	}
	out := [][]byte{k}
	for _, o := range b.older {
		if k, err := o.DeriveKey(purpose); err == nil {
			out = append(out, k)
		}
	}
	return out, nil
}

// olderKeys loads the older keys Open adds to a Box: the rotation files in
// dataDir and FRONTDESK_PREVIOUS_SECRET_KEY.
func olderKeys(dataDir string) ([]*Box, error) {
	var out []*Box
	if v := strings.TrimSpace(os.Getenv(EnvPreviousKey)); v != "" {
		key, err := ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("secrets: %s: %w", EnvPreviousKey, err)
		}
		b, err := NewBox(key)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if dataDir == "" {
		return out, nil
	}
	for _, name := range []string{NewKeyFile, OldKeyFile} {
		key, err := readKeyFile(filepath.Join(dataDir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		b, err := NewBox(key)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// KeyConfigured says whether Open would find an existing key rather than
// create a new one: FRONTDESK_SECRET_KEY is set or dataDir holds a key
// file.
func KeyConfigured(dataDir string) bool {
	if strings.TrimSpace(os.Getenv(EnvKey)) != "" {
		return true
	}
	if dataDir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(dataDir, KeyFile))
	return err == nil
}

// NewKey returns a fresh random key.
func NewKey() ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return key, nil
}

// EncodeKey writes key as FRONTDESK_SECRET_KEY and the key file take it.
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// PrepareRotation returns the Box of the next key for dataDir's key file:
// the one in secret.key.new when an earlier rotation left it, else a new
// key it writes there first (durably, mode 0600).
func PrepareRotation(dataDir string) (*Box, error) {
	path := filepath.Join(dataDir, NewKeyFile)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = loadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	return NewBox(key)
}

// FinishRotation makes secret.key.new the key (secret.key) and keeps the
// previous key as secret.key.old. Call it once every value is re-sealed
// with the new key and committed.
func FinishRotation(dataDir string) error {
	cur, next, old := filepath.Join(dataDir, KeyFile), filepath.Join(dataDir, NewKeyFile), filepath.Join(dataDir, OldKeyFile)
	if _, err := readKeyFile(next); err != nil {
		return fmt.Errorf("secrets: finish rotation: %w", err)
	}
	if err := os.Rename(cur, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("secrets: finish rotation: %w", err)
	}
	if err := os.Rename(next, cur); err != nil {
		return fmt.Errorf("secrets: finish rotation: %w", err)
	}
	syncDir(dataDir)
	return nil
}
