package store

// Version 64: files attached to help-center articles (Zendesk's article
// attachments). The bytes live in the attachment store (package attach)
// under blob_key; inline ones are images shown in the article body.
// Package helpcenter writes the table.
func init() {
	migrations = append(migrations, migration{
		Version: 64,
		SQL: `
CREATE TABLE hc_article_attachments (
	id {{pk}},
	article_id BIGINT NOT NULL REFERENCES hc_articles(id) ON DELETE CASCADE,
	blob_key TEXT NOT NULL,
	file_name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	inline BOOLEAN NOT NULL DEFAULT FALSE,
	author_id BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX hc_article_attachments_article ON hc_article_attachments(article_id, id);
`,
	})
}
