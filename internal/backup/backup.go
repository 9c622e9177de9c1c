// Package backup makes and restores online backups of an embedded
// (SQLite) Frontdesk: one gzip-compressed tar archive holding a consistent
// snapshot of the database, the attachments kept in the data directory,
// optionally the secret key file, and last a manifest (manifest.json) with
// the archive format, the Frontdesk and schema versions, the creation time
// and the size and SHA-256 of every file.
//
// Create runs while `frontdesk serve` uses the same data directory: the
// database is copied with VACUUM INTO inside one read transaction (see
// store.SnapshotSQLite), so the copy holds every transaction committed
// before the backup began, and the attachment files are copied after it,
// so every attachment the copy refers to is complete on disk (attachment
// files are written before the transaction that records them commits).
// Files of uploads still in flight may be copied too; they are harmless
// orphans the usual purge removes.
//
// Restore verifies the whole archive (every checksum, no unexpected or
// missing file, the database's own integrity check) in a staging directory
// before it moves anything into the data directory.
//
// PostgreSQL deployments back up with pg_dump and pg_restore instead (see
// the README), as the database holds the attachments there too.
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
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Format is the archive layout version written in the manifest.
const Format = 1

// ManifestName is the manifest's name in the archive, its last entry.
const ManifestName = "manifest.json"

// AttachmentsDir is the directory of attachment files inside the data
// directory and inside the archive.
const AttachmentsDir = "attachments"

// maxManifest bounds the manifest read on restore.
const maxManifest = 64 << 20

// ErrPostgres is returned for a PostgreSQL deployment.
var ErrPostgres = errors.New("backup and restore cover the embedded SQLite store; on PostgreSQL use pg_dump -Fc and pg_restore " +
	"(the database holds the attachments too; see \"Backups\" in the README)")

// ErrNotEmpty is returned by Restore for a data directory that holds files
// when Force is not set.
var ErrNotEmpty = errors.New("the data directory is not empty")

// Manifest describes an archive.
type Manifest struct {
	Format        int       `json:"format"`
	Version       string    `json:"frontdesk_version"`
	SchemaVersion int       `json:"schema_version"`
	CreatedAt     time.Time `json:"created_at"`
	IncludesKey   bool      `json:"includes_key"`
	Files         []File    `json:"files"`
}

// File is one file of the archive.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Options tune Create.
type Options struct {
	// Version is the Frontdesk version recorded in the manifest.
	Version string
	// IncludeKey adds the data directory's secret.key to the archive.
	// Without it (the default) sealed secrets in the backup open only with
	// the key kept elsewhere.
	IncludeKey bool
	// TempDir holds the database snapshot while the archive is written
	// (default: the system's temporary directory).
	TempDir string
	// Now stamps the manifest (default time.Now).
	Now func() time.Time
}

// Create writes a backup of the SQLite store in dataDir to w.
func Create(ctx context.Context, dataDir string, w io.Writer, opt Options) (*Manifest, error) {
	if opt.IncludeKey {
		if fi, err := os.Stat(filepath.Join(dataDir, secrets.KeyFile)); err != nil || !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("backup: --include-key: no key file %s in the data directory (is the key set by %s?)", secrets.KeyFile, secrets.EnvKey)
		}
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	m := &Manifest{Format: Format, Version: opt.Version, CreatedAt: now().UTC().Truncate(time.Second), IncludesKey: opt.IncludeKey, Files: []File{}}
	tmp, err := os.MkdirTemp(opt.TempDir, ".frontdesk-backup-*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, store.DBFile)
	info, err := store.SnapshotSQLite(ctx, dataDir, snap)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	m.SchemaVersion = info.SchemaVersion

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	add := func(name, src string, missingOK bool) error {
		f, err := os.Open(src)
		if err != nil {
			if missingOK && errors.Is(err, fs.ErrNotExist) {
				return nil // removed since the snapshot: no longer referenced
			}
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		size := fi.Size()
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: fi.ModTime().UTC().Truncate(time.Second), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		h := sha256.New()
		// Exactly the size announced: a file still being written (an
		// upload in flight, so not in the snapshot) may grow meanwhile.
		if _, err := io.CopyN(io.MultiWriter(tw, h), f, size); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		m.Files = append(m.Files, File{Name: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))})
		return ctx.Err()
	}
	if err := add(store.DBFile, snap, false); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	attDir := filepath.Join(dataDir, AttachmentsDir)
	err = filepath.WalkDir(attDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dataDir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !validName(name) {
			return nil // not an attachment file (editor backups, temporary files)
		}
		return add(name, p, true)
	})
	if err != nil {
		return nil, fmt.Errorf("backup: attachments: %w", err)
	}
	if opt.IncludeKey {
		if err := add(secrets.KeyFile, filepath.Join(dataDir, secrets.KeyFile), false); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	body = append(body, '\n')
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: ManifestName, Size: int64(len(body)), Mode: 0o600, ModTime: m.CreatedAt, Format: tar.FormatPAX}); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(body); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// validName accepts the names an archive may hold besides the manifest:
// the database, the key file and attachments/XX/KEY (the disk backend's
// layout, see attach.Disk), all plain names without any path tricks.
func validName(name string) bool {
	switch name {
	case store.DBFile, secrets.KeyFile:
		return true
	}
	parts := strings.Split(name, "/")
	if len(parts) != 3 || parts[0] != AttachmentsDir || path.Clean(name) != name {
		return false
	}
	dir, key := parts[1], parts[2]
	if len(dir) != 2 || len(key) < 2 || key[:2] != dir {
		return false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
