package store

// Version 50: the help center's knowledge base (package helpcenter).
//
// hc_categories → hc_sections → hc_articles, each ordered by position and
// written in a source locale. The words live in hc_translations, one row
// per item (kind category|section|article) and locale: the published title
// and body (Markdown, and the sanitised HTML rendered from it), the draft
// being edited, and outdated, set when the source translation changed
// after this one was last published. hc_revisions keeps every published
// version of a translation so an editor can restore one.
//
// Who may read an article is its visibility (everyone, signed_in, agents,
// group, organization) with segment_id naming the group or organization.
// hc_votes holds one vote per visitor and article (voter is "u:<user id>"
// or "a:<hash>" for a signed-out visitor's cookie); hc_deflections counts
// "this answered my question" from the portal's web form.
//
// hc_article_search is the full-text index of published article
// translations (row id = translation id), folded by package textfold.
func init() {
	migrations = append(migrations, migration{
		Version: 50,
		SQL: `
CREATE TABLE hc_categories (
	id {{pk}},
	position INTEGER NOT NULL DEFAULT 0,
	source_locale TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE TABLE hc_sections (
	id {{pk}},
	category_id BIGINT NOT NULL REFERENCES hc_categories(id) ON DELETE CASCADE,
	position INTEGER NOT NULL DEFAULT 0,
	source_locale TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX hc_sections_category ON hc_sections(category_id, position);
CREATE TABLE hc_articles (
	id {{pk}},
	section_id BIGINT NOT NULL REFERENCES hc_sections(id) ON DELETE CASCADE,
	author_id BIGINT NOT NULL DEFAULT 0,
	position INTEGER NOT NULL DEFAULT 0,
	source_locale TEXT NOT NULL,
	promoted BOOLEAN NOT NULL DEFAULT FALSE,
	comments_disabled BOOLEAN NOT NULL DEFAULT FALSE,
	visibility TEXT NOT NULL DEFAULT 'everyone',
	segment_id BIGINT NOT NULL DEFAULT 0,
	label_names TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX hc_articles_section ON hc_articles(section_id, position);
CREATE INDEX hc_articles_updated ON hc_articles(updated_at, id);
CREATE TABLE hc_translations (
	id {{pk}},
	kind TEXT NOT NULL,
	item_id BIGINT NOT NULL,
	locale TEXT NOT NULL,
	title TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT '',
	body_html TEXT NOT NULL DEFAULT '',
	draft_title TEXT NOT NULL DEFAULT '',
	draft_body TEXT NOT NULL DEFAULT '',
	published BOOLEAN NOT NULL DEFAULT FALSE,
	outdated BOOLEAN NOT NULL DEFAULT FALSE,
	author_id BIGINT NOT NULL DEFAULT 0,
	published_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (kind, item_id, locale)
);
CREATE TABLE hc_revisions (
	id {{pk}},
	translation_id BIGINT NOT NULL REFERENCES hc_translations(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	author_id BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX hc_revisions_translation ON hc_revisions(translation_id, id);
CREATE TABLE hc_votes (
	article_id BIGINT NOT NULL REFERENCES hc_articles(id) ON DELETE CASCADE,
	voter TEXT NOT NULL,
	value INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (article_id, voter)
);
CREATE TABLE hc_deflections (
	id {{pk}},
	article_id BIGINT NOT NULL REFERENCES hc_articles(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL DEFAULT 0,
	query TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX hc_deflections_article ON hc_deflections(article_id);
`,
		SQLiteOnly: `
CREATE VIRTUAL TABLE hc_article_search USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2');
`,
		PostgresOnly: `
CREATE TABLE hc_article_search (id BIGINT PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL,
	tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')) STORED);
CREATE INDEX hc_article_search_tsv ON hc_article_search USING GIN (tsv);
`,
	})
}
