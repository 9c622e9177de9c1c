// Package attach keeps attachment bytes on local disk under the data
// directory. Blobs are named by random keys, never by user-supplied file
// names, so no upload can choose where it lands.
package attach

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// ErrTooLarge is returned when a blob exceeds the store's limit.
var ErrTooLarge = errors.New("attachment too large")

// Store writes blobs into Dir.
type Store struct {
	Dir     string
	MaxSize int64
}

// New creates the directory if needed.
func New(dir string, maxSize int64) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &Store{Dir: dir, MaxSize: maxSize}, nil
}

// Saved describes a stored blob.
type Saved struct {
	Key         string
	Size        int64
	ContentType string
}

// Save copies r to a new blob, refusing more than MaxSize bytes, and sniffs
// the content type from the bytes (the client's claim is not trusted: a
// "picture" that is really HTML must not be served as HTML).
func (s *Store) Save(r io.Reader, fileName string) (*Saved, error) {
	key := newKey()
	path := s.path(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	written, err := io.Copy(f, io.MultiReader(strings.NewReader(string(head)), io.LimitReader(r, s.MaxSize-int64(n)+1)))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && written > s.MaxSize {
		err = ErrTooLarge
	}
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return &Saved{Key: key, Size: written, ContentType: sniff(head, fileName)}, nil
}

// sniff trusts the bytes first; only for generic text or binary does the
// file name's extension refine the type, and never towards an active type.
func sniff(head []byte, fileName string) string {
	ct := http.DetectContentType(head)
	if ct == "application/octet-stream" || strings.HasPrefix(ct, "text/plain") {
		if byExt := mime.TypeByExtension(strings.ToLower(filepath.Ext(fileName))); byExt != "" && !active(byExt) {
			return byExt
		}
	}
	if active(ct) {
		return "text/plain; charset=utf-8"
	}
	return ct
}

// active types could run script if a browser rendered them from our origin.
func active(ct string) bool {
	ct = strings.ToLower(ct)
	for _, bad := range []string{"html", "javascript", "xml", "svg", "ecmascript"} {
		if strings.Contains(ct, bad) {
			return true
		}
	}
	return false
}

// Open returns the blob for reading.
func (s *Store) Open(key string) (*os.File, error) {
	if !validKey(key) {
		return nil, fmt.Errorf("bad attachment key")
	}
	return os.Open(s.path(key))
}

// Delete removes a blob; a missing blob is not an error (jobs may retry).
func (s *Store) Delete(key string) error {
	if !validKey(key) {
		return fmt.Errorf("bad attachment key")
	}
	err := os.Remove(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func (s *Store) path(key string) string { return filepath.Join(s.Dir, key[:2], key) }

func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func validKey(k string) bool {
	if len(k) != 32 {
		return false
	}
	_, err := hex.DecodeString(k)
	return err == nil
}
