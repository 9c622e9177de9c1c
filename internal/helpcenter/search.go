package helpcenter

import (
	"context"
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// Query is a parsed search: folded words that must all appear, the last
// one also as a prefix (visitors type as they search).
type Query struct {
	Words []string
	// Any matches documents with any of the words (suggestions), ranked;
	// otherwise all must appear.
	Any bool
}

// ParseQuery folds what a visitor typed into search words. It never
// fails: anything that is not a letter or digit separates words, so FTS
// operators and SQL in user text are inert. At most MaxQueryWord words of
// at most 64 bytes each are kept.
func ParseQuery(q string) Query {
	if len(q) > MaxQuery {
		q = q[:MaxQuery]
	}
	var out Query
	for _, w := range textfold.Words(q) {
		if len(w) > 64 {
			w = w[:64]
			for !utf8.ValidString(w) {
				w = w[:len(w)-1]
			}
		}
		if w == "" {
			continue
		}
		out.Words = append(out.Words, w)
		if len(out.Words) == MaxQueryWord {
			break
		}
	}
	return out
}

// Empty reports whether there is nothing to search for.
func (q Query) Empty() bool { return len(q.Words) == 0 }

// sqlite renders the FTS5 MATCH expression: every word quoted (so it is
// never an operator), the last as a prefix.
func (q Query) sqlite() string {
	parts := make([]string, len(q.Words))
	for i, w := range q.Words {
		parts[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		if i == len(q.Words)-1 {
			parts[i] += "*"
		}
	}
	if q.Any {
		return strings.Join(parts, " OR ")
	}
	return strings.Join(parts, " AND ")
}

// postgres renders the to_tsquery text: quoted lexemes joined by &.
func (q Query) postgres() string {
	parts := make([]string, len(q.Words))
	for i, w := range q.Words {
		parts[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(w, `\`, `\\`), "'", "''") + "'"
		if i == len(q.Words)-1 {
			parts[i] += ":*"
		}
	}
	if q.Any {
		return strings.Join(parts, " | ")
	}
	return strings.Join(parts, " & ")
}

// Result is one search hit: the article in the searched locale and a
// snippet of its text with the matched words in <em>. SnippetHTML is safe
// HTML: everything but the <em> tags is escaped.
type Result struct {
	Article
	SnippetHTML string `json:"snippet"`
	// TitleHTML is the title with the matched words in <em> (safe HTML).
	TitleHTML string `json:"-"`
}

// Search finds the articles the caller may read whose translation in loc
// holds every word of query, best first, with the total count. Counting
// and ranking both happen after the visibility rule, so restricted
// articles show in neither.
func (s *Service) Search(ctx context.Context, loc, query string, page, perPage int) ([]Result, int, error) {
	return s.search(ctx, s.DB, loc, ParseQuery(query), page, perPage)
}

// search reads through db: the store, or the caller's transaction.
func (s *Service) search(ctx context.Context, db store.Querier, loc string, q Query, page, perPage int) ([]Result, int, error) {
	if q.Empty() || !s.ValidLocale(loc) {
		return nil, 0, nil
	}
	v, err := s.viewerIn(ctx, db)
	if err != nil {
		return nil, 0, err
	}
	cond, vargs := v.filter("a")
	var from, rank string
	var args []any
	// A search document carries its translation's locale and article
	// (store migration 65: in hc_article_docs on SQLite) and exists only
	// for a published article translation, so the search reads no
	// translation row.
	if s.DB.Dialect == store.SQLite {
		from = `FROM hc_article_search x JOIN hc_article_docs d ON d.id = x.rowid JOIN hc_articles a ON a.id = d.article_id
			WHERE hc_article_search MATCH ? AND d.locale = ? AND ` + cond
		rank = `bm25(hc_article_search, 10.0, 1.0)`
		args = append([]any{q.sqlite(), loc}, vargs...)
	} else {
		from = `FROM hc_article_search x JOIN hc_articles a ON a.id = x.article_id
			WHERE x.tsv @@ to_tsquery('simple', ?) AND x.locale = ? AND ` + cond
		rank = `-ts_rank(x.tsv, to_tsquery('simple', ?))`
		args = append([]any{q.postgres(), loc}, vargs...)
	}
	// One pass over the matches ranks and counts them (a window count; a
	// separate COUNT(*) would match and join them all again), keeping only
	// ids: the articles' columns (vote sums among them) are read for the
	// page alone. FTS5's bm25 cannot share a SELECT with a window
	// function, hence the nesting.
	per, pg := pageOf(page, perPage)
	qargs := args
	if s.DB.Dialect == store.Postgres {
		qargs = append([]any{q.postgres()}, args...)
	}
	rows, err := db.Query(ctx, `SELECT m.id, COUNT(*) OVER () FROM (SELECT a.id AS id, a.promoted AS promoted, `+rank+` AS r `+from+`) m
		ORDER BY m.r, m.promoted DESC, m.id`+fmt.Sprintf(` LIMIT %d OFFSET %d`, per, (pg-1)*per), qargs...)
	if err != nil {
		return nil, 0, fmt.Errorf("helpcenter: search: %w", err)
	}
	var ids []int64
	total := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &total); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("helpcenter: search: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("helpcenter: search: %w", err)
	}
	if len(ids) == 0 {
		if pg == 1 {
			return nil, 0, nil
		}
		// A page past the last: the count comes from its own query.
		if err := db.QueryRow(ctx, `SELECT COUNT(*) `+from, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("helpcenter: search count: %w", err)
		}
		return nil, total, nil
	}
	rs, err := articleRows(ctx, db, ids)
	if err != nil {
		return nil, 0, err
	}
	as, err := s.assembleIn(ctx, db, v, rs, loc)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Result, len(as))
	for i, a := range as {
		out[i] = Result{Article: a, SnippetHTML: Snippet(sanitize.PlainText(a.Body), q, 200), TitleHTML: Snippet(a.Title, q, 4*MaxTitle)}
	}
	return out, total, nil
}

// Suggest returns up to n readable articles for what a customer is typing
// (the web form's deflection), in loc: any word may match, the best
// ranked first.
func (s *Service) Suggest(ctx context.Context, loc, text string, n int) ([]Result, error) {
	return s.SuggestIn(ctx, s.DB, loc, text, n)
}

// SuggestIn is Suggest reading through db: a caller inside a transaction
// passes it, and needs no second connection while it holds one.
func (s *Service) SuggestIn(ctx context.Context, db store.Querier, loc, text string, n int) ([]Result, error) {
	if n <= 0 || n > 10 {
		n = 3
	}
	q := ParseQuery(text)
	q.Any = true
	rs, _, err := s.search(ctx, db, loc, q, 1, n)
	return rs, err
}

// Snippet cuts about max bytes of text around the first matched word and
// wraps each matched word in <em>; everything else is HTML-escaped.
func Snippet(text string, q Query, max int) string {
	type tok struct {
		start, end int
		hit        bool
	}
	var toks []tok
	first := -1
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += n
			continue
		}
		j := i
		for j < len(text) {
			r2, n2 := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
				break
			}
			j += n2
		}
		hit := matches(textfold.Fold(text[i:j]), q)
		if hit && first < 0 {
			first = i
		}
		toks = append(toks, tok{i, j, hit})
		i = j
	}
	start := 0
	if first > max/3 {
		start = first - max/3
		for start < len(text) && !utf8.RuneStart(text[start]) {
			start++
		}
	}
	end := start + max
	if end >= len(text) {
		end = len(text)
	} else {
		for end > start && !utf8.RuneStart(text[end]) {
			end--
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, t := range toks {
		if t.start < start || !t.hit {
			continue
		}
		if t.start >= end {
			break
		}
		b.WriteString(html.EscapeString(text[pos:t.start]))
		b.WriteString("<em>" + html.EscapeString(text[t.start:min(t.end, end)]) + "</em>")
		pos = min(t.end, end)
	}
	if pos < end {
		b.WriteString(html.EscapeString(text[pos:end]))
	}
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

func matches(folded string, q Query) bool {
	for _, w := range q.Words {
		if folded == w || strings.HasPrefix(folded, w) && len(w) >= 3 {
			return true
		}
	}
	return false
}

// articleRows reads the articles ids, in the order of ids.
func articleRows(ctx context.Context, db store.Querier, ids []int64) ([]articleRow, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.Query(ctx, `SELECT `+articleCols+` FROM hc_articles a WHERE a.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("helpcenter: search: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]articleRow, len(ids))
	for rows.Next() {
		r, err := scanArticleRow(rows)
		if err != nil {
			return nil, fmt.Errorf("helpcenter: search: %w", err)
		}
		byID[r.id] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("helpcenter: search: %w", err)
	}
	out := make([]articleRow, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}
