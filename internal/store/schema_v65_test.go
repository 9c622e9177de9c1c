package store

import (
	"context"
	"testing"
)

// TestV65Upgrade migrates a version-64 database holding help-center
// search documents and checks that each keeps its text and gains its
// translation's locale and article, and that the search can filter on
// them without the translations table.
func TestV65Upgrade(t *testing.T) {
	ctx := context.Background()
	eachAtVersion(t, 64, func(t *testing.T, db *DB) {
		var art, en, pl int64
		err := db.InTx(ctx, func(tx *Tx) error {
			cat, err := tx.InsertID(ctx, `INSERT INTO hc_categories (source_locale, created_at, updated_at) VALUES ('en', 1, 1)`)
			if err != nil {
				return err
			}
			sec, err := tx.InsertID(ctx, `INSERT INTO hc_sections (category_id, source_locale, created_at, updated_at) VALUES (?, 'en', 1, 1)`, cat)
			if err != nil {
				return err
			}
			if art, err = tx.InsertID(ctx, `INSERT INTO hc_articles (section_id, source_locale, created_at, updated_at) VALUES (?, 'en', 1, 1)`, sec); err != nil {
				return err
			}
			// A category translation first, so translation and article ids differ.
			if _, err = tx.InsertID(ctx, `INSERT INTO hc_translations (kind, item_id, locale, title, published, created_at, updated_at)
				VALUES ('category', ?, 'en', 'C', TRUE, 1, 1)`, cat); err != nil {
				return err
			}
			for loc, id := range map[string]*int64{"en": &en, "pl": &pl} {
				if *id, err = tx.InsertID(ctx, `INSERT INTO hc_translations (kind, item_id, locale, title, body, published, created_at, updated_at)
					VALUES ('article', ?, ?, 'password', 'reset', TRUE, 1, 1)`, art, loc); err != nil {
					return err
				}
				q := `INSERT INTO hc_article_search (id, title, body) VALUES (?, ?, ?)`
				if db.Dialect == SQLite {
					q = `INSERT INTO hc_article_search (rowid, title, body) VALUES (?, ?, ?)`
				}
				if _, err := tx.Exec(ctx, q, *id, "haslo "+loc, "reset"); err != nil {
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
		q := `SELECT x.rowid, d.locale, d.article_id, x.title FROM hc_article_search x JOIN hc_article_docs d ON d.id = x.rowid
			WHERE hc_article_search MATCH '"haslo"*' ORDER BY x.rowid`
		if db.Dialect == Postgres {
			q = `SELECT x.id, x.locale, x.article_id, x.title FROM hc_article_search x WHERE x.tsv @@ to_tsquery('simple', 'haslo:*') ORDER BY x.id`
		}
		rows, err := db.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var id, aid int64
			var loc, title string
			if err := rows.Scan(&id, &loc, &aid, &title); err != nil {
				t.Fatal(err)
			}
			if aid != art || (id == en) != (loc == "en") || title != "haslo "+loc {
				t.Errorf("document %d: locale %q, article %d (want %d), title %q", id, loc, aid, art, title)
			}
			got = append(got, loc)
		}
		if len(got) != 2 {
			t.Errorf("documents after the upgrade: %v", got)
		}
	})
}
