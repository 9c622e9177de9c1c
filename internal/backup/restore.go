package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

// ErrCorrupt wraps every reason an archive is refused: unreadable,
// truncated, a checksum or size that does not match, a file missing from
// it or not named in its manifest, a damaged database.
var ErrCorrupt = errors.New("backup archive refused")

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Force replaces the database, attachments (and, when the archive
	// holds one, the key file) of a data directory that is not empty.
	// Other files there are left alone.
	Force bool
}

// Restore verifies the archive read from r and restores it into dataDir.
// Nothing in dataDir changes unless the whole archive checks out. The
// server must not be running on dataDir.
func Restore(ctx context.Context, r io.Reader, dataDir string, opt RestoreOptions) (*Manifest, error) {
	entries, err := os.ReadDir(dataDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("restore: %w", err)
	case len(entries) > 0 && !opt.Force:
		return nil, fmt.Errorf("restore: %w: %s (use --force to replace its database and attachments)", ErrNotEmpty, dataDir)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	stage, err := os.MkdirTemp(dataDir, ".restore-*")
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(stage)
	m, err := extract(ctx, r, stage)
	if err != nil {
		return nil, err
	}
	info, err := store.InspectSQLite(ctx, filepath.Join(stage, store.DBFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if info.SchemaVersion != m.SchemaVersion {
		return nil, fmt.Errorf("%w: the manifest says schema version %d, the database has %d", ErrCorrupt, m.SchemaVersion, info.SchemaVersion)
	}
	if len(info.Unknown) > 0 {
		return nil, fmt.Errorf("restore: the backup comes from a newer Frontdesk (%s, schema migrations %v unknown to this build): restore it with that version or later", m.Version, info.Unknown)
	}

	// Everything checked: move it into place.
	replace := []string{store.DBFile, store.DBFile + "-wal", store.DBFile + "-shm", AttachmentsDir}
	if m.IncludesKey {
		replace = append(replace, secrets.KeyFile)
	}
	for _, name := range replace {
		if err := os.RemoveAll(filepath.Join(dataDir, name)); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	moves := []string{store.DBFile}
	if _, err := os.Stat(filepath.Join(stage, AttachmentsDir)); err == nil {
		moves = append(moves, AttachmentsDir)
	}
	if m.IncludesKey {
		moves = append(moves, secrets.KeyFile)
	}
	// The database last: a restore cut short leaves no database behind,
	// so a retry (with --force) starts from scratch.
	slices.Reverse(moves)
	for _, name := range moves {
		if err := os.Rename(filepath.Join(stage, name), filepath.Join(dataDir, name)); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	return m, nil
}

// Verify reads the whole archive and checks it as Restore does, writing
// the files to a temporary directory it removes afterwards.
func Verify(ctx context.Context, r io.Reader, tempDir string) (*Manifest, error) {
	stage, err := os.MkdirTemp(tempDir, ".frontdesk-verify-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	m, err := extract(ctx, r, stage)
	if err != nil {
		return nil, err
	}
	info, err := store.InspectSQLite(ctx, filepath.Join(stage, store.DBFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if info.SchemaVersion != m.SchemaVersion {
		return nil, fmt.Errorf("%w: the manifest says schema version %d, the database has %d", ErrCorrupt, m.SchemaVersion, info.SchemaVersion)
	}
	return m, nil
}

// extract unpacks the archive into dir, checking every file against the
// manifest.
func extract(ctx context.Context, r io.Reader, dir string) (*Manifest, error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, corrupt("not a gzip archive: %v", err)
	}
	tr := tar.NewReader(gz)
	got := map[string]File{}
	var m *Manifest
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, corrupt("reading the archive: %v", err)
		}
		if m != nil {
			return nil, corrupt("%q follows the manifest", hdr.Name)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, corrupt("%q is not a regular file", hdr.Name)
		}
		if hdr.Name == ManifestName {
			body, err := io.ReadAll(io.LimitReader(tr, maxManifest+1))
			if err != nil {
				return nil, corrupt("reading the manifest: %v", err)
			}
			if len(body) > maxManifest {
				return nil, corrupt("the manifest is too large")
			}
			m = &Manifest{}
			if err := json.Unmarshal(body, m); err != nil {
				return nil, corrupt("the manifest is not valid: %v", err)
			}
			continue
		}
		if !validName(hdr.Name) {
			return nil, corrupt("unexpected file %q", hdr.Name)
		}
		if _, dup := got[hdr.Name]; dup {
			return nil, corrupt("%q appears twice", hdr.Name)
		}
		dest := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(dest, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		src := &readErr{r: tr}
		n, err := io.Copy(io.MultiWriter(f, h), src)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if src.err != nil {
			return nil, corrupt("reading %q: %v", hdr.Name, src.err)
		}
		if err != nil {
			return nil, fmt.Errorf("restore %q: %w", hdr.Name, err)
		}
		got[hdr.Name] = File{Name: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	// Read to the end of the gzip stream, so its length and CRC are
	// checked too (the tar reader stops at its end-of-archive blocks).
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, corrupt("reading the archive: %v", err)
	}
	if m == nil {
		return nil, corrupt("no manifest (truncated archive?)")
	}
	if m.Format != Format {
		return nil, corrupt("archive format %d, this build reads format %d", m.Format, Format)
	}
	listed := map[string]bool{}
	for _, f := range m.Files {
		if listed[f.Name] {
			return nil, corrupt("the manifest lists %q twice", f.Name)
		}
		listed[f.Name] = true
		g, ok := got[f.Name]
		switch {
		case !ok:
			return nil, corrupt("%q is missing", f.Name)
		case g.Size != f.Size:
			return nil, corrupt("%q has %d bytes, the manifest says %d", f.Name, g.Size, f.Size)
		case !strings.EqualFold(g.SHA256, f.SHA256):
			return nil, corrupt("%q fails its checksum", f.Name)
		}
	}
	for name := range got {
		if !listed[name] {
			return nil, corrupt("%q is not in the manifest", name)
		}
	}
	if !listed[store.DBFile] {
		return nil, corrupt("no database in the archive")
	}
	if m.IncludesKey != listed[secrets.KeyFile] {
		return nil, corrupt("the manifest and the archive disagree about the key file")
	}
	return m, nil
}

// readErr remembers a read error, to tell a damaged archive from a full
// disk.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}
