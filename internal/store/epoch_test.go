package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func epochOf(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), `SELECT n FROM config_epoch WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConfigEpoch: every change to a table the create path caches moves the
// epoch in the changing transaction; a webhook's failure count does not; a
// rolled-back change leaves it, and the value it had inside that
// transaction is never seen again.
func TestConfigEpoch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[int64]bool{epochOf(t, db): true}
		moves := func(what string, q string, args ...any) {
			t.Helper()
			exec(q, args...)
			e := epochOf(t, db)
			if seen[e] {
				t.Errorf("%s: epoch %d was seen before", what, e)
			}
			seen[e] = true
		}
		stays := func(what string, q string, args ...any) {
			t.Helper()
			before := epochOf(t, db)
			exec(q, args...)
			if e := epochOf(t, db); e != before {
				t.Errorf("%s moved the epoch (%d → %d)", what, before, e)
			}
		}
		moves("trigger created", `INSERT INTO triggers (id, title, conditions, actions, created_at, updated_at) VALUES (7, 't', '{}', '[]', 1, 1)`)
		moves("trigger changed", `UPDATE triggers SET active = ? WHERE id = 7`, false)
		moves("trigger deleted", `DELETE FROM triggers WHERE id = 7`)
		moves("category created", `INSERT INTO trigger_categories (id, name, position, created_at, updated_at) VALUES (3, 'c', 1, 1, 1)`)
		moves("SLA policy created", `INSERT INTO sla_policies (id, title, created_at, updated_at) VALUES (5, 'p', 1, 1)`)
		moves("SLA policy changed", `UPDATE sla_policies SET position = 2 WHERE id = 5`)
		moves("form created", `INSERT INTO ticket_forms (id, name, created_at, updated_at) VALUES (4, 'f', 1, 1)`)
		moves("webhook created", `INSERT INTO webhooks (id, name, endpoint, created_at, updated_at) VALUES (9, 'w', 'https://example.com', 1, 1)`)
		moves("webhook deactivated", `UPDATE webhooks SET status = 'inactive' WHERE id = 9`)
		moves("webhook subscriptions changed", `UPDATE webhooks SET subscriptions = '["x"]' WHERE id = 9`)
		stays("a webhook's failure count", `UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = 9`)
		moves("mailbox created", `INSERT INTO email_mailboxes (id, address, created_at, updated_at) VALUES (2, 'help@example.com', 1, 1)`)

		before := epochOf(t, db)
		var inside int64
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE sla_policies SET position = 9 WHERE id = 5`); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT n FROM config_epoch WHERE id = 1`).Scan(&inside); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if inside == before {
			t.Fatal("the change did not move the epoch inside its transaction")
		}
		if e := epochOf(t, db); e != before {
			t.Fatalf("a rolled-back change left the epoch at %d, want %d", e, before)
		}
		exec(`INSERT INTO triggers (id, title, conditions, actions, created_at, updated_at) VALUES (8, 't', '{}', '[]', 1, 1)`)
		if e := epochOf(t, db); e == inside || e == before {
			t.Fatalf("after a rolled-back change the next one gave epoch %d again", e)
		}
	})
}

// TestCachedFollowsTheEpoch: a Cached value is loaded once per epoch.
func TestCachedFollowsTheEpoch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var c store.Cached[int]
		loads := 0
		get := func() int {
			var v int
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				v, err = c.Get(ctx, tx, func() (int, error) {
					loads++
					var n int
					err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM triggers`).Scan(&n)
					return n, err
				})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return v
		}
		if get() != 0 || get() != 0 || loads != 1 {
			t.Fatalf("two reads at one epoch loaded %d times", loads)
		}
		if _, err := db.Exec(ctx, `INSERT INTO triggers (title, conditions, actions, created_at, updated_at) VALUES ('t', '{}', '[]', 1, 1)`); err != nil {
			t.Fatal(err)
		}
		if n := get(); n != 1 || loads != 2 {
			t.Fatalf("after a change: value %d after %d loads, want 1 after 2", n, loads)
		}
	})
}
