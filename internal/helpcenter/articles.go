package helpcenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Article is an article shown in one locale, in Zendesk's shape.
type Article struct {
	ID               int64      `json:"id"`
	SectionID        int64      `json:"section_id"`
	AuthorID         int64      `json:"author_id"`
	Title            string     `json:"title"`
	Body             string     `json:"body"` // sanitised HTML
	Markdown         string     `json:"-"`
	Locale           string     `json:"locale"`
	SourceLocale     string     `json:"source_locale"`
	Draft            bool       `json:"draft"`
	Outdated         bool       `json:"outdated"`
	Promoted         bool       `json:"promoted"`
	CommentsDisabled bool       `json:"comments_disabled"`
	Visibility       Visibility `json:"visibility"`
	SegmentID        int64      `json:"user_segment_id"`
	Labels           []string   `json:"label_names"`
	Position         int        `json:"position"`
	VoteSum          int        `json:"vote_sum"`
	VoteCount        int        `json:"vote_count"`
	CreatedAt        desk.Time  `json:"created_at"`
	UpdatedAt        desk.Time  `json:"updated_at"`
	EditedAt         desk.Time  `json:"edited_at"`
	// Locales are the locales the article can be read in (hreflang), and
	// Titles its title in each of them.
	Locales []string          `json:"-"`
	Titles  map[string]string `json:"-"`
}

// Slug is the URL part after the article's id.
func (a Article) Slug() string { return Slug(a.Title) }

// Public reports whether anyone may read the article (it may be indexed).
func (a Article) Public() bool { return a.Visibility == VisEveryone }

// ArticleInput creates or changes an article; absent fields stay. Title
// and Body write the translation in Locale (the source locale when
// creating); Draft keeps that change unpublished.
type ArticleInput struct {
	SectionID        *int64      `json:"section_id"`
	Locale           string      `json:"locale"`
	Title            *string     `json:"title"`
	Body             *string     `json:"body"`
	Draft            bool        `json:"draft"`
	Promoted         *bool       `json:"promoted"`
	CommentsDisabled *bool       `json:"comments_disabled"`
	Visibility       *Visibility `json:"visibility"`
	SegmentID        *int64      `json:"user_segment_id"`
	Labels           *[]string   `json:"label_names"`
	Position         *int        `json:"position"`
}

type articleRow struct {
	id, section, author, segment int64
	position                     int
	src, vis, labels             string
	promoted, noComments         bool
	created, updated             int64
	voteSum, voteCount           int
}

const articleCols = `a.id, a.section_id, a.author_id, a.segment_id, a.position, a.source_locale, a.visibility, a.label_names, a.promoted, a.comments_disabled, a.created_at, a.updated_at,
	(SELECT COALESCE(SUM(value), 0) FROM hc_votes v WHERE v.article_id = a.id), (SELECT COUNT(*) FROM hc_votes v WHERE v.article_id = a.id)`

func scanArticleRow(sc interface{ Scan(...any) error }) (articleRow, error) {
	var r articleRow
	err := sc.Scan(&r.id, &r.section, &r.author, &r.segment, &r.position, &r.src, &r.vis, &r.labels, &r.promoted, &r.noComments,
		&r.created, &r.updated, &r.voteSum, &r.voteCount)
	return r, err
}

// articleRow loads an article the viewer may read, else ENOTFOUND.
func (s *Service) articleRow(ctx context.Context, v viewer, id int64) (articleRow, error) {
	cond, args := v.filter("a")
	r, err := scanArticleRow(s.DB.QueryRow(ctx, `SELECT `+articleCols+` FROM hc_articles a WHERE a.id = ? AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return r, notFound(err, "article")
	}
	return r, nil
}

func (s *Service) validateArticle(ctx context.Context, q store.Querier, in *ArticleInput, creating bool) error {
	var v desk.Validation
	if creating && (in.Title == nil || strings.TrimSpace(*in.Title) == "") {
		v.Add("title", "cannot be blank")
	}
	if in.Visibility != nil {
		if !in.Visibility.Valid() {
			v.Add("visibility", "must be everyone, signed_in, agents, group or organization")
		} else if (*in.Visibility == VisGroup || *in.Visibility == VisOrganization) && (in.SegmentID == nil || *in.SegmentID <= 0) {
			v.Add("user_segment_id", "names the group or organization that may read the article")
		}
	}
	if in.SegmentID != nil && *in.SegmentID > 0 && in.Visibility != nil && in.Visibility.Valid() {
		var table string
		switch *in.Visibility {
		case VisGroup:
			table = "agent_groups"
		case VisOrganization:
			table = "organizations"
		}
		if table != "" {
			var one int
			if err := q.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, *in.SegmentID).Scan(&one); err != nil {
				if !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("helpcenter: segment: %w", err)
				}
				v.Add("user_segment_id", "no such "+strings.TrimSuffix(strings.TrimPrefix(table, "agent_"), "s"))
			}
		}
	}
	if in.Labels != nil {
		*in.Labels = cleanLabels(&v, *in.Labels)
	}
	if in.SectionID != nil {
		if _, err := itemSourceLocale(ctx, q, KindSection, *in.SectionID); err != nil {
			v.Add("section_id", "is not a section")
		}
	} else if creating {
		v.Add("section_id", "cannot be blank")
	}
	return v.Err()
}

// CreateArticle adds an article with its source translation (published
// unless in.Draft).
func (s *Service) CreateArticle(ctx context.Context, in ArticleInput) (Article, error) {
	p, err := requireManager(ctx)
	if err != nil {
		return Article{}, err
	}
	if in.Locale == "" {
		in.Locale = s.DefaultLocale()
	}
	var id int64
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if err := s.validateArticle(ctx, tx, &in, true); err != nil {
			return err
		}
		if !s.ValidLocale(in.Locale) {
			return desk.Invalid("locale", "is not a supported locale")
		}
		vis, seg := VisEveryone, int64(0)
		if in.Visibility != nil {
			vis = *in.Visibility
			if vis == VisGroup || vis == VisOrganization {
				seg = *in.SegmentID
			}
		}
		var labels []string
		if in.Labels != nil {
			labels = *in.Labels
		}
		now := store.Now()
		id, err = tx.InsertID(ctx, `INSERT INTO hc_articles (section_id, author_id, position, source_locale, promoted, comments_disabled, visibility, segment_id, label_names, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, *in.SectionID, p.UserID, derefInt(in.Position), in.Locale, derefBool(in.Promoted), derefBool(in.CommentsDisabled),
			string(vis), seg, strings.Join(labels, ","), now, now)
		if err != nil {
			return fmt.Errorf("helpcenter: create article: %w", err)
		}
		_, err = s.writeTranslation(ctx, tx, p, KindArticle, id, TranslationInput{Locale: in.Locale, Title: in.Title, Body: in.Body, Draft: in.Draft})
		return err
	})
	if err != nil {
		return Article{}, err
	}
	return s.Article(ctx, id, in.Locale)
}

// UpdateArticle changes an article's properties and, when Title or Body
// are given, its translation in in.Locale (default: the source locale).
func (s *Service) UpdateArticle(ctx context.Context, id int64, in ArticleInput) (Article, error) {
	p, err := requireManager(ctx)
	if err != nil {
		return Article{}, err
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		var src, vis string
		var seg int64
		if err := tx.QueryRow(ctx, `SELECT source_locale, visibility, segment_id FROM hc_articles WHERE id = ?`, id).Scan(&src, &vis, &seg); err != nil {
			return notFound(err, "update article")
		}
		if in.Locale == "" {
			in.Locale = src
		}
		if in.Visibility == nil && in.SegmentID != nil {
			x := Visibility(vis)
			in.Visibility = &x
		}
		if err := s.validateArticle(ctx, tx, &in, false); err != nil {
			return err
		}
		var sets []string
		var args []any
		set := func(col string, v any) { sets, args = append(sets, col+" = ?"), append(args, v) }
		if in.SectionID != nil {
			set("section_id", *in.SectionID)
		}
		if in.Promoted != nil {
			set("promoted", *in.Promoted)
		}
		if in.CommentsDisabled != nil {
			set("comments_disabled", *in.CommentsDisabled)
		}
		if in.Position != nil {
			set("position", *in.Position)
		}
		if in.Labels != nil {
			set("label_names", strings.Join(*in.Labels, ","))
		}
		if in.Visibility != nil {
			set("visibility", string(*in.Visibility))
			seg = 0
			if *in.Visibility == VisGroup || *in.Visibility == VisOrganization {
				seg = *in.SegmentID
			}
			set("segment_id", seg)
		}
		if len(sets) > 0 {
			set("updated_at", store.Now())
			if _, err := tx.Exec(ctx, `UPDATE hc_articles SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, id)...); err != nil {
				return fmt.Errorf("helpcenter: update article: %w", err)
			}
		}
		if in.Title != nil || in.Body != nil {
			if _, err := s.writeTranslation(ctx, tx, p, KindArticle, id, TranslationInput{Locale: in.Locale, Title: in.Title, Body: in.Body, Draft: in.Draft}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Article{}, err
	}
	return s.Article(ctx, id, in.Locale)
}

// DeleteArticle removes an article, its translations, revisions and votes.
func (s *Service) DeleteArticle(ctx context.Context, id int64) error {
	if _, err := requireManager(ctx); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if _, err := itemSourceLocale(ctx, tx, KindArticle, id); err != nil {
			return notFound(err, "delete article")
		}
		return deleteArticle(ctx, tx, id)
	})
}

func derefBool(b *bool) bool { return b != nil && *b }

// Article returns an article the caller may read, in loc when translated,
// else its source locale (Article.Locale tells which).
func (s *Service) Article(ctx context.Context, id int64, loc string) (Article, error) {
	v, err := s.viewerFor(ctx)
	if err != nil {
		return Article{}, err
	}
	r, err := s.articleRow(ctx, v, id)
	if err != nil {
		return Article{}, err
	}
	as, err := s.assemble(ctx, v, []articleRow{r}, loc)
	if err != nil {
		return Article{}, err
	}
	if len(as) == 0 {
		return Article{}, desk.NotFound()
	}
	return as[0], nil
}

// assemble joins article rows with the translation each is shown in;
// articles with no readable translation are left out.
func (s *Service) assemble(ctx context.Context, v viewer, rows []articleRow, loc string) ([]Article, error) {
	return s.assembleIn(ctx, s.DB, v, rows, loc)
}

// assembleIn is assemble reading through db.
func (s *Service) assembleIn(ctx context.Context, db store.Querier, v viewer, rows []articleRow, loc string) ([]Article, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	trs, err := s.translationsIn(ctx, db, v, KindArticle, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Article, 0, len(rows))
	for _, r := range rows {
		tr, ok := pick(trs[r.id], loc, r.src, s.DefaultLocale())
		if !ok {
			continue
		}
		a := Article{
			ID: r.id, SectionID: r.section, AuthorID: r.author, Title: tr.Title, Body: tr.Body, Markdown: tr.Markdown,
			Locale: tr.Locale, SourceLocale: r.src, Draft: tr.Draft, Outdated: tr.Outdated, Promoted: r.promoted,
			CommentsDisabled: r.noComments, Visibility: Visibility(r.vis), SegmentID: r.segment, Labels: []string{},
			Position: r.position, VoteSum: r.voteSum, VoteCount: r.voteCount,
			CreatedAt: desk.TimeFromMicros(r.created), UpdatedAt: desk.TimeFromMicros(r.updated), EditedAt: tr.UpdatedAt,
		}
		if r.labels != "" {
			a.Labels = strings.Split(r.labels, ",")
		}
		a.Titles = map[string]string{}
		for _, t := range trs[r.id] {
			if !t.Draft {
				a.Locales = append(a.Locales, t.Locale)
				a.Titles[t.Locale] = t.Title
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// ArticleFilter narrows Articles.
type ArticleFilter struct {
	Locale     string
	SectionID  int64
	CategoryID int64
	Promoted   bool
	Label      string
	// Page is 1-based; PerPage at most 100 (default 30).
	Page, PerPage int
	// SortBy: position (default), created_at, updated_at, title is not sortable in SQL.
	SortBy    string
	SortOrder string
}

// Articles lists the articles the caller may read, with the total count.
func (s *Service) Articles(ctx context.Context, f ArticleFilter) ([]Article, int, error) {
	v, err := s.viewerFor(ctx)
	if err != nil {
		return nil, 0, err
	}
	cond, args := v.filter("a")
	where := ` FROM hc_articles a JOIN hc_sections s ON s.id = a.section_id JOIN hc_categories c ON c.id = s.category_id WHERE ` + cond +
		` AND EXISTS (SELECT 1 FROM hc_translations t WHERE t.kind = 'article' AND t.item_id = a.id AND ` + v.published("t") + `)`
	if f.SectionID != 0 {
		where += ` AND a.section_id = ?`
		args = append(args, f.SectionID)
	}
	if f.CategoryID != 0 {
		where += ` AND s.category_id = ?`
		args = append(args, f.CategoryID)
	}
	if f.Promoted {
		where += ` AND a.promoted = TRUE`
	}
	if f.Label != "" {
		where += ` AND (',' || a.label_names || ',') LIKE ? ESCAPE '\'`
		args = append(args, "%,"+likeEscape(f.Label)+",%")
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("helpcenter: count articles: %w", err)
	}
	order := ` ORDER BY c.position, c.id, s.position, s.id, a.position, a.id`
	dir := "ASC"
	if strings.EqualFold(f.SortOrder, "desc") {
		dir = "DESC"
	}
	switch f.SortBy {
	case "created_at":
		order = ` ORDER BY a.created_at ` + dir + `, a.id ` + dir
	case "updated_at":
		order = ` ORDER BY a.updated_at ` + dir + `, a.id ` + dir
	}
	per, page := pageOf(f.Page, f.PerPage)
	rows, err := s.DB.Query(ctx, `SELECT `+articleCols+where+order+fmt.Sprintf(` LIMIT %d OFFSET %d`, per, (page-1)*per), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("helpcenter: articles: %w", err)
	}
	var rs []articleRow
	for rows.Next() {
		r, err := scanArticleRow(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("helpcenter: articles: %w", err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	as, err := s.assemble(ctx, v, rs, f.Locale)
	return as, total, err
}

func pageOf(page, per int) (int, int) {
	if per <= 0 {
		per = 30
	}
	if per > maxPerPage {
		per = maxPerPage
	}
	if page <= 0 {
		page = 1
	}
	if page > 10000 {
		page = 10000
	}
	return per, page
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Related returns up to n other readable articles in the same section,
// those sharing a label first.
func (s *Service) Related(ctx context.Context, a Article, loc string, n int) ([]Article, error) {
	as, _, err := s.Articles(ctx, ArticleFilter{Locale: loc, SectionID: a.SectionID, PerPage: 50})
	if err != nil {
		return nil, err
	}
	var shared, rest []Article
	for _, x := range as {
		if x.ID == a.ID {
			continue
		}
		if sharesLabel(a.Labels, x.Labels) {
			shared = append(shared, x)
		} else {
			rest = append(rest, x)
		}
	}
	out := append(shared, rest...)
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

func sharesLabel(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// SitemapEntry is one public article translation.
type SitemapEntry struct {
	ArticleID int64
	Locale    string
	Title     string
	UpdatedAt desk.Time
}

// Sitemap lists the published translations of the articles anyone may
// read: it asks as an anonymous visitor, whoever calls.
func (s *Service) Sitemap(ctx context.Context) ([]SitemapEntry, error) {
	cond, args := viewer{}.filter("a")
	rows, err := s.DB.Query(ctx, `SELECT a.id, t.locale, t.title, t.updated_at FROM hc_articles a JOIN hc_translations t ON t.kind = 'article' AND t.item_id = a.id
		WHERE `+cond+` AND t.published = TRUE ORDER BY a.id, t.locale LIMIT 50000`, args...)
	if err != nil {
		return nil, fmt.Errorf("helpcenter: sitemap: %w", err)
	}
	defer rows.Close()
	var out []SitemapEntry
	for rows.Next() {
		var e SitemapEntry
		var at int64
		if err := rows.Scan(&e.ArticleID, &e.Locale, &e.Title, &at); err != nil {
			return nil, fmt.Errorf("helpcenter: sitemap: %w", err)
		}
		e.UpdatedAt = desk.TimeFromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Incremental returns up to 100 readable articles changed at or after
// since (microseconds), oldest first, and the updated_at of the last one.
func (s *Service) Incremental(ctx context.Context, since int64, loc string) ([]Article, int64, error) {
	v, err := s.viewerFor(ctx)
	if err != nil {
		return nil, 0, err
	}
	cond, args := v.filter("a")
	rows, err := s.DB.Query(ctx, `SELECT `+articleCols+` FROM hc_articles a WHERE a.updated_at >= ? AND `+cond+` ORDER BY a.updated_at, a.id LIMIT 100`,
		append([]any{since}, args...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("helpcenter: incremental: %w", err)
	}
	var rs []articleRow
	for rows.Next() {
		r, err := scanArticleRow(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("helpcenter: incremental: %w", err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	end := since
	if len(rs) > 0 {
		end = rs[len(rs)-1].updated
	}
	as, err := s.assemble(ctx, v, rs, loc)
	return as, end, err
}

// VoteValue is an up (1) or down (-1) vote.
type VoteValue int

const (
	VoteUp   VoteValue = 1
	VoteDown VoteValue = -1
)

// Vote records the caller's vote on an article they may read, replacing
// an earlier one: one vote per visitor. Signed-in users vote as
// themselves; anonymous visitors as anonKey. The article comes back in loc (a hash of a cookie the web
// layer keeps; it must be non-empty).
func (s *Service) Vote(ctx context.Context, articleID int64, loc string, value VoteValue, anonKey string) (Article, error) {
	if value != VoteUp && value != VoteDown {
		return Article{}, desk.Invalid("value", "must be up or down")
	}
	v, err := s.viewerFor(ctx)
	if err != nil {
		return Article{}, err
	}
	if _, err := s.articleRow(ctx, v, articleID); err != nil {
		return Article{}, err
	}
	voter, err := voterOf(ctx, anonKey)
	if err != nil {
		return Article{}, err
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		now := store.Now()
		_, err := tx.Exec(ctx, `INSERT INTO hc_votes (article_id, voter, value, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (article_id, voter) DO UPDATE SET value = excluded.value, created_at = excluded.created_at`, articleID, voter, int(value), now)
		if err != nil {
			return fmt.Errorf("helpcenter: vote: %w", err)
		}
		return nil
	})
	if err != nil {
		return Article{}, err
	}
	return s.Article(ctx, articleID, loc)
}

// Deflect records that an article answered a visitor's question on the
// web form (no ticket was made).
func (s *Service) Deflect(ctx context.Context, articleID int64, query string) error {
	v, err := s.viewerFor(ctx)
	if err != nil {
		return err
	}
	if _, err := s.articleRow(ctx, v, articleID); err != nil {
		return err
	}
	if len(query) > MaxQuery {
		query = query[:MaxQuery]
	}
	query = strings.ToValidUTF8(query, "")
	var uid int64
	if p := desk.PrincipalFrom(ctx); p != nil {
		uid = p.UserID
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO hc_deflections (article_id, user_id, query, created_at) VALUES (?, ?, ?, ?)`, articleID, uid, query, store.Now())
		if err != nil {
			return fmt.Errorf("helpcenter: deflection: %w", err)
		}
		return nil
	})
}

// Deflections counts "this answered my question" per article (managers).
func (s *Service) Deflections(ctx context.Context) (map[int64]int, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT article_id, COUNT(*) FROM hc_deflections GROUP BY article_id`)
	if err != nil {
		return nil, fmt.Errorf("helpcenter: deflections: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
