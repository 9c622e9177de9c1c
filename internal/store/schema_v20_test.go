package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

// An install that required an assignee to solve keeps refusing unassigned
// solves (assign-on-solve stored off); one that did not gets the default
// (on); the old key is gone either way.
func TestV20AssignOnSolve(t *testing.T) {
	ctx := context.Background()
	// Named subtests: a '#' of a repeated name would end the SQLite file URI.
	for _, tc := range []struct {
		name string
		old  string // stored require_assignee_to_solve, "" = none
		want string // stored assign_on_solve, "" = none (the default, on)
	}{{"required", "true", "false"}, {"not_required", "false", ""}, {"unset", "", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			eachAtVersion(t, 18, func(t *testing.T, db *DB) {
				if tc.old != "" {
					if _, err := db.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('tickets.require_assignee_to_solve', ?)`, tc.old); err != nil {
						t.Fatal(err)
					}
				}
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				var got string
				err := db.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'tickets.assign_on_solve'`).Scan(&got)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					t.Fatal(err)
				}
				if got != tc.want {
					t.Fatalf("old %q: assign_on_solve %q, want %q", tc.old, got, tc.want)
				}
				var n int
				if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'tickets.require_assignee_to_solve'`).Scan(&n); err != nil || n != 0 {
					t.Fatalf("old key left: %d %v", n, err)
				}
			})
		})
	}
}
