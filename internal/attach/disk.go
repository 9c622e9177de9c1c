package attach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Disk keeps blobs as files under Dir, in subdirectories named by the key's
// first two characters. It is the default on SQLite, where there is only
// ever one instance.
type Disk struct{ Dir string }

// NewDisk creates dir if needed.
func NewDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &Disk{Dir: dir}, nil
}

func (d *Disk) path(key string) string { return filepath.Join(d.Dir, key[:2], key) }

// Put writes r to a new file; on any error the partial file is removed.
func (d *Disk) Put(_ context.Context, key string, r io.Reader) (int64, error) {
	path := d.path(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return 0, err
	}
	return n, nil
}

// Open opens the blob's file.
func (d *Disk) Open(_ context.Context, key string) (io.ReadCloser, error) {
	f, err := os.Open(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Delete removes the blob's file; a missing file is not an error.
func (d *Disk) Delete(_ context.Context, key string) error {
	err := os.Remove(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
