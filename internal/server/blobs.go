package server

import (
	"context"
	"os"
	"path/filepath"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/store"
)

// openBlobs picks where attachment bytes live: S3-compatible storage when
// configured, else the database on PostgreSQL (every instance reads it, no
// shared disk needed) and the data directory on SQLite. When the choice is
// not the data directory but that directory already holds attachments (an
// installation that moved), they stay readable from there.
func openBlobs(ctx context.Context, cfg Config, db *store.DB) (*attach.Store, error) {
	dir := filepath.Join(cfg.DataDir, "attachments")
	var b attach.Backend
	switch {
	case cfg.S3.Enabled():
		s3, err := attach.NewS3(ctx, cfg.S3)
		if err != nil {
			return nil, err
		}
		b = s3
	case db.Dialect == store.Postgres:
		b = attach.NewDatabase(db)
	default:
		return attach.New(dir, cfg.MaxUpload)
	}
	s := attach.NewWith(b, cfg.MaxUpload)
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		s.Legacy = &attach.Disk{Dir: dir}
	}
	return s, nil
}
