package attach

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/frontdesk/frontdesk/internal/store"
)

// DefaultChunkSize is how many bytes one blob_chunks row holds. It bounds
// the memory one upload or download needs (one chunk at a time), and keeps
// every statement small.
const DefaultChunkSize = 1 << 20

// Database keeps blobs in the store's blobs and blob_chunks tables (this
// package is their only writer). It is the default on PostgreSQL, where
// several instances share the database but no disk.
//
// Put writes the chunks one statement each, outside any transaction — a
// slow client must not hold a transaction open — and then the blobs row,
// which marks the blob complete: Open refuses a key without one. A Put that
// fails removes its chunks; only a crash between the first chunk and the
// blobs row leaves chunks behind, and those belong to a key nothing refers
// to (see PurgeIncomplete).
type Database struct {
	DB        *store.DB
	ChunkSize int
}

// NewDatabase stores blobs in db.
func NewDatabase(db *store.DB) *Database { return &Database{DB: db, ChunkSize: DefaultChunkSize} }

// Put stores r in chunks and then marks the blob complete.
func (d *Database) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	size := d.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	buf := make([]byte, size)
	var total int64
	seq := 0
	fail := func(err error) (int64, error) {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = d.DB.Exec(dctx, `DELETE FROM blob_chunks WHERE blob_key = ?`, key)
		return 0, err
	}
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			if _, err := d.DB.Exec(ctx, `INSERT INTO blob_chunks (blob_key, seq, data, created_at) VALUES (?, ?, ?, ?)`,
				key, seq, buf[:n], store.Now()); err != nil {
				return fail(fmt.Errorf("write blob chunk: %w", err))
			}
			seq++
			total += int64(n)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fail(rerr)
		}
	}
	if _, err := d.DB.Exec(ctx, `INSERT INTO blobs (blob_key, size, chunks, created_at) VALUES (?, ?, ?, ?)`,
		key, total, seq, store.Now()); err != nil {
		return fail(fmt.Errorf("write blob: %w", err))
	}
	return total, nil
}

// Open returns a reader that fetches one chunk at a time.
func (d *Database) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	var chunks int
	err := d.DB.QueryRow(ctx, `SELECT chunks FROM blobs WHERE blob_key = ?`, key).Scan(&chunks)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob: %w", err)
	}
	return &chunkReader{ctx: ctx, db: d.DB, key: key, chunks: chunks}, nil
}

// Delete removes the blob (its completion mark first, then its chunks).
func (d *Database) Delete(ctx context.Context, key string) error {
	return d.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM blobs WHERE blob_key = ?`, key); err != nil {
			return fmt.Errorf("delete blob: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM blob_chunks WHERE blob_key = ?`, key); err != nil {
			return fmt.Errorf("delete blob chunks: %w", err)
		}
		return nil
	})
}

// PurgeIncomplete removes chunks older than before (microseconds) whose
// blob was never completed — what a crash in the middle of a Put leaves.
func (d *Database) PurgeIncomplete(ctx context.Context, before int64) (int64, error) {
	res, err := d.DB.Exec(ctx, `DELETE FROM blob_chunks WHERE created_at < ?
		AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.blob_key = blob_chunks.blob_key)`, before)
	if err != nil {
		return 0, fmt.Errorf("purge incomplete blobs: %w", err)
	}
	return res.RowsAffected()
}

type chunkReader struct {
	ctx    context.Context
	db     *store.DB
	key    string
	chunks int
	next   int
	cur    []byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.next >= c.chunks {
			return 0, io.EOF
		}
		var data []byte
		err := c.db.QueryRow(c.ctx, `SELECT data FROM blob_chunks WHERE blob_key = ? AND seq = ?`, c.key, c.next).Scan(&data)
		if err != nil {
			return 0, fmt.Errorf("read blob chunk %d: %w", c.next, err)
		}
		c.cur = data
		c.next++
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func (c *chunkReader) Close() error {
	c.cur = nil
	c.next = c.chunks
	return nil
}
