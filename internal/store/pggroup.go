package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Group commit on PostgreSQL. Each PostgreSQL commit waits for its WAL
// flush, and with 16 clients creating tickets those flushes, with the BEGIN
// and COMMIT round trips around them, were a third of a create's time
// (BENCHMARKS.md, pg-create). InGroupTx runs concurrent transactions back to
// back inside one real transaction, as SQLite's writer does (batch.go): the
// first fast, without savepoints; if any fails, the batch is rolled back and
// run again with a savepoint around each, so the failure is undone alone.
//
// One goroutine runs the statements of one batch at a time, so two batches
// never wait for each other's locks in a cycle; while a batch commits (the
// WAL flush), the next one already runs on another connection. Only callers
// that ask for it are grouped (ticket creation): a long transaction would
// hold up every transaction queued behind it.

// pgGroupCommits bounds the batches committing at once.
const pgGroupCommits = 2

type pgGroup struct {
	db      *DB
	queue   chan writeReq
	commits chan struct{} // a slot per batch committing
	stop    chan struct{}
	done    chan struct{}
}

func newPGGroup(db *DB) *pgGroup {
	g := &pgGroup{db: db, queue: make(chan writeReq, 1024), commits: make(chan struct{}, pgGroupCommits),
		stop: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g
}

func (g *pgGroup) close() {
	close(g.stop)
	<-g.done
	for range pgGroupCommits { // wait for the last commits
		g.commits <- struct{}{}
	}
}

// InGroupTx is InTx for transactions that may share their commit with
// concurrent ones: the SQLite writer does that for every transaction, and on
// PostgreSQL InGroupTx batches them (group commit). fn must be safe to run
// twice (it touches the database only through tx and registers side
// effects with AfterCommit), it must not change the tables behind the
// configuration epoch, and it is run to its end even if ctx is cancelled
// once it has started.
func (db *DB) InGroupTx(ctx context.Context, fn func(*Tx) error) error {
	if db.group == nil {
		return db.InTx(ctx, fn)
	}
	return db.group.submit(ctx, fn)
}

func (g *pgGroup) submit(ctx context.Context, fn func(*Tx) error) error {
	req := writeReq{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case g.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.stop:
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

func (g *pgGroup) loop() {
	defer close(g.done)
	for {
		var batch []writeReq
		select {
		case <-g.stop:
			for {
				select {
				case r := <-g.queue:
					g.run([]writeReq{r})
				default:
					return
				}
			}
		case r := <-g.queue:
			batch = append(batch, r)
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-g.queue:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		g.run(batch)
	}
}

// run executes one batch's statements and hands its commit to a goroutine
// of its own, so the next batch can start meanwhile.
func (g *pgGroup) run(batch []writeReq) {
	g.commits <- struct{}{}
	conn, results, ok := g.attempt(batch, false)
	if !ok {
		conn, results, _ = g.attempt(batch, true)
	}
	go func() {
		defer func() { <-g.commits }()
		if conn != nil {
			err := conn.Raw(func(dc any) error { return commitPG(dc.(*stdlib.Conn).Conn()) })
			conn.Close()
			if err != nil {
				for i := range results {
					if results[i].err == nil {
						results[i] = writeResult{err: fmt.Errorf("commit: %w", err)}
					}
				}
			}
		}
		for i, r := range batch {
			if results[i].err != nil {
				results[i].hooks = nil
			} else {
				traced(r.ctx, "COMMIT")
			}
			r.done <- results[i]
		}
	}()
}

// attempt runs the batch in one transaction and returns its connection,
// still inside the transaction, for the commit (nil when nothing is left to
// commit). Without savepoints it gives up at the first failure, rolling
// back, and reports ok=false; with them it always finishes.
func (g *pgGroup) attempt(batch []writeReq, savepoints bool) (conn *sql.Conn, results []writeResult, ok bool) {
	ctx := context.Background()
	results = make([]writeResult, len(batch))
	fail := func(err error) (*sql.Conn, []writeResult, bool) {
		for i := range results {
			results[i] = writeResult{err: err}
		}
		return nil, results, true
	}
	conn, err := g.db.write.Conn(ctx)
	if err != nil {
		return fail(fmt.Errorf("begin: %w", err))
	}
	var epoch int64
	withEpoch := g.db.epochReady.Load()
	if err := conn.Raw(func(dc any) error { return beginPG(ctx, dc.(*stdlib.Conn).Conn(), withEpoch, &epoch) }); err != nil {
		conn.Close()
		return fail(fmt.Errorf("begin: %w", err))
	}
	abandon := func() {
		_ = conn.Raw(func(dc any) error { return rollback(dc.(*stdlib.Conn).Conn()) })
		conn.Close()
	}
	sp := func(q string) error { _, err := conn.ExecContext(ctx, q); return err }
	single := len(batch) == 1
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		traced(r.ctx, "BEGIN")
		tx := &Tx{db: g.db, tx: conn, detached: true}
		if withEpoch {
			tx.SetValue(epochKey{}, epoch)
		}
		useSP := savepoints && !single
		if useSP {
			if err := sp("SAVEPOINT fd_tx"); err != nil {
				abandon()
				return fail(err)
			}
		}
		err := safeCall(r.fn, tx)
		switch {
		case err != nil && !useSP && !single:
			abandon()
			return nil, nil, false
		case err != nil && useSP:
			if rerr := sp("ROLLBACK TO fd_tx"); rerr != nil {
				abandon()
				return fail(errors.Join(err, rerr))
			}
		}
		if useSP {
			if rerr := sp("RELEASE fd_tx"); rerr != nil {
				abandon()
				return fail(rerr)
			}
		}
		results[i] = writeResult{err: err, hooks: tx.hooks}
	}
	if single && results[0].err != nil {
		abandon()
		return nil, results, true
	}
	return conn, results, true
}

// beginPG starts a transaction on pc and, withEpoch (the store is
// migrated), reads the configuration epoch in the same round trip.
func beginPG(ctx context.Context, pc *pgx.Conn, withEpoch bool, epoch *int64) error {
	if !withEpoch {
		_, err := pc.Exec(ctx, "BEGIN")
		return err
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SELECT n FROM config_epoch WHERE id = 1")
	br := pc.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(epoch)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil && pc.PgConn().TxStatus() != 'I' {
		return errors.Join(err, rollback(pc))
	}
	return err
}

// commitPG commits pc's transaction. COMMIT of a transaction that a failed
// statement aborted answers ROLLBACK, without an error: that is one.
func commitPG(pc *pgx.Conn) error {
	tag, err := pc.Exec(context.Background(), "COMMIT")
	if err != nil {
		if pc.PgConn().TxStatus() != 'I' {
			return errors.Join(err, rollback(pc))
		}
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}
