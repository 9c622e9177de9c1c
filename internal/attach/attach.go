// Package attach keeps attachment bytes in a blob backend: local disk under
// the data directory (the default on SQLite), the database itself (the
// default on PostgreSQL, so every instance reads every file), or
// S3-compatible object storage when configured. Blobs are named by random
// keys, never by user-supplied file names, so no upload can choose where it
// lands.
package attach

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// JobDeleteBlobs is the durable job that removes blobs (its payload: the
// keys) once the rows naming them are gone for good; services enqueue it
// in the transaction that deletes the rows, so a crash between the two
// cannot leave a row pointing at nothing.
const JobDeleteBlobs = "attachments.delete_blobs"

// ErrTooLarge is returned when a blob exceeds the store's limit.
var ErrTooLarge = errors.New("attachment too large")

// ErrNotFound is returned by Open for a key no backend holds.
var ErrNotFound = errors.New("attachment blob not found")

// Backend holds blob bytes under opaque keys. Every backend must pass the
// same contract (see backend_test.go): Put stores exactly what r yields and
// leaves nothing behind when r or the write fails; Open of a missing key
// returns an error wrapping ErrNotFound; Delete of a missing key is not an
// error (the deletion job may retry).
type Backend interface {
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// Store is what the services use: it names blobs, enforces the size limit
// and sniffs content types, whatever backend holds the bytes.
type Store struct {
	Backend Backend
	// Legacy, when set, is an older backend still holding blobs saved
	// before Backend was chosen (the data directory of an installation
	// that moved to the database or S3): Open falls back to it for keys
	// Backend lacks, and Delete removes from both. New blobs never go there.
	Legacy  Backend
	MaxSize int64
}

// New stores blobs on local disk under dir (created if needed).
func New(dir string, maxSize int64) (*Store, error) {
	d, err := NewDisk(dir)
	if err != nil {
		return nil, err
	}
	return &Store{Backend: d, MaxSize: maxSize}, nil
}

// NewWith stores blobs in b.
func NewWith(b Backend, maxSize int64) *Store { return &Store{Backend: b, MaxSize: maxSize} }

// Saved describes a stored blob.
type Saved struct {
	Key         string
	Size        int64
	ContentType string
}

// Save copies r to a new blob, refusing more than MaxSize bytes, and sniffs
// the content type from the bytes (the client's claim is not trusted: a
// "picture" that is really HTML must not be served as HTML).
func (s *Store) Save(ctx context.Context, r io.Reader, fileName string) (*Saved, error) {
	key := newKey()
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("read attachment: %w", err)
	}
	head = head[:n]
	body := &capped{r: io.MultiReader(bytes.NewReader(head), r), left: s.MaxSize}
	written, err := s.Backend.Put(ctx, key, body)
	if err == nil && written > s.MaxSize {
		err = ErrTooLarge
	}
	if err != nil {
		// Backends clean up after a failed Put; this is for the one that
		// succeeded with too many bytes, and costs nothing otherwise.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = s.Backend.Delete(dctx, key)
		if body.over {
			return nil, ErrTooLarge
		}
		return nil, fmt.Errorf("store attachment: %w", err)
	}
	return &Saved{Key: key, Size: written, ContentType: sniff(head, fileName)}, nil
}

// capped yields at most left bytes of r and then fails with ErrTooLarge if
// r has more, so a backend stops writing as soon as the limit is passed
// instead of storing the whole oversized upload first.
type capped struct {
	r    io.Reader
	left int64
	over bool
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			c.over = true
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
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

// Open returns the blob for reading; the caller closes it.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !validKey(key) {
		return nil, fmt.Errorf("bad attachment key")
	}
	rc, err := s.Backend.Open(ctx, key)
	if errors.Is(err, ErrNotFound) && s.Legacy != nil {
		return s.Legacy.Open(ctx, key)
	}
	return rc, err
}

// Delete removes a blob; a missing blob is not an error (jobs may retry).
func (s *Store) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return fmt.Errorf("bad attachment key")
	}
	if err := s.Backend.Delete(ctx, key); err != nil {
		return err
	}
	if s.Legacy != nil {
		return s.Legacy.Delete(ctx, key)
	}
	return nil
}

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
