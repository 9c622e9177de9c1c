package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// SQLite has one writer at a time, and every commit writes each page it
// touched to the WAL. Concurrent transactions are therefore run back to back
// inside one real transaction — group commit — each in a savepoint of its
// own so that one failing leaves the others untouched. Pages shared by
// consecutive writes (the tail of each B-tree and index) are then written
// once per batch rather than once per request.

// maxBatch bounds how many transactions share one commit, and so how long
// the first of them waits for the last.
const maxBatch = 64

type writeReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan writeResult
}

type writeResult struct {
	err   error
	hooks []func()
}

// batcher owns the SQLite write connection.
type batcher struct {
	db    *DB
	conn  *sql.Conn // the one write connection, held for the store's life
	stmts *stmtCache
	queue chan writeReq
	stop  chan struct{}
	done  chan struct{}
	// batches and txs count what group commit achieved (for benchmarks).
	batches, txs atomic.Int64
}

func newBatcher(ctx context.Context, db *DB) (*batcher, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	b := &batcher{db: db, conn: conn, stmts: &stmtCache{conn: conn, max: 512},
		queue: make(chan writeReq, 1024), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop()
	go b.checkpointer()
	return b, nil
}

// checkpointer copies the WAL back into the database file off the request
// path. PASSIVE never blocks the writer or readers; when the WAL has grown
// large anyway (readers kept old snapshots alive), a RESTART checkpoint
// waits for them so the log can be reused from its start.
func (b *batcher) checkpointer() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var busy, logPages, done int
		err := b.db.read.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &done)
		if err == nil && logPages > 20000 {
			_ = b.db.read.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &logPages, &done)
		}
		cancel()
	}
}

func (b *batcher) close() {
	close(b.stop)
	<-b.done
	b.stmts.close()
	b.conn.Close()
}

func (b *batcher) submit(ctx context.Context, fn func(*Tx) error) error {
	req := writeReq{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case b.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return fmt.Errorf("store is closed")
	}
	res := <-req.done // once queued, the outcome is always reported
	if res.err != nil {
		return res.err
	}
	for _, h := range res.hooks {
		h()
	}
	return nil
}

func (b *batcher) loop() {
	defer close(b.done)
	batch := make([]writeReq, 0, maxBatch)
	for {
		select {
		case <-b.stop:
			// Finish what was queued before the store closed.
			for {
				select {
				case r := <-b.queue:
					b.run([]writeReq{r})
				default:
					return
				}
			}
		case r := <-b.queue:
			batch = append(batch[:0], r)
		fill:
			for len(batch) < maxBatch {
				select {
				case r := <-b.queue:
					batch = append(batch, r)
				default:
					break fill
				}
			}
			b.run(batch)
		}
	}
}

// run executes one batch. The fast path runs every transaction back to back
// with no savepoints (they cost a copy of every page touched) and commits
// once. If any of them fails, the batch is rolled back and run again with a
// savepoint around each, so the failure is undone alone. Transaction
// functions must therefore be safe to run twice: they only touch the
// database through tx, and register side effects with AfterCommit.
func (b *batcher) run(batch []writeReq) {
	b.batches.Add(1)
	b.txs.Add(int64(len(batch)))
	if len(batch) > 1 {
		if results, ok := b.attempt(batch, false); ok {
			b.deliver(batch, results)
			return
		}
	}
	results, _ := b.attempt(batch, true)
	b.deliver(batch, results)
}

// attempt runs the batch once. Without savepoints it gives up (rolling back)
// at the first failure and reports ok=false; with them it always finishes.
func (b *batcher) attempt(batch []writeReq, savepoints bool) ([]writeResult, bool) {
	ctx := context.Background()
	results := make([]writeResult, len(batch))
	fail := func(err error) ([]writeResult, bool) {
		for i := range results {
			results[i] = writeResult{err: err}
		}
		return results, true
	}
	if _, err := b.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fail(fmt.Errorf("begin: %w", err))
	}
	single := len(batch) == 1
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		tx := &Tx{db: b.db, tx: b.conn}
		traced(r.ctx, "BEGIN")
		useSP := savepoints && !single
		if useSP {
			if _, err := b.exec(ctx, "SAVEPOINT fd_tx"); err != nil {
				results[i].err = err
				continue
			}
		}
		err := safeCall(r.fn, tx)
		switch {
		case err != nil && !savepoints:
			b.rollback()
			return nil, false
		case err != nil && useSP:
			if _, rerr := b.exec(ctx, "ROLLBACK TO fd_tx"); rerr != nil {
				err = fmt.Errorf("%w (and rollback failed: %v)", err, rerr)
			}
		}
		if useSP {
			if _, rerr := b.exec(ctx, "RELEASE fd_tx"); rerr != nil && err == nil {
				err = rerr
			}
		}
		results[i] = writeResult{err: err, hooks: tx.hooks}
		traced(r.ctx, "COMMIT")
	}
	if single && results[0].err != nil {
		b.rollback()
		return results, true
	}
	if _, err := b.conn.ExecContext(ctx, "COMMIT"); err != nil {
		b.rollback()
		return fail(fmt.Errorf("commit: %w", err))
	}
	return results, true
}

func (b *batcher) exec(ctx context.Context, q string) (sql.Result, error) {
	if st := b.stmts.get(ctx, q); st != nil {
		return st.ExecContext(ctx)
	}
	return b.conn.ExecContext(ctx, q)
}

func (b *batcher) deliver(batch []writeReq, results []writeResult) {
	for i, r := range batch {
		if results[i].err != nil {
			results[i].hooks = nil
		}
		r.done <- results[i]
	}
}

// rollback ends a failed transaction; a statement still reading rows can
// make SQLite refuse, and the connection must never stay inside BEGIN.
func (b *batcher) rollback() {
	if _, err := b.conn.ExecContext(context.Background(), "ROLLBACK"); err != nil && !strings.Contains(err.Error(), "no transaction") {
		panic("store: cannot roll back the SQLite write transaction: " + err.Error())
	}
}

// safeCall turns a panic inside a transaction into an error, so one bad
// request cannot take the writer (and every other writer) down with it.
func safeCall(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in transaction: %v", v)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	for _, f := range tx.pre {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// BatchStats reports transactions and commits since start (SQLite only).
func (db *DB) BatchStats() (txs, commits int64) {
	if db.batch == nil {
		return 0, 0
	}
	return db.batch.txs.Load(), db.batch.batches.Load()
}

// QueuedWrites reports how many write transactions wait for the writer
// (SQLite only; for tests that need several in one batch).
func (db *DB) QueuedWrites() int {
	if db.batch == nil {
		return 0
	}
	return len(db.batch.queue)
}

// stmtCache keeps prepared statements by query text. Parsing SQL was a fifth
// of the CPU of a ticket create on SQLite; prepared once, statements are
// reused by every transaction on the same connection.
type stmtCache struct {
	db    *sql.DB   // a pool (reads), or
	conn  *sql.Conn // one connection (the writer)
	max   int
	m     atomic.Pointer[map[string]*sql.Stmt]
	count atomic.Int64
}

func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if m := c.m.Load(); m != nil {
		if s, ok := (*m)[q]; ok {
			return s
		}
	}
	if c.count.Load() >= int64(c.max) {
		return nil // dynamic queries (IN lists, search) are not worth keeping
	}
	var s *sql.Stmt
	var err error
	if c.conn != nil {
		s, err = c.conn.PrepareContext(ctx, q)
	} else {
		s, err = c.db.PrepareContext(ctx, q)
	}
	if err != nil {
		return nil
	}
	for {
		old := c.m.Load()
		next := make(map[string]*sql.Stmt, 16)
		if old != nil {
			for k, v := range *old {
				next[k] = v
			}
		}
		if prev, ok := next[q]; ok {
			s.Close()
			return prev
		}
		next[q] = s
		if c.m.CompareAndSwap(old, &next) {
			c.count.Add(1)
			return s
		}
	}
}

func (c *stmtCache) close() {
	if m := c.m.Load(); m != nil {
		for _, s := range *m {
			s.Close()
		}
	}
}
