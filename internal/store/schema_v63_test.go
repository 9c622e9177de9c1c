package store

import (
	"context"
	"testing"
)

// TestV63Upgrade migrates a version-62 database with help-center votes:
// every vote keeps its article, voter and value and gets an id; one vote
// per visitor and article still holds (the upsert the service uses works);
// new votes get fresh ids.
func TestV63Upgrade(t *testing.T) {
	ctx := context.Background()
	eachAtVersion(t, 62, func(t *testing.T, db *DB) {
		var art int64
		err := db.InTx(ctx, func(tx *Tx) error {
			cat, err := tx.InsertID(ctx, `INSERT INTO hc_categories (source_locale, created_at, updated_at) VALUES ('en', 1, 1)`)
			if err != nil {
				return err
			}
			sec, err := tx.InsertID(ctx, `INSERT INTO hc_sections (category_id, source_locale, created_at, updated_at) VALUES (?, 'en', 1, 1)`, cat)
			if err != nil {
				return err
			}
			art, err = tx.InsertID(ctx, `INSERT INTO hc_articles (section_id, source_locale, created_at, updated_at) VALUES (?, 'en', 1, 1)`, sec)
			if err != nil {
				return err
			}
			for i, v := range []string{"u:1", "u:2", "a:cookie"} {
				if _, err := tx.Exec(ctx, `INSERT INTO hc_votes (article_id, voter, value, created_at) VALUES (?, ?, ?, ?)`, art, v, 1-2*(i%2), i+1); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var n, sum, distinct int
		if err := db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(value), 0), COUNT(DISTINCT id) FROM hc_votes WHERE article_id = ? AND id > 0`, art).Scan(&n, &sum, &distinct); err != nil {
			t.Fatal(err)
		}
		if n != 3 || sum != 1 || distinct != 3 {
			t.Fatalf("votes after the upgrade: %d (sum %d, %d ids)", n, sum, distinct)
		}
		var before int64
		db.QueryRow(ctx, `SELECT MAX(id) FROM hc_votes`).Scan(&before)
		err = db.InTx(ctx, func(tx *Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO hc_votes (article_id, voter, value, created_at) VALUES (?, 'u:1', -1, 9)
				ON CONFLICT (article_id, voter) DO UPDATE SET value = excluded.value`, art); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO hc_votes (article_id, voter, value, created_at) VALUES (?, 'u:3', 1, 9)`, art)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var fresh int64
		db.QueryRow(ctx, `SELECT COUNT(*) FROM hc_votes`).Scan(&n)
		db.QueryRow(ctx, `SELECT id FROM hc_votes WHERE voter = 'u:3'`).Scan(&fresh)
		if n != 4 || fresh <= before {
			t.Fatalf("after an upsert and a new vote: %d votes, new id %d (max before %d)", n, fresh, before)
		}
		if err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO hc_votes (article_id, voter, value, created_at) VALUES (?, 'u:3', 1, 10)`, art)
			return err
		}); err == nil {
			t.Fatal("a second vote of one voter on one article was accepted")
		}
	})
}
