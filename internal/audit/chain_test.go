package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// record writes n entries, one transaction each, and returns their ids in
// order.
func record(t *testing.T, db *store.DB, n int) []int64 {
	t.Helper()
	ctx := desk.SystemContext(context.Background())
	for i := range n {
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return audit.RecordTx(ctx, tx, audit.Entry{Action: "group.updated", TargetType: "group", TargetID: int64(i + 1),
				Changes: map[string]audit.Change{"name": {Before: fmt.Sprint("g", i), After: fmt.Sprint("h", i)}}})
		}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := audit.List(ctx, db, audit.Filter{Asc: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

// unprotect lets the test change audit_log behind Frontdesk's back, as
// someone with direct access to the database would.
func unprotect(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if db.Dialect == store.Postgres {
		stmts = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete`}
	}
	for _, q := range stmts {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, db *store.DB) *audit.Report {
	t.Helper()
	rep, err := audit.Verify(desk.SystemContext(context.Background()), db)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestChainVerifies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if rep := verify(t, db); !rep.OK || rep.Checked != 0 {
			t.Fatalf("empty log: %+v", rep)
		}
		record(t, db, 5)
		rep := verify(t, db)
		if !rep.OK || rep.Checked != 5 || rep.Broken != nil {
			t.Fatalf("report %+v", rep)
		}
	})
}

func TestChainDetectsTampering(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		tamper  func(t *testing.T, db *store.DB, ids []int64)
		entry   int // index into ids of the entry reported; -1: none (tail)
		problem string
	}{
		{"edited field", func(t *testing.T, db *store.DB, ids []int64) {
			exec(t, db, `UPDATE audit_log SET actor_id = 99 WHERE id = ?`, ids[2])
		}, 2, audit.ProblemEdited},
		{"edited details", func(t *testing.T, db *store.DB, ids []int64) {
			exec(t, db, `UPDATE audit_log SET details = '{}' WHERE id = ?`, ids[1])
		}, 1, audit.ProblemEdited},
		{"deleted row", func(t *testing.T, db *store.DB, ids []int64) {
			exec(t, db, `DELETE FROM audit_log WHERE id = ?`, ids[2])
		}, 3, audit.ProblemMissing},
		{"rehashed row", func(t *testing.T, db *store.DB, ids []int64) {
			// Someone edits a row and gives it a new hash: the next link fails.
			exec(t, db, `UPDATE audit_log SET actor_id = 99, hash = 'f00d' WHERE id = ?`, ids[1])
		}, 1, audit.ProblemEdited},
		{"deleted last row", func(t *testing.T, db *store.DB, ids []int64) {
			exec(t, db, `DELETE FROM audit_log WHERE id = ?`, ids[4])
		}, -1, audit.ProblemTail},
		{"first row deleted", func(t *testing.T, db *store.DB, ids []int64) {
			exec(t, db, `DELETE FROM audit_log WHERE id = ?`, ids[0])
		}, 1, audit.ProblemMissing},
		{"row added beside the chain", func(t *testing.T, db *store.DB, ids []int64) {
			exec(t, db, `INSERT INTO audit_log (created_at, actor_id, action, target_type) VALUES (1, 1, 'user.created', 'user')`)
		}, -2, audit.ProblemUnchained},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ids := record(t, db, 5)
				unprotect(t, db)
				c.tamper(t, db, ids)
				rep := verify(t, db)
				if rep.OK || rep.Broken == nil {
					t.Fatalf("tampering not detected: %+v", rep)
				}
				b := rep.Broken
				if b.Problem != c.problem {
					t.Errorf("problem %q, want %q (%s)", b.Problem, c.problem, b)
				}
				switch {
				case c.entry >= 0 && b.EntryID != ids[c.entry]:
					t.Errorf("reported entry %d, want %d (%s)", b.EntryID, ids[c.entry], b)
				case c.entry == -1 && (b.EntryID != 0 || b.Seq != 5):
					t.Errorf("tail report %s, want seq 5", b)
				case c.entry == -2 && b.EntryID <= ids[4]:
					t.Errorf("reported %s, want the added row", b)
				}
				_ = ctx
			})
		})
	}
}

func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}

// Entries written by many transactions at once still form one chain, and
// a rolled-back transaction leaves no link behind.
func TestChainUnderConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := desk.SystemContext(context.Background())
		var wg sync.WaitGroup
		const writers, each = 8, 10
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := db.InTx(ctx, func(tx *store.Tx) error {
						for k := range 2 {
							if err := audit.RecordTx(ctx, tx, audit.Entry{Action: "user.updated", TargetType: "user", TargetID: int64(w*100 + i*2 + k)}); err != nil {
								return err
							}
						}
						if i%3 == 0 {
							return fmt.Errorf("rolled back")
						}
						return nil
					})
					if err != nil && err.Error() != "rolled back" {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rep := verify(t, db)
		committed := int64(writers * (each - 4) * 2) // i = 0, 3, 6, 9 roll back
		if !rep.OK || rep.Checked != committed {
			t.Fatalf("report %+v (broken %v), want %d entries in one chain", rep, rep.Broken, committed)
		}
	})
}

func TestVerifyNeedsManageSecurity(t *testing.T) {
	db := storetest.SQLite(t)
	agent := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 3, Role: desk.RoleAgent})
	if _, err := audit.Verify(agent, db); desk.ErrorCode(err) != desk.EFORBIDDEN {
		t.Fatalf("agent verify: %v", err)
	}
	perms := desk.AgentPermissions()
	perms.ManageSecurity = true
	sec := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 3, Role: desk.RoleAgent, Perms: &perms})
	if _, err := audit.Verify(sec, db); err != nil {
		t.Fatalf("agent with manage_security: %v", err)
	}
}
