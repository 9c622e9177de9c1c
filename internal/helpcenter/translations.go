package helpcenter

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	ghtml "github.com/yuin/goldmark/renderer/html"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// Translation is one locale's words for a category, section or article.
type Translation struct {
	ID       int64  `json:"id"`
	Kind     Kind   `json:"source_type"`
	ItemID   int64  `json:"source_id"`
	Locale   string `json:"locale"`
	Title    string `json:"title"`
	Body     string `json:"body"`     // published, sanitised HTML (articles) or plain text
	Markdown string `json:"-"`        // published source
	Draft    bool   `json:"draft"`    // never published
	Outdated bool   `json:"outdated"` // the source changed since this was published
	// DraftTitle and DraftBody are what the editor is working on.
	DraftTitle  string    `json:"-"`
	DraftBody   string    `json:"-"`
	AuthorID    int64     `json:"created_by_id"`
	PublishedAt desk.Time `json:"-"`
	CreatedAt   desk.Time `json:"created_at"`
	UpdatedAt   desk.Time `json:"updated_at"`
}

// TranslationInput writes one translation. Draft true keeps the change as
// a draft; false (the default) publishes it.
type TranslationInput struct {
	Locale string  `json:"locale"`
	Title  *string `json:"title"`
	Body   *string `json:"body"`
	Draft  bool    `json:"draft"`
}

const translationCols = `t.id, t.kind, t.item_id, t.locale, t.title, t.body, t.body_html, t.draft_title, t.draft_body, t.published, t.outdated, t.author_id, t.published_at, t.created_at, t.updated_at`

func scanTranslation(sc interface{ Scan(...any) error }) (Translation, error) {
	var tr Translation
	var kind, body, html string
	var published bool
	var pub, created, updated int64
	err := sc.Scan(&tr.ID, &kind, &tr.ItemID, &tr.Locale, &tr.Title, &body, &html, &tr.DraftTitle, &tr.DraftBody,
		&published, &tr.Outdated, &tr.AuthorID, &pub, &created, &updated)
	tr.Kind, tr.Markdown, tr.Draft = Kind(kind), body, !published
	if !published { // only managers read unpublished translations: show the draft
		tr.Title, tr.Markdown, body = tr.DraftTitle, tr.DraftBody, tr.DraftBody
		if tr.Kind == KindArticle {
			html = RenderMarkdown(body)
		}
	}
	if tr.Kind == KindArticle {
		tr.Body = html
	} else {
		tr.Body = body
	}
	tr.PublishedAt, tr.CreatedAt, tr.UpdatedAt = desk.NullTimeFromMicros(pub), desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return tr, err
}

// markdown renders article bodies: CommonMark + GitHub tables, strike-
// through, autolinks and task lists, heading ids for the table of
// contents. Raw HTML passes through (API clients send HTML bodies, as
// Zendesk's do) and everything is then sanitised with the comment policy.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	goldmark.WithRendererOptions(ghtml.WithUnsafe()),
)

// RenderMarkdown turns an article body into safe HTML.
func RenderMarkdown(src string) string {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(src), &b); err != nil {
		return sanitize.HTML("<pre>" + strings.ReplaceAll(src, "<", "&lt;") + "</pre>")
	}
	return sanitize.HTML(b.String())
}

// Heading is one entry of an article's table of contents.
type Heading struct {
	Level int
	ID    string
	Text  string
}

var headingRE = regexp.MustCompile(`(?s)<h([23]) id="([A-Za-z0-9:_.\-]+)">(.*?)</h[23]>`)

// TableOfContents lists the h2/h3 headings of rendered, sanitised HTML.
// Text is plain text (escape it when rendering).
func TableOfContents(bodyHTML string) []Heading {
	var out []Heading
	for _, m := range headingRE.FindAllStringSubmatch(bodyHTML, 50) {
		out = append(out, Heading{Level: int(m[1][0] - '0'), ID: m[2], Text: sanitize.PlainText(m[3])})
	}
	return out
}

// itemSourceLocale returns the source locale of an item, locking nothing.
func itemSourceLocale(ctx context.Context, q store.Querier, kind Kind, id int64) (string, error) {
	var table string
	switch kind {
	case KindCategory:
		table = "hc_categories"
	case KindSection:
		table = "hc_sections"
	case KindArticle:
		table = "hc_articles"
	default:
		return "", desk.NotFound()
	}
	var src string
	err := q.QueryRow(ctx, `SELECT source_locale FROM `+table+` WHERE id = ?`, id).Scan(&src)
	return src, err
}

// writeTranslation creates or changes a translation inside tx: the draft
// always, and the published version unless in.Draft. Publishing keeps a
// revision, refreshes the search document of articles and, for the source
// locale, flags the other translations outdated when the words changed.
func (s *Service) writeTranslation(ctx context.Context, tx *store.Tx, p *desk.Principal, kind Kind, itemID int64, in TranslationInput) (int64, error) {
	var v desk.Validation
	if !s.ValidLocale(in.Locale) {
		v.Add("locale", "is not a supported locale")
	}
	if in.Title != nil {
		validText(&v, "title", *in.Title, MaxTitle, true)
	}
	if in.Body != nil {
		validText(&v, "body", *in.Body, MaxBody, false)
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	src, err := itemSourceLocale(ctx, tx, kind, itemID)
	if err != nil {
		return 0, notFound(err, "translation source")
	}
	now := store.Now()
	var id int64
	var title, body, oldTitle, oldBody string
	var published bool
	err = tx.QueryRow(ctx, `SELECT id, draft_title, draft_body, title, body, published FROM hc_translations WHERE kind = ? AND item_id = ? AND locale = ?`,
		string(kind), itemID, in.Locale).Scan(&id, &title, &body, &oldTitle, &oldBody, &published)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if in.Title == nil {
			return 0, desk.Invalid("title", "cannot be blank")
		}
		id, err = tx.InsertID(ctx, `INSERT INTO hc_translations (kind, item_id, locale, draft_title, draft_body, author_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, string(kind), itemID, in.Locale, *in.Title, deref(in.Body), p.UserID, now, now)
		if err != nil {
			return 0, fmt.Errorf("helpcenter: insert translation: %w", err)
		}
		title, body = *in.Title, deref(in.Body)
	case err != nil:
		return 0, fmt.Errorf("helpcenter: load translation: %w", err)
	default:
		if in.Title != nil {
			title = *in.Title
		}
		if in.Body != nil {
			body = *in.Body
		}
		if _, err := tx.Exec(ctx, `UPDATE hc_translations SET draft_title = ?, draft_body = ?, updated_at = ? WHERE id = ?`, title, body, now, id); err != nil {
			return 0, fmt.Errorf("helpcenter: save draft: %w", err)
		}
	}
	if in.Draft {
		return id, nil
	}
	return id, s.publish(ctx, tx, p, kind, itemID, src, id, in.Locale, title, body, !published || title != oldTitle || body != oldBody)
}

// publish makes title and body the published version of translation id.
func (s *Service) publish(ctx context.Context, tx *store.Tx, p *desk.Principal, kind Kind, itemID int64, src string, id int64, loc, title, body string, changed bool) error {
	now := store.Now()
	html := ""
	if kind == KindArticle {
		html = RenderMarkdown(body)
	}
	if _, err := tx.Exec(ctx, `UPDATE hc_translations SET title = ?, body = ?, body_html = ?, draft_title = ?, draft_body = ?, published = TRUE,
		outdated = FALSE, published_at = ?, updated_at = ? WHERE id = ?`, title, body, html, title, body, now, now, id); err != nil {
		return fmt.Errorf("helpcenter: publish: %w", err)
	}
	if !changed {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO hc_revisions (translation_id, title, body, author_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, title, body, p.UserID, now); err != nil {
		return fmt.Errorf("helpcenter: revision: %w", err)
	}
	if loc == src {
		if _, err := tx.Exec(ctx, `UPDATE hc_translations SET outdated = TRUE WHERE kind = ? AND item_id = ? AND locale <> ? AND published = TRUE`,
			string(kind), itemID, loc); err != nil {
			return fmt.Errorf("helpcenter: mark outdated: %w", err)
		}
	}
	switch kind {
	case KindArticle:
		if _, err := tx.Exec(ctx, `UPDATE hc_articles SET updated_at = ? WHERE id = ?`, now, itemID); err != nil {
			return fmt.Errorf("helpcenter: touch article: %w", err)
		}
		return setSearchDoc(ctx, tx, id, itemID, loc, title, sanitize.PlainText(html))
	case KindSection:
		_, err := tx.Exec(ctx, `UPDATE hc_sections SET updated_at = ? WHERE id = ?`, now, itemID)
		return err
	default:
		_, err := tx.Exec(ctx, `UPDATE hc_categories SET updated_at = ? WHERE id = ?`, now, itemID)
		return err
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// setSearchDoc replaces the search document of an article translation
// (id) of article articleID in loc.
func setSearchDoc(ctx context.Context, tx *store.Tx, id, articleID int64, loc, title, text string) error {
	title, text = textfold.Fold(title), textfold.Fold(text)
	if tx.Dialect() == store.SQLite {
		if _, err := tx.Exec(ctx, `DELETE FROM hc_article_search WHERE rowid = ?`, id); err != nil {
			return fmt.Errorf("helpcenter: search doc: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO hc_article_search (rowid, title, body) VALUES (?, ?, ?)`, id, title, text); err != nil {
			return fmt.Errorf("helpcenter: search doc: %w", err)
		}
		// The document's locale and article, beside the FTS5 table (see
		// store migration 65).
		if _, err := tx.Exec(ctx, `INSERT INTO hc_article_docs (id, article_id, locale) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET article_id = excluded.article_id, locale = excluded.locale`, id, articleID, loc); err != nil {
			return fmt.Errorf("helpcenter: search doc: %w", err)
		}
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO hc_article_search (id, article_id, locale, title, body) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, article_id = excluded.article_id, locale = excluded.locale`,
		id, articleID, loc, title, text); err != nil {
		return fmt.Errorf("helpcenter: search doc: %w", err)
	}
	return nil
}

func deleteSearchDocs(ctx context.Context, tx *store.Tx, articleIDs []int64) error {
	if len(articleIDs) == 0 {
		return nil
	}
	col := "id"
	if tx.Dialect() == store.SQLite {
		col = "rowid"
	}
	args := make([]any, len(articleIDs))
	for i, id := range articleIDs {
		args[i] = id
	}
	_, err := tx.Exec(ctx, `DELETE FROM hc_article_search WHERE `+col+` IN (SELECT id FROM hc_translations WHERE kind = 'article' AND item_id IN (`+store.Placeholders(len(args))+`))`, args...)
	if err == nil && tx.Dialect() == store.SQLite {
		_, err = tx.Exec(ctx, `DELETE FROM hc_article_docs WHERE article_id IN (`+store.Placeholders(len(args))+`)`, args...)
	}
	return err
}

// SaveTranslation writes a translation of an item (creating it when the
// locale has none) and publishes it unless in.Draft.
func (s *Service) SaveTranslation(ctx context.Context, kind Kind, itemID int64, in TranslationInput) (Translation, error) {
	p, err := requireManager(ctx)
	if err != nil {
		return Translation{}, err
	}
	var id int64
	err = s.inTx(ctx, func(tx *store.Tx) error {
		id, err = s.writeTranslation(ctx, tx, p, kind, itemID, in)
		return err
	})
	if err != nil {
		return Translation{}, err
	}
	return s.translationByID(ctx, id)
}

func (s *Service) translationByID(ctx context.Context, id int64) (Translation, error) {
	tr, err := scanTranslation(s.DB.QueryRow(ctx, `SELECT `+translationCols+` FROM hc_translations t WHERE t.id = ?`, id))
	if err != nil {
		return tr, notFound(err, "translation")
	}
	return tr, nil
}

// Translations lists the translations of an item the caller may read:
// published ones, drafts too for managers.
func (s *Service) Translations(ctx context.Context, kind Kind, itemID int64) ([]Translation, error) {
	v, err := s.viewerFor(ctx)
	if err != nil {
		return nil, err
	}
	if kind == KindArticle {
		if _, err := s.articleRow(ctx, v, itemID); err != nil {
			return nil, err
		}
	} else if _, err := itemSourceLocale(ctx, s.DB, kind, itemID); err != nil {
		return nil, notFound(err, "translations")
	}
	rows, err := s.DB.Query(ctx, `SELECT `+translationCols+` FROM hc_translations t WHERE t.kind = ? AND t.item_id = ? AND `+v.published("t")+` ORDER BY t.locale`,
		string(kind), itemID)
	if err != nil {
		return nil, fmt.Errorf("helpcenter: translations: %w", err)
	}
	defer rows.Close()
	var out []Translation
	for rows.Next() {
		tr, err := scanTranslation(rows)
		if err != nil {
			return nil, fmt.Errorf("helpcenter: translations: %w", err)
		}
		out = append(out, tr)
	}
	return out, rows.Err()
}

// Translation returns one locale's translation (as Translations filters).
func (s *Service) Translation(ctx context.Context, kind Kind, itemID int64, loc string) (Translation, error) {
	trs, err := s.Translations(ctx, kind, itemID)
	if err != nil {
		return Translation{}, err
	}
	for _, tr := range trs {
		if tr.Locale == loc {
			return tr, nil
		}
	}
	return Translation{}, desk.NotFound()
}

// DeleteTranslation removes a translation other than the source one.
func (s *Service) DeleteTranslation(ctx context.Context, kind Kind, itemID int64, loc string) error {
	if _, err := requireManager(ctx); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		src, err := itemSourceLocale(ctx, tx, kind, itemID)
		if err != nil {
			return notFound(err, "delete translation")
		}
		if src == loc {
			return desk.Invalid("locale", "the source translation cannot be deleted")
		}
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM hc_translations WHERE kind = ? AND item_id = ? AND locale = ?`, string(kind), itemID, loc).Scan(&id); err != nil {
			return notFound(err, "delete translation")
		}
		if kind == KindArticle {
			col := "id"
			if tx.Dialect() == store.SQLite {
				col = "rowid"
			}
			if _, err := tx.Exec(ctx, `DELETE FROM hc_article_search WHERE `+col+` = ?`, id); err != nil {
				return fmt.Errorf("helpcenter: delete translation: %w", err)
			}
			if tx.Dialect() == store.SQLite {
				if _, err := tx.Exec(ctx, `DELETE FROM hc_article_docs WHERE id = ?`, id); err != nil {
					return fmt.Errorf("helpcenter: delete translation: %w", err)
				}
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM hc_revisions WHERE translation_id = ?`, id); err != nil {
			return fmt.Errorf("helpcenter: delete translation: %w", err)
		}
		_, err = tx.Exec(ctx, `DELETE FROM hc_translations WHERE id = ?`, id)
		return err
	})
}

// Revision is one published version of a translation.
type Revision struct {
	ID        int64     `json:"id"`
	Locale    string    `json:"locale"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	AuthorID  int64     `json:"author_id"`
	CreatedAt desk.Time `json:"created_at"`
}

// Revisions lists an item translation's published versions, newest first
// (managers only).
func (s *Service) Revisions(ctx context.Context, kind Kind, itemID int64, loc string) ([]Revision, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT r.id, t.locale, r.title, r.body, r.author_id, r.created_at FROM hc_revisions r
		JOIN hc_translations t ON t.id = r.translation_id WHERE t.kind = ? AND t.item_id = ? AND t.locale = ? ORDER BY r.id DESC`, string(kind), itemID, loc)
	if err != nil {
		return nil, fmt.Errorf("helpcenter: revisions: %w", err)
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var r Revision
		var at int64
		if err := rows.Scan(&r.ID, &r.Locale, &r.Title, &r.Body, &r.AuthorID, &at); err != nil {
			return nil, fmt.Errorf("helpcenter: revisions: %w", err)
		}
		r.CreatedAt = desk.TimeFromMicros(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RestoreRevision publishes an earlier revision of an item's translation
// again (recorded as a new revision).
func (s *Service) RestoreRevision(ctx context.Context, kind Kind, itemID, revisionID int64) (Translation, error) {
	p, err := requireManager(ctx)
	if err != nil {
		return Translation{}, err
	}
	var id int64
	err = s.inTx(ctx, func(tx *store.Tx) error {
		var loc, title, body string
		err := tx.QueryRow(ctx, `SELECT t.locale, r.title, r.body FROM hc_revisions r JOIN hc_translations t ON t.id = r.translation_id
			WHERE r.id = ? AND t.kind = ? AND t.item_id = ?`, revisionID, string(kind), itemID).Scan(&loc, &title, &body)
		if err != nil {
			return notFound(err, "restore revision")
		}
		id, err = s.writeTranslation(ctx, tx, p, kind, itemID, TranslationInput{Locale: loc, Title: &title, Body: &body})
		return err
	})
	if err != nil {
		return Translation{}, err
	}
	return s.translationByID(ctx, id)
}

// pick chooses the translation to show for loc: loc itself, else the
// source locale, else the default locale, else any.
func pick(trs []Translation, loc, src, def string) (Translation, bool) {
	for _, want := range []string{loc, src, def} {
		for _, tr := range trs {
			if tr.Locale == want {
				return tr, true
			}
		}
	}
	if len(trs) > 0 {
		return trs[0], true
	}
	return Translation{}, false
}

// translationsOf loads the readable translations of many items of a kind.
func (s *Service) translationsOf(ctx context.Context, v viewer, kind Kind, ids []int64) (map[int64][]Translation, error) {
	return s.translationsIn(ctx, s.DB, v, kind, ids)
}

// translationsIn is translationsOf reading through db.
func (s *Service) translationsIn(ctx context.Context, db store.Querier, v viewer, kind Kind, ids []int64) (map[int64][]Translation, error) {
	out := map[int64][]Translation{}
	for chunk := range slices.Chunk(ids, 500) {
		args := []any{string(kind)}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := db.Query(ctx, `SELECT `+translationCols+` FROM hc_translations t WHERE t.kind = ? AND t.item_id IN (`+store.Placeholders(len(chunk))+`) AND `+
			v.published("t")+` ORDER BY t.locale`, args...)
		if err != nil {
			return nil, fmt.Errorf("helpcenter: translations: %w", err)
		}
		for rows.Next() {
			tr, err := scanTranslation(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("helpcenter: translations: %w", err)
			}
			out[tr.ItemID] = append(out[tr.ItemID], tr)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Preview renders an editor's Markdown as the article page would show it
// (managers only: it is part of editing).
func (s *Service) Preview(ctx context.Context, body string) (string, error) {
	if _, err := requireManager(ctx); err != nil {
		return "", err
	}
	if len(body) > MaxBody {
		return "", desk.Errorf(desk.ETOOLARGE, "body too large")
	}
	return RenderMarkdown(body), nil
}

// MissingLocales lists the supported locales an item the caller may read
// has no translation in yet (drafts count as present for managers, who
// see them), in catalogue order.
func (s *Service) MissingLocales(ctx context.Context, kind Kind, itemID int64) ([]string, error) {
	trs, err := s.Translations(ctx, kind, itemID)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, l := range s.Locales {
		if !slices.ContainsFunc(trs, func(tr Translation) bool { return tr.Locale == l }) {
			out = append(out, l)
		}
	}
	return out, nil
}

// DeleteTranslationByID removes a translation named by its own id
// (Zendesk's DELETE /translations/{id}); the source one stays.
func (s *Service) DeleteTranslationByID(ctx context.Context, id int64) error {
	if _, err := requireManager(ctx); err != nil {
		return err
	}
	tr, err := s.translationByID(ctx, id)
	if err != nil {
		return err
	}
	return s.DeleteTranslation(ctx, tr.Kind, tr.ItemID, tr.Locale)
}
