package store

import (
	"context"
	"testing"
	"time"
)

// TestV3Upgrade migrates a version-2 database holding users and checks that
// passwords existing at upgrade time count as changed at upgrade time
// (so an expiry turned on later locks nobody out at once), and that users
// without a password get no date.
func TestV3Upgrade(t *testing.T) {
	ctx := context.Background()
	eachAtVersion(t, 2, func(t *testing.T, db *DB) {
		for _, u := range []struct {
			email string
			hash  any
		}{{"pw@example.com", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$a2V5"}, {"nopw@example.com", nil}} {
			if _, err := db.Exec(ctx, `INSERT INTO users (name, email, role, password_hash, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?)`, "U", u.email, "end-user", u.hash, 1, 1); err != nil {
				t.Fatal(err)
			}
		}
		before := time.Now().Add(-2 * time.Second)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		after := time.Now().Add(2 * time.Second)
		changed := func(email string) int64 {
			var us int64
			if err := db.QueryRow(ctx, `SELECT password_changed_at FROM users WHERE email = ?`, email).Scan(&us); err != nil {
				t.Fatal(err)
			}
			return us
		}
		if got := time.UnixMicro(changed("pw@example.com")); got.Before(before) || got.After(after) {
			t.Fatalf("password_changed_at = %v, want the upgrade time", got)
		}
		if got := changed("nopw@example.com"); got != 0 {
			t.Fatalf("a user without a password got password_changed_at %d", got)
		}
		for _, table := range []string{"password_history", "login_failures"} {
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%s: %d %v", table, n, err)
			}
		}
	})
}
