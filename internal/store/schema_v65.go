package store

// Version 65: the PostgreSQL help-center search documents carry their
// translation's locale and article id (package helpcenter writes them with
// the document), so an article search reads one table and the articles of
// its matches: it no longer joins hc_translations, whose rows hold every
// body (the join was a sequential scan of all of them, about half of a
// common word's search time on 10,000 articles). A document exists only
// for a published translation, so the join's published check stays true
// without it.
//
// The GIN index over the documents stops buffering new entries in its
// pending list (fastupdate): until a vacuum merged that list, the planner
// costed the index as if the list were scanned for every query and read
// every document instead (EXPLAIN ANALYZE on 10,000 articles just after
// they were written: a sequential scan of all 20,000 documents, 7-14 ms,
// against 0.3 ms through the index). Articles are written rarely, so the
// slower index insert costs nothing anyone waits for.
//
// On SQLite the FTS5 table keeps its shape (its scores stay exactly what
// they were) and hc_article_docs, a narrow table keyed like it (the
// translation id), holds the two columns. Reading a column of the FTS5
// table itself, even an UNINDEXED one, costs a lookup of the document's
// whole stored text per match (measured: 19 ms for the ≈ 3,400 matches of
// a common word, against 0.4 ms for the match alone), and the translation
// row the search joined before holds the Markdown, the HTML and the draft.
func init() {
	migrations = append(migrations, migration{
		Version: 65,
		PostgresOnly: `ALTER TABLE hc_article_search ADD COLUMN locale TEXT NOT NULL DEFAULT '';
ALTER TABLE hc_article_search ADD COLUMN article_id BIGINT NOT NULL DEFAULT 0;
UPDATE hc_article_search x SET locale = t.locale, article_id = t.item_id FROM hc_translations t WHERE t.id = x.id;
DELETE FROM hc_article_search x WHERE NOT EXISTS (SELECT 1 FROM hc_translations t WHERE t.id = x.id AND t.kind = 'article' AND t.published);
ALTER INDEX hc_article_search_tsv SET (fastupdate = off);
SELECT gin_clean_pending_list('hc_article_search_tsv'::regclass);`,
		SQLiteOnly: `CREATE TABLE hc_article_docs (
	id INTEGER PRIMARY KEY,
	article_id INTEGER NOT NULL,
	locale TEXT NOT NULL
);
INSERT INTO hc_article_docs (id, article_id, locale)
	SELECT t.id, t.item_id, t.locale FROM hc_translations t
	WHERE t.kind = 'article' AND t.published AND t.id IN (SELECT rowid FROM hc_article_search);`,
	})
}
