// Package store opens Frontdesk's database — embedded SQLite or PostgreSQL —
// and gives the domain packages one small API over both: placeholders written
// as '?', transactions that run hooks after commit, and versioned migrations.
//
// Domain packages keep their own plain SQL; this package only hides the few
// places where the two dialects differ.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the SQL flavour behind a DB.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is the handle domain services use. SQLite allows one writer at a time,
// so writes go through a single connection (no SQLITE_BUSY fights) while reads
// use a pool; on PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB

	rebindCache sync.Map // query string -> rebound string (PostgreSQL only)
	// lookup serves Lookup: on SQLite a small pool without a memory map
	// (see openSQLite); on PostgreSQL the same pool as the rest.
	lookup *sql.DB
	// SQLite only: the group-commit writer and cached read statements.
	batch   *batcher
	reads   *stmtCache
	lookups *stmtCache
	// epochReady: the store is migrated, so a PostgreSQL transaction
	// reads the configuration epoch with its BEGIN (see inTxPostgres).
	epochReady atomic.Bool
}

// TraceStatements returns a context under which f hears the text of every
// statement sent: the reads of the pools (Query, QueryRow, Lookup), single
// writes (Exec, WriteRow) and a write transaction's statements — "BEGIN"
// and "COMMIT" included, each counted once per transaction even when the
// SQLite writer shares one commit between many. Only statements run with
// that context (or one made from it) are heard, so background work running
// meanwhile is not. Tests count a ticket create's and a ticket list's round
// trips with it, so the counts cannot grow unnoticed.
func TraceStatements(ctx context.Context, f func(q string)) context.Context {
	return context.WithValue(ctx, traceKey{}, f)
}

type traceKey struct{}

func traced(ctx context.Context, q string) {
	if f, ok := ctx.Value(traceKey{}).(func(string)); ok {
		f(q)
	}
}

// Open connects to databaseURL when it is a postgres:// URL, else to the
// SQLite file frontdesk.db inside dataDir, and applies pending migrations.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	return OpenWith(ctx, databaseURL, dataDir, Options{})
}

// Options tune a store beyond its address; the zero value is the default.
type Options struct {
	// PostgresPool is how many connections to keep open to PostgreSQL
	// (1 to MaxPostgresPool); 0 is DefaultPostgresPool.
	PostgresPool int
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, databaseURL, dataDir string, o Options) (*DB, error) {
	if o.PostgresPool < 0 || o.PostgresPool > MaxPostgresPool {
		return nil, fmt.Errorf("PostgreSQL pool of %d connections: want 1 to %d, or 0 for the default", o.PostgresPool, MaxPostgresPool)
	}
	var db *DB
	var err error
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		db, err = openPostgres(ctx, databaseURL, o.PostgresPool)
	} else if databaseURL != "" {
		return nil, fmt.Errorf("unsupported database URL scheme (want postgres://): %q", redact(databaseURL))
	} else {
		db, err = openSQLite(ctx, filepath.Join(dataDir, "frontdesk.db"))
	}
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func redact(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		if j := strings.Index(u, "://"); j > 0 && j < i {
			return u[:j+3] + "…" + u[i:]
		}
	}
	return u
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := ownerOnly(path, true); err != nil {
		return nil, err
	}
	// synchronous=NORMAL under WAL stays durable across application crashes
	// and only risks the last transactions on power loss, the usual trade for
	// an embedded server; foreign keys are off by default in SQLite.
	common := "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)"
	pragmas := common + "&_pragma=mmap_size(268435456)"
	// The writer never checkpoints itself (wal_autocheckpoint=0): that work,
	// and its fsyncs, would sit inside every Nth request. A background
	// checkpointer does it instead (see checkpointer).
	//
	// secure_delete: deleted rows and the old versions of updated ones are
	// overwritten with zeros in the pages written, so an erasure or a
	// retention run really removes the text from the file (see Scrub).
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)&_pragma=secure_delete(1)")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Journal files left by an older version may still be readable by
	// others; new ones take the database file's mode (see ownerOnly).
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := ownerOnly(path+suffix, false); err != nil {
			w.Close()
			return nil, err
		}
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	// Lookups get connections without a memory map. A read connection
	// that starts a transaction after another connection's commit drops
	// its whole map (and its page cache); under a stream of creates every
	// API token check did, and the munmap, its TLB shootdown and the page
	// faults after it cost more than the handful of pages the lookup
	// reads: 13 % of a create's server CPU went to that one query. The
	// searches and lists of a large store keep the map, which their tail
	// latency needs (BENCHMARKS.md, P12: a group commit writes the search
	// index once).
	l, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=mmap_size(0)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	l.SetMaxOpenConns(n)
	l.SetMaxIdleConns(n)
	db := &DB{Dialect: SQLite, write: w, read: r, lookup: l, reads: &stmtCache{db: r, max: 512}, lookups: &stmtCache{db: l, max: 64}}
	b, err := newBatcher(ctx, db)
	if err != nil {
		w.Close()
		r.Close()
		l.Close()
		return nil, err
	}
	db.batch = b
	return db, nil
}

// ownerOnly makes the database file at path (created when create is set
// and it does not exist) readable and writable by its owner only, like the
// secret key: it holds password hashes, tokens and every ticket.
//
// SQLite creates the -wal and -shm files itself, with the permissions of
// the database file (os_unix.c, findCreateFileMode), so creating the
// database file 0600 before SQLite opens it makes every file it creates
// later 0600 too. That needs no umask change (process-wide, and racy with
// every other goroutine creating files); the chmod covers files made by an
// older version with a wider mode.
func ownerOnly(path string, create bool) error {
	if create {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("create database file: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("create database file: %w", err)
		}
	}
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) && !create {
		return nil
	}
	if err != nil {
		return fmt.Errorf("database file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("restrict database file permissions: %w", err)
		}
	}
	return nil
}

// DefaultPostgresPool is the PostgreSQL pool's size unless Options say
// otherwise: twice the CPUs Go may use, at least 4, as SQLite's read pool.
// Each connection is a PostgreSQL process; on the machine Frontdesk shares
// with its database, more of them than the cores can run only add context
// switches and cache misses. On two cores, 4 connections served lists with
// a fifth less PostgreSQL CPU and a lower p99 than 8, and 16 were slower
// still (BENCHMARKS.md, "P12: the PostgreSQL pool"). A small pool needs
// code that never waits for a second connection while it holds one (in a
// transaction, or reading rows): the whole suite passes on a pool of one.
func DefaultPostgresPool() int { return max(4, runtime.GOMAXPROCS(0)*2) }

// MaxPostgresPool bounds Options.PostgresPool; PostgreSQL's own
// max_connections is 100 unless raised.
const MaxPostgresPool = 1000

// openPostgres opens a pool of pool connections (0: DefaultPostgresPool).
//
// Its sessions run with jit=off unless dsn sets jit itself. PostgreSQL
// compiles a statement to machine code when its estimated cost passes
// jit_above_cost (100,000 by default), and a search's estimate passes it
// whenever its words are in a few thousand documents: each check of a
// ticket's visibility is costed as a subquery per match. The compilation
// then took 15 ms of a 28.5 ms search at 20,000 tickets, every time, as
// nothing keeps the machine code between statements; Frontdesk's
// statements read at most a window of documents and run in milliseconds,
// where JIT can only add its compile time (BENCHMARKS.md, "P12: searches
// without JIT on PostgreSQL"). A DSN with jit=on turns it back on.
func openPostgres(ctx context.Context, dsn string, pool int) (*DB, error) {
	n := pool
	if n <= 0 {
		n = DefaultPostgresPool()
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message quotes the URL, and finding the password in a
		// malformed one is its best effort: give only the cause.
		if cause := errors.Unwrap(err); cause != nil {
			return nil, fmt.Errorf("postgres URL %s is not valid: %w", redact(dsn), cause)
		}
		return nil, fmt.Errorf("postgres URL %s is not valid", redact(dsn))
	}
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	d := stdlib.OpenDB(*cfg)
	d.SetMaxOpenConns(n)
	d.SetMaxIdleConns(n)
	d.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.PingContext(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", redact(dsn), err)
	}
	return &DB{Dialect: Postgres, write: d, read: d, lookup: d}, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.batch != nil {
		db.batch.close()
		db.reads.close()
		db.lookups.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.lookup != db.read {
		err = errors.Join(err, db.lookup.Close())
	}
	return err
}

// Ping checks that the store answers (for /healthz).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Stats reports pool statistics for /metrics.
func (db *DB) Stats() (write, read sql.DBStats) { return db.write.Stats(), db.read.Stats() }

// Rebind turns '?' placeholders into PostgreSQL's $1, $2 …; queries must not
// contain a literal '?' (none of ours do).
func (db *DB) Rebind(q string) string {
	if db.Dialect != Postgres {
		return q
	}
	if v, ok := db.rebindCache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	out := b.String()
	db.rebindCache.Store(q, out)
	return out
}

// Query runs a read on the read pool.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	traced(ctx, q)
	if db.reads != nil {
		if st := db.reads.get(ctx, q); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return db.read.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRow runs a single-row read on the read pool.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.rowFrom(ctx, db.reads, db.read, q, args)
}

// ByValue returns the read pool as a Querier for statements whose best
// plan depends on their arguments' values: a full-text search, where how
// many documents hold a word decides between walking the newest documents
// (a word in most of them) and reading the word's index entries (a rarer
// one). Query's statements are prepared once per PostgreSQL connection,
// and after five runs PostgreSQL may keep one generic plan for every
// value; for a search it chose the index's entries, and a word in 89 % of
// 100,000 documents then took 75 ms where its own plan takes 2
// (BENCHMARKS.md, "P12: a search planned for its words"). ByValue's
// statements are sent unprepared (pgx's QueryExecModeExec, one round trip
// as a cached statement), so PostgreSQL plans each for its values. On
// SQLite it is db itself.
func (db *DB) ByValue() Querier {
	if db.Dialect != Postgres {
		return db
	}
	return byValue{db}
}

type byValue struct{ db *DB }

func (b byValue) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	traced(ctx, q)
	return b.db.read.QueryContext(ctx, b.db.Rebind(q), unprepared(args)...)
}

func (b byValue) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	traced(ctx, q)
	return b.db.read.QueryRowContext(ctx, b.db.Rebind(q), unprepared(args)...)
}

// unprepared puts pgx's option for an unprepared statement before args
// (database/sql hands it to the driver as it is: stdlib's Conn accepts
// every value, and pgx reads leading options off the arguments).
func unprepared(args []any) []any {
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// Lookup runs a single-row read of a few pages by key, made on the
// request path before its work: the API token or session that
// authenticates a request. On SQLite it uses connections of its own,
// without a memory map (see openSQLite).
func (db *DB) Lookup(ctx context.Context, q string, args ...any) *sql.Row {
	return db.rowFrom(ctx, db.lookups, db.lookup, q, args)
}

// rowFrom runs a single-row read on pool, through cache's prepared
// statements when there is a cache (SQLite).
func (db *DB) rowFrom(ctx context.Context, cache *stmtCache, pool *sql.DB, q string, args []any) *sql.Row {
	traced(ctx, q)
	if cache != nil {
		if st := cache.get(ctx, q); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return pool.QueryRowContext(ctx, db.Rebind(q), args...)
}

// Exec runs one write statement in its own transaction.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if db.batch != nil {
		var res sql.Result
		err := db.InTx(ctx, func(tx *Tx) error {
			var err error
			res, err = tx.Exec(ctx, q, args...)
			return err
		})
		return res, err
	}
	traced(ctx, q)
	return db.write.ExecContext(ctx, db.Rebind(q), args...)
}

// Tx is a write transaction. Hooks registered with AfterCommit run once the
// transaction has committed — that is where events are published, so nobody
// ever hears of a change that was rolled back.
type Tx struct {
	db    *DB
	tx    execer
	hooks []func()
	// pre runs after the transaction's function succeeded, still inside
	// the transaction (BeforeCommit); values is per-transaction state for
	// such hooks (Value, SetValue).
	pre    []func() error
	values map[any]any
}

// execer is what both a *sql.Tx (PostgreSQL) and the SQLite writer's
// *sql.Conn inside its own BEGIN … COMMIT offer.
type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// Dialect of the underlying store.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	traced(ctx, q)
	if st := tx.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, tx.db.Rebind(q), args...)
}

// stmt returns the writer's cached prepared statement for q (SQLite).
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if tx.db.batch == nil {
		return nil
	}
	return tx.db.batch.stmts.get(ctx, q)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	traced(ctx, q)
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, tx.db.Rebind(q), args...)
}

// QueryRow runs a single-row query in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	traced(ctx, q)
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, tx.db.Rebind(q), args...)
}

// InsertID runs the INSERT q of one row and returns the new row's id, or
// sql.ErrNoRows when it inserted none (ON CONFLICT DO NOTHING).
//
// On SQLite it reads the id SQLite keeps for the last insert instead of
// asking for it with RETURNING (every table's id is its rowid, {{pk}}).
// RETURNING makes SQLite give the statement a journal of its own, as for a
// statement that writes several rows, and opening one inside a transaction
// that has written a full-text document makes FTS5 flush its pending words
// to a new index segment. In a group commit that was one segment, and its
// merges, per ticket instead of one per batch (see TestBatchFlushesSearchOnce).
func (tx *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	if tx.db.Dialect == SQLite {
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return 0, cmp.Or(err, sql.ErrNoRows)
		}
		return res.LastInsertId()
	}
	var id int64
	err := tx.QueryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// AfterCommit registers f to run after a successful commit.
func (tx *Tx) AfterCommit(f func()) { tx.hooks = append(tx.hooks, f) }

// BeforeCommit registers f to run inside the transaction once its function
// has returned nil, in registration order; an error rolls the transaction
// back like an error from the function itself. It lets work gathered over
// a transaction (the event relay's notifications) go out as one statement.
func (tx *Tx) BeforeCommit(f func() error) { tx.pre = append(tx.pre, f) }

// Value returns the per-transaction value stored under key (nil if none).
func (tx *Tx) Value(key any) any { return tx.values[key] }

// SetValue stores v under key for the rest of the transaction.
func (tx *Tx) SetValue(key, v any) {
	if tx.values == nil {
		tx.values = map[any]any{}
	}
	tx.values[key] = v
}

// InTx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	if db.batch != nil {
		return db.batch.submit(ctx, fn)
	}
	return db.inTxPostgres(ctx, fn)
}

// Querier is satisfied by both *DB (reads) and *Tx, so lookups can run
// inside or outside a transaction.
type Querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either store, so services can turn races into clean 422s.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// clock holds a replacement for the system clock; nil means time.Now. It is
// atomic because background workers (job runners, batchers) read the clock
// while a test moves it.
var clock atomic.Pointer[func() int64]

// SystemNow is the wall clock in microseconds.
func SystemNow() int64 { return time.Now().UnixMicro() }

// Now is the store's clock in microseconds.
func Now() int64 { return Clock()() }

// Clock returns the function Now currently reads, so a test can build a
// new clock on the one it replaces.
func Clock() func() int64 {
	if f := clock.Load(); f != nil {
		return *f
	}
	return SystemNow
}

// SetClock makes Now read f (tests pin or move time with it) and returns a
// function that puts the previous clock back.
func SetClock(f func() int64) (restore func()) {
	prev := clock.Swap(&f)
	return func() { clock.Store(prev) }
}
