package store

import (
	"context"
	"testing"
)

// TestV10Upgrade: emails queued in clear before version 10 lose their
// bodies (reset and verification links), so no admin page can show them
// again; the new tables exist.
func TestV10Upgrade(t *testing.T) {
	ctx := context.Background()
	eachAtVersion(t, 9, func(t *testing.T, db *DB) {
		if _, err := db.Exec(ctx, `INSERT INTO outbox (to_addr, subject, text_body, html_body, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			"owner@example.com", "Reset your password", "https://x.example/password/reset?token=SECRET",
			`<a href="https://x.example/password/reset?token=SECRET">x</a>`, "password_reset", 1); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var text, html, sealed, to string
		if err := db.QueryRow(ctx, `SELECT to_addr, text_body, html_body, sealed FROM outbox`).Scan(&to, &text, &html, &sealed); err != nil {
			t.Fatal(err)
		}
		if text != "" || html != "" || sealed != "" || to != "owner@example.com" {
			t.Fatalf("after the upgrade: to %q text %q html %q sealed %q", to, text, html, sealed)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM known_devices`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("known_devices: %d %v", n, err)
		}
	})
}
