package server_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// maxCreateStatements is, per store and requester, what a ticket create
// sends inside its write transaction (BEGIN and COMMIT included) on a desk
// with the server's hooks wired (rules, SLA, webhooks, mail, search),
// through the one commit path. Round trips are what bounds creates on
// PostgreSQL (BENCHMARKS.md), so the count must not grow unnoticed; lower
// it here when a change removes one.
var maxCreateStatements = map[string]map[string]int{
	"postgres": {
		// BEGIN (with the configuration epoch in the same round trip),
		// requester, ticket+tags+search document, audit+comment, COMMIT.
		"known requester": 5,
		// … and the new user with its identity and search document.
		"new requester": 6,
	},
	// BEGIN, requester, configuration epoch, ticket, a tag each (two
	// here), audit, comment, search document, COMMIT: SQLite has no
	// data-modifying CTEs, and its statements are calls inside the one
	// writer, not round trips. Each writes one row, so that none needs a
	// statement journal, which would flush the batch's search documents
	// (TestBatchFlushesSearchOnce).
	"sqlite": {
		"known requester": 10,
		// … and organization by domain, user, identity, search document
		// (INSERT OR REPLACE: SQLite may reuse a deleted user's id).
		"new requester": 14,
	},
}

func TestCreateStatements(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			app, _, cancel, _ := start(t, u)
			defer cancel()
			ctx := agentContext(t, app, "stmt-agent@desk.test")
			create := func(ctx context.Context, i int, requester string) *desk.Ticket {
				subj := fmt.Sprintf("Printer %d is on fire", i)
				tags := []string{"printer", "fire"}
				tk, _, err := app.Tickets.Create(ctx, ticket.Input{Subject: &subj,
					Comment:   &ticket.CommentInput{Body: "It started smoking this morning."},
					Requester: &ticket.RequesterInput{Name: "Customer", Email: requester},
					Priority:  desk.NullString{Set: true, Value: "high"}, Tags: &tags})
				if err != nil {
					t.Fatal(err)
				}
				return tk
			}
			create(ctx, 0, "known@customer.test") // the requester now exists; caches are warm
			for i, c := range []struct{ name, requester string }{
				{"known requester", "known@customer.test"},
				{"new requester", "new.customer@customer.test"},
			} {
				traced, heard := recordStatements(t, ctx)
				tk := create(traced, i+1, c.requester)
				stmts := heard(c.name)
				// A tracer that heard nothing would pass any bound.
				if len(stmts) < 3 || stmts[0] != "BEGIN" || stmts[len(stmts)-1] != "COMMIT" {
					t.Errorf("%s: the tracer heard %q, not a whole transaction", c.name, stmts)
				}
				if want := maxCreateStatements[name][c.name]; len(stmts) > want {
					t.Errorf("%s: a create sent %d statements in its transaction, want at most %d", c.name, len(stmts), want)
				}
				// The requester is findable as before.
				us, err := app.People.SearchUsers(ctx, c.requester, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(us) != 1 || us[0].ID != tk.RequesterID {
					t.Errorf("%s: searching people for %s found %v, want user %d", c.name, c.requester, us, tk.RequesterID)
				}
			}
		})
	}
}

// TestBatchFlushesSearchOnce checks that the creates, and the updates, of
// one group commit on SQLite write their search documents to the full-text
// index once, at the commit. FTS5 keeps a transaction's new documents in
// memory and writes them out as a new index segment at the commit, or
// earlier: when a statement of the same transaction opens a statement
// journal of its own (RETURNING, several rows, a trigger, a DELETE on the
// index), or when a document's id is lower than the last one written.
// When every create flushed, a batch of 64 creates wrote 64 segments and
// merged them again.
func TestBatchFlushesSearchOnce(t *testing.T) {
	app, _, cancel, _ := start(t, "")
	defer cancel()
	ctx := agentContext(t, app, "batch-agent@desk.test")
	const n = 16
	create := func(ctx context.Context, i int) (int64, error) {
		subj := fmt.Sprintf("Printer %d is on fire", i)
		tags := []string{"printer", "fire", fmt.Sprintf("floor%d", i)}
		requester := "known@customer.test"
		if i%2 == 0 {
			requester = fmt.Sprintf("new%d@customer.test", i) // a new user, with its own search document
		}
		tk, _, err := app.Tickets.Create(ctx, ticket.Input{Subject: &subj,
			Comment:   &ticket.CommentInput{Body: "It started smoking this morning."},
			Requester: &ticket.RequesterInput{Name: "Customer", Email: requester},
			Priority:  desk.NullString{Set: true, Value: "high"}, Tags: &tags})
		if err != nil {
			return 0, err
		}
		return tk.ID, nil
	}
	if _, err := create(ctx, 0); err != nil {
		t.Fatal(err)
	}
	b := batched(t, ctx, app.DB, n, []string{"ticket_search", "user_search"}, func(ctx context.Context, i int) (int64, error) { return create(ctx, i+1) })
	if b.writes["ticket_search"] > 2 || b.writes["user_search"] > 2 {
		t.Errorf("a batch of %d creates (ids in the order run: %v) wrote %v index segments, want one a table (two if the batch was split)", n, b.order, b.writes)
	}
	created := b.ids
	b = batched(t, ctx, app.DB, n, []string{"ticket_search"}, func(ctx context.Context, i int) (int64, error) {
		tags, status := []string{"printer", "smoke"}, "open"
		_, _, err := app.Tickets.Update(ctx, created[i], ticket.Input{Comment: &ticket.CommentInput{Body: "Still smoking.", Public: new(bool)},
			Tags: &tags, Status: &status})
		return created[i], err
	})
	t.Logf("updates: ids in the order run %v, %d index segments", b.order, b.writes["ticket_search"])
	// Updates reach the writer in any order, and FTS5 flushes at each id
	// lower than the one before.
	if want := uint64(b.descents + 2); b.writes["ticket_search"] > want {
		t.Errorf("a batch of %d updates (ids in the order run: %v) wrote %d index segments, want at most %d", n, b.order, b.writes["ticket_search"], want)
	}
}

// agentContext makes an agent with the address email and returns a
// context acting as them through the API.
// recordStatements returns a context made from parent under which every
// statement sent is recorded (store.TraceStatements), and heard, which
// logs the statements recorded so far under label, one a line, and
// returns them with their whitespace folded.
func recordStatements(t *testing.T, parent context.Context) (context.Context, func(label string) []string) {
	var mu sync.Mutex
	var stmts []string
	ctx := store.TraceStatements(parent, func(q string) {
		mu.Lock()
		stmts = append(stmts, strings.Join(strings.Fields(q), " "))
		mu.Unlock()
	})
	return ctx, func(label string) []string {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for j, q := range stmts {
			if len(q) > 160 {
				q = q[:160] + "…"
			}
			t.Logf("%s %2d %s", label, j+1, q)
		}
		return slices.Clone(stmts)
	}
}

func agentContext(t *testing.T, app *server.App, email string) context.Context {
	t.Helper()
	nm, role := "Agent "+email, desk.RoleAgent
	agent, err := app.People.CreateUser(desk.SystemContext(context.Background()), people.UserInput{Name: &nm, Email: &email, Role: &role})
	if err != nil {
		t.Fatal(err)
	}
	return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: agent.ID, Role: desk.RoleAgent, Email: email, Via: "api"})
}

// batch is what batched saw.
type batch struct {
	writes   map[string]uint64 // segments each FTS5 table wrote
	ids      []int64           // the id each call returned, by call
	order    []int64           // the same ids in the order their transactions ran
	descents int               // how many ids of order are lower than the one before
}

// batched runs n calls of f(ctx, 0…n-1), each ctx made from parent, at
// once while it holds the writer, so that they wait for it together and
// the batcher takes them into one transaction (a background job of the
// server may be queued among them and leave some for the next batch). f
// returns the id of the record whose search document it writes in its
// first write transaction.
func batched(t *testing.T, parent context.Context, db *store.DB, n int, tables []string, f func(ctx context.Context, i int) (int64, error)) batch {
	t.Helper()
	entered, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- db.InTx(context.Background(), func(*store.Tx) error { close(entered); <-release; return nil })
	}()
	<-entered
	b := batch{writes: map[string]uint64{}}
	for _, table := range tables {
		b.writes[table] = ftsWrites(t, db, table)
	}
	var mu sync.Mutex
	ran := make([]int, 0, n) // calls in the order their first write transaction began
	errs := make(chan error, n)
	b.ids = make([]int64, n)
	for i := range n {
		began := false
		ctx := store.TraceStatements(parent, func(q string) {
			mu.Lock()
			defer mu.Unlock()
			if q == "BEGIN" && !began {
				began = true
				ran = append(ran, i)
			}
		})
		go func() {
			var err error
			b.ids[i], err = f(ctx, i)
			errs <- err
		}()
	}
	for deadline := time.Now().Add(30 * time.Second); db.QueuedWrites() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("only %d of %d calls reached the writer", db.QueuedWrites(), n)
		}
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range tables {
		b.writes[table] = ftsWrites(t, db, table) - b.writes[table]
	}
	mu.Lock()
	defer mu.Unlock()
	for k, i := range ran {
		b.order = append(b.order, b.ids[i])
		if k > 0 && b.ids[i] < b.order[k-1] {
			b.descents++
		}
	}
	return b
}

// ftsWrites reads how many segments an FTS5 table has written in all: the
// write counter of its index structure, the record with id 10 of its _data
// table (a 4-byte cookie, a version marker in newer files, then varints:
// levels, segments, the write counter).
func ftsWrites(t *testing.T, db *store.DB, table string) uint64 {
	t.Helper()
	var b []byte
	if err := db.QueryRow(context.Background(), `SELECT block FROM `+table+`_data WHERE id = 10`).Scan(&b); err != nil {
		t.Fatal(err)
	}
	if len(b) < 4 {
		t.Fatalf("%s: structure record of %d bytes", table, len(b))
	}
	b = b[4:]
	if bytes.HasPrefix(b, []byte{0xff, 0, 0, 1}) {
		b = b[4:]
	}
	var v uint64
	for range 3 {
		v, b = sqliteVarint(b)
	}
	return v
}

// sqliteVarint decodes SQLite's big-endian varint (7 bits a byte, the
// ninth byte whole) and returns the rest of b.
func sqliteVarint(b []byte) (uint64, []byte) {
	var v uint64
	for i := 0; i < len(b); i++ {
		if i == 8 {
			return v<<8 | uint64(b[i]), b[9:]
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, b[i+1:]
		}
	}
	return v, nil
}
