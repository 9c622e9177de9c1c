// Package search runs Zendesk-style searches ("status<solved assignee:me
// printer") over tickets, users and organizations on both stores.
//
// Queries are parsed by package query; this package turns the parsed terms
// into SQL built only from fixed fragments and '?' placeholders — user text
// is always a bound value — and into full-text conditions over the
// ticket_search, user_search and organization_search tables, whose
// documents are folded by textfold so "zgloszenie" finds "Zgłoszenie".
package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/search/query"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Paging limits, as in Zendesk's Search API.
const (
	// MaxResults is how deep paging may go: page*perPage may not exceed it.
	MaxResults = 1000
	// MaxPerPage is the largest page; larger requests are clamped.
	MaxPerPage = 100
	// maxWords bounds the free-text words of one query.
	maxWords = 100
	// maxPublicCandidates bounds the tickets an end-user's free-text
	// search checks against public text (see publicFilter).
	maxPublicCandidates = 5000
)

// Service runs searches. It is safe for concurrent use.
type Service struct {
	DB      *store.DB
	Tickets *ticket.Service
	People  *people.Service
	// Now is the clock for relative dates ("created>2days"); nil means
	// time.Now. Date-only values are days in its location.
	Now func() time.Time
	// Window overrides DefaultWindow (tests use a small one).
	Window int

	commonWords  flagCache
	orderedPages flagCache
}

// flagCache remembers a yes-or-no answer for a few minutes: whether a word
// is common (found in more documents than the window), which changes
// slowly and costs a pass over the word's most recent postings to check,
// and whether a page query's plan reads its rows in the asked order (see
// pageStopsEarly). A stale answer costs time, never a wrong result.
type flagCache struct {
	mu sync.Mutex
	m  map[string]flagEntry
}

type flagEntry struct {
	yes bool
	exp time.Time
}

func (c *flagCache) get(k string) (bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Now().After(e.exp) {
		return false, false
	}
	return e.yes, true
}

func (c *flagCache) put(k string, yes bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]flagEntry{}
	}
	c.m[k] = flagEntry{yes: yes, exp: time.Now().Add(5 * time.Minute)}
}

// New returns a Service.
func New(db *store.DB, tickets *ticket.Service, ppl *people.Service) *Service {
	return &Service{DB: db, Tickets: tickets, People: ppl}
}

// Result is one hit: exactly one of Ticket, User and Organization is set,
// matching Type.
type Result struct {
	Type         string // "ticket", "user" or "organization"
	ID           int64
	Ticket       *desk.Ticket
	User         *desk.User
	Organization *desk.Organization
}

// Search runs a Zendesk-style query for the principal in ctx. page is
// 1-based (values below 1 mean 1); perPage is clamped to 1…MaxPerPage
// (0 means MaxPerPage). At most MaxResults results are reachable: a page
// beyond them is EINVALID, as in Zendesk. count is the number of matches
// (which may exceed MaxResults).
//
// Without a type: filter, tickets come first, then users, then
// organizations; end-users only ever find tickets they can see.
func (s *Service) Search(ctx context.Context, q string, page, perPage int) (results []Result, count int, err error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, 0, err
	}
	if perPage <= 0 || perPage > MaxPerPage {
		perPage = MaxPerPage
	}
	if page < 1 {
		page = 1
	}
	if page > MaxResults/perPage { // page*perPage > MaxResults, without overflow
		return nil, 0, desk.Invalid("page", fmt.Sprintf("is too large: at most %d results can be paged through (page × per_page)", MaxResults))
	}
	r, targets, err := s.prepare(ctx, p, q)
	if err != nil {
		return nil, 0, err
	}
	skip, want := (page-1)*perPage, perPage
	results = []Result{}
	for _, tg := range targets {
		if err := r.compile(ctx, tg); err != nil {
			return nil, 0, err
		}
		if tg.never {
			continue
		}
		ids, n, err := r.fetch(ctx, tg, skip, want)
		if err != nil {
			return nil, 0, err
		}
		count += n
		if skip >= n {
			skip -= n
		} else {
			skip = 0
		}
		want -= len(ids)
		loaded, err := s.load(ctx, tg.ent.typ, ids)
		if err != nil {
			return nil, 0, err
		}
		results = append(results, loaded...)
	}
	return results, count, nil
}

// Count returns how many results Search would find for q.
func (s *Service) Count(ctx context.Context, q string) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	r, targets, err := s.prepare(ctx, p, q)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, tg := range targets {
		if err := r.compile(ctx, tg); err != nil {
			return 0, err
		}
		if tg.never {
			continue
		}
		_, n, err := r.fetch(ctx, tg, 0, 0)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// run is the state of one search.
type run struct {
	s   *Service
	db  *store.DB
	p   *desk.Principal
	now time.Time
	q   *query.Query
}

// entity describes one searchable record type.
type entity struct {
	typ   string // result type
	table string // table, aliased as alias
	alias string
	fts   string // full-text table
	// freeText lists fields whose values are searched as free text in
	// the full-text document (it cannot be restricted to one part).
	freeText map[string]bool
	// orders maps order_by values onto fixed SQL expressions.
	orders map[string]string
}

var (
	ticketEntity = &entity{
		typ: "ticket", table: "tickets", alias: "t", fts: "ticket_search",
		freeText: map[string]bool{"subject": true, "description": true},
		orders: map[string]string{
			"created_at": "t.created_at", "updated_at": "t.updated_at",
			"priority": "t.priority_rank", "status": "t.status_rank",
			"ticket_type": "COALESCE(t.type, '')",
		},
	}
	userEntity = &entity{
		typ: "user", table: "users", alias: "u", fts: "user_search",
		freeText: map[string]bool{"details": true, "notes": true},
		orders:   map[string]string{"created_at": "u.created_at", "updated_at": "u.updated_at"},
	}
	orgEntity = &entity{
		typ: "organization", table: "organizations", alias: "o", fts: "organization_search",
		freeText: map[string]bool{"details": true, "notes": true},
		orders:   map[string]string{"created_at": "o.created_at", "updated_at": "o.updated_at"},
	}
	// orderFields is every accepted order_by value.
	orderFields = map[string]bool{"created_at": true, "updated_at": true, "priority": true, "status": true, "ticket_type": true}
)

// target is the compiled search over one entity.
type target struct {
	ent      *entity
	never    bool // a term does not apply to this type: no rows
	where    []string
	args     []any
	conds    int // how many of where are the query's conditions (status:…)
	pos, neg []word
	// public marks an end-user's ticket search with free text: the words
	// are checked in Go against what the user may read (publicFilter).
	public bool
	// common marks a search holding a word found in more documents than
	// the window: it is ordered by recency rather than bm25 (see window).
	common bool
	// minID bounds a free-text search to its window of most recent matches
	// (0: no bound). See window.
	minID int64
	// dense marks a full window whose documents are at least half of the
	// ids from minID up: its records are best read as a range (see
	// pgWindowSQL).
	dense bool
	// windowIDs is a full window's ids as a PostgreSQL array literal
	// when they are exactly its matches ("" otherwise). See window.
	windowIDs string
	// empty marks a search whose window found no document holding all
	// its words (loosened), none typed with punctuation: it has no match.
	empty bool
	// counted marks a search whose window pass also counted its matches
	// (count): see windowCounts.
	counted bool
	count   int
	// keyset marks an export: matches are ordered by id ascending and
	// start after afterID, without relevance, window or order_by.
	keyset  bool
	afterID int64
}

// DefaultWindow is how many of the most recent documents matching the free text a
// search considers. A word found in most tickets would otherwise make every
// search rank and count hundreds of thousands of rows; Zendesk itself lets
// clients page through only the first 1,000 results.
const DefaultWindow = 5000

// loosen splits phrases into single words (keeping a trailing prefix).
func loosen(ws []word) []word {
	var out []word
	for _, w := range ws {
		for i, x := range w.words {
			out = append(out, word{words: []string{x}, prefix: w.prefix && i == len(w.words)-1})
		}
	}
	return out
}

// window finds the id of the oldest of the window's most recent document matching tg's
// free text, so later queries can constrain the full-text index to ids at
// or above it (both FTS5 and a GIN/B-tree plan use that bound directly).
func (r *run) window(ctx context.Context, tg *target) error {
	if len(tg.pos) == 0 || tg.public {
		return nil
	}
	// The window is taken over documents holding every word, phrases
	// loosened to their words: checking word positions over the whole
	// index is what makes a phrase of common words slow, so the phrase is
	// only checked inside the window.
	m := buildMatch(r.db.Dialect, tg.ent.fts, loosen(tg.pos), nil)
	sub, args := m.idSubquery(r.db.Dialect)
	col := "rowid"
	if r.db.Dialect == store.Postgres {
		col = "id"
	}
	size := r.s.Window
	if size <= 0 {
		size = DefaultWindow
	}
	var n, counted int
	var low, high sql.NullInt64
	var ids sql.NullString
	q := `SELECT COUNT(*), MIN(w.` + col + `), MAX(w.` + col + `)`
	dest := []any{&n, &low, &high}
	join, joinArgs := "", []any(nil)
	counts := r.windowCounts(tg)
	if counts {
		e, a := tg.ent, tg.ent.alias
		q += `, COUNT(` + a + `.id)`
		dest = append(dest, &counted)
		join = ` LEFT JOIN ` + e.table + ` ` + a + r.coverHint(tg, tg.where, "") + ` ON ` + a + `.id = w.rowid`
		for _, c := range tg.where {
			join += ` AND ` + c
		}
		joinArgs = tg.args
	}
	// When the window's documents are exactly the matches (single words,
	// no negation), PostgreSQL also returns their ids, so that a full
	// window's page and count read only the tickets of those ids and not
	// the documents again (see pgWindowSQL).
	keepIDs := r.db.Dialect == store.Postgres && len(tg.neg) == 0
	for _, w := range tg.pos {
		keepIDs = keepIDs && len(w.words) == 1 && w.raw == ""
	}
	if keepIDs {
		q += `, '{' || string_agg(CAST(w.id AS TEXT), ',') || '}'`
		dest = append(dest, &ids)
	}
	// Every statement reading a full-text table is planned for its words
	// (ByValue): a prepared one may run on a generic plan, which read all
	// 89,000 documents of a common word to keep the newest 1,000.
	err := r.db.ByValue().QueryRow(ctx, q+` FROM (`+sub+` ORDER BY `+col+` DESC LIMIT ?) w`+join, append(append(args, size), joinArgs...)...).Scan(dest...)
	if err != nil {
		return err
	}
	tg.counted, tg.count = counts, counted
	if n >= size && ids.Valid {
		tg.windowIDs = ids.String
	}
	// A word typed with punctuation ("hans.alt@mueller.de") is also
	// matched whole on PostgreSQL (word.raw), which the loosened words do
	// not cover: no document holding them does not prove no match then.
	tg.empty = n == 0
	for _, w := range tg.pos {
		if w.raw != "" {
			tg.empty = false
		}
	}
	if n >= size {
		tg.minID = low.Int64
		tg.dense = high.Int64-low.Int64 < 2*int64(n)
		// PostgreSQL's ts_rank reads each document's positions: ranking
		// a full window cost more than finding it (5,000 documents, 7–14
		// ms of a 22 ms query at 100,000 tickets). A full window means
		// every word is in thousands of documents, where relevance says
		// little, so such searches order by recency as SQLite's do below.
		if r.db.Dialect == store.Postgres {
			tg.common = true
		}
	}
	// FTS5's bm25 computes each term's document frequency by reading the
	// term's whole posting list, whatever the window: one common word would
	// cost a scan of most of the index. When any word is that common, its
	// weight in the ranking is near zero anyway, so such searches order by
	// recency instead; searches made only of rarer words keep bm25.
	if r.db.Dialect == store.SQLite && len(tg.pos) > 0 {
		for _, w := range loosen(tg.pos) {
			key := commonKey(tg, w)
			if len(tg.pos) == 1 && len(tg.pos[0].words) == 1 {
				// A single word: the window is its own count, kept for
				// windowCounts' next decision.
				r.s.commonWords.put(key, n >= size)
				tg.common = n >= size
				break
			}
			if c, ok := r.s.commonWords.get(key); ok {
				if c {
					tg.common = true
					break
				}
				continue
			}
			sub, args := buildMatch(r.db.Dialect, tg.ent.fts, []word{w}, nil).idSubquery(r.db.Dialect)
			var k int
			if err := r.db.QueryRow(ctx, `SELECT COUNT(*) FROM (`+sub+` ORDER BY rowid DESC LIMIT ?) w`, append(args, size)...).Scan(&k); err != nil {
				return err
			}
			r.s.commonWords.put(key, k >= size)
			if k >= size {
				tg.common = true
				break
			}
		}
	}
	return nil
}

// windowCounts reports whether the window pass should also count tg's
// matches, on SQLite: each of the window's documents is looked up in its
// record's table (the cover index for tickets) against tg's conditions.
//
// Searches ordered by recency (a word in more documents than the window:
// tg.common) read their page in order and stop at its last row, but the
// count checked every match of the window again, walking the full-text
// index a second time: at 1,000,000 tickets a full window's search spent
// about half its time finding the window and half on the page with its
// count (BENCHMARKS.md). Counted here, the page is all that is left.
// Whether a word is that common is known from the flags kept
// (commonWords) before the window is read; a search not known to be
// common keeps the window pass without the lookups, which a ranked page
// makes anyway. Only searches whose window documents are exactly their
// matches are counted this way: single words (phrases are checked only
// after the window), no excluded words, staff searches. And only words
// without conditions: with one (status:new blank) the page no longer stops
// early (it walks the window past every match the condition rejects), and
// counting it here was measured slower (20,000 tickets: status:new blank
// +14 %; BENCHMARKS.md, "A common word's count made in the window pass").
func (r *run) windowCounts(tg *target) bool {
	if r.db.Dialect != store.SQLite || tg.public || tg.keyset || len(tg.neg) > 0 || len(tg.pos) == 0 || tg.conds > 0 {
		return false
	}
	common := false
	for _, w := range tg.pos {
		if len(w.words) != 1 || w.raw != "" {
			return false
		}
		if c, ok := r.s.commonWords.get(commonKey(tg, w)); ok && c {
			common = true
		}
	}
	return common
}

// commonKey is the key of word w's flag in commonWords, for tg's index.
func commonKey(tg *target, w word) string { return tg.ent.fts + "\x00" + sqliteTerm(w) }

// errNotApplicable reports a field that the entity does not have.
var errNotApplicable = errors.New("field does not apply")

func invalidSearch(msg string) *desk.Error {
	return &desk.Error{Code: desk.EINVALID, Message: "Invalid search: " + msg, Details: map[string][]desk.FieldError{
		"query": {{Description: msg, Error: "InvalidValue"}},
	}}
}

// prepare parses q and lists the entities to search, in result order.
func (s *Service) prepare(ctx context.Context, p *desk.Principal, q string) (*run, []*target, error) {
	pq, err := s.parse(ctx, p, q)
	if err != nil {
		var qe *query.Error
		if errors.As(err, &qe) {
			return nil, nil, invalidSearch(qe.Message)
		}
		return nil, nil, err
	}
	if pq.OrderBy != "" && !orderFields[pq.OrderBy] {
		return nil, nil, invalidSearch("order_by must be one of created_at, updated_at, priority, status, ticket_type")
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	r := &run{s: s, db: s.DB, p: p, now: now, q: pq}

	// Free text that folds to no words at all ("!!!") is ignored; a query
	// made only of such text finds nothing. Too many words is an error
	// rather than a silently shortened search.
	words, ignorable := 0, 0
	for _, t := range pq.Terms {
		if t.Field == "" || ticketEntity.freeText[t.Field] || userEntity.freeText[t.Field] {
			w, ok := newWord(t.Value, t.Prefix)
			if !ok {
				ignorable++
			}
			words += len(w.words)
		}
	}
	if words > maxWords {
		return nil, nil, invalidSearch(fmt.Sprintf("too many words to search for (maximum %d)", maxWords))
	}
	if len(pq.Terms) > 0 && ignorable == len(pq.Terms) {
		return r, nil, nil
	}

	var ents []*entity
	switch pq.Type {
	case "ticket":
		ents = []*entity{ticketEntity}
	case "user":
		ents = []*entity{userEntity}
	case "organization":
		ents = []*entity{orgEntity}
	default:
		ents = []*entity{ticketEntity, userEntity, orgEntity}
	}
	var targets []*target
	for _, e := range ents {
		// End-users search only tickets; users and organizations are
		// simply not searched for them.
		if e != ticketEntity && !p.IsStaff() {
			continue
		}
		targets = append(targets, &target{ent: e})
	}
	return r, targets, nil
}

// compile turns the query's terms into tg's conditions. It runs lazily, per
// entity, because resolving names costs queries.
func (r *run) compile(ctx context.Context, tg *target) error {
	switch tg.ent {
	case ticketEntity:
		vis, args := ticket.Visibility(r.p)
		tg.where = append(tg.where, "("+vis+")", "t.deleted_at = 0")
		tg.args = append(tg.args, args...)
		tg.public = !r.p.IsStaff()
	case userEntity:
		// The people service's visibility, so the count covers exactly
		// the users the results may show (view_end_users).
		vis, args := people.UserVisibility(r.p)
		tg.where = append(tg.where, "u.active = ?", vis)
		tg.args = append(append(tg.args, true), args...)
	}
	for _, t := range r.q.Terms {
		if t.Field == "" || tg.ent.freeText[t.Field] {
			w, ok := newWord(t.Value, t.Prefix)
			if !ok {
				continue
			}
			if t.Negated {
				tg.neg = append(tg.neg, w)
			} else {
				tg.pos = append(tg.pos, w)
			}
			continue
		}
		var (
			c    string
			args []any
			err  error
		)
		switch tg.ent {
		case ticketEntity:
			c, args, err = r.ticketCond(ctx, t)
		case userEntity:
			c, args, err = r.userCond(ctx, t)
		default:
			c, args, err = r.orgCond(ctx, t)
		}
		if errors.Is(err, errNotApplicable) {
			tg.never = true
			return nil
		}
		if err != nil {
			return err
		}
		if t.Negated {
			c = "NOT (" + c + ")"
		} else {
			c = "(" + c + ")"
		}
		tg.where = append(tg.where, c)
		tg.args = append(tg.args, args...)
		tg.conds++
	}
	if len(tg.pos)+len(tg.neg) == 0 {
		tg.public = false
	}
	return nil
}

// fetch returns the ids of tg's matches skip…skip+want in order, and how
// many matches there are in all.
func (r *run) fetch(ctx context.Context, tg *target, skip, want int) ([]int64, int, error) {
	if tg.public {
		return r.publicFilter(ctx, tg, skip, want)
	}
	if err := r.window(ctx, tg); err != nil {
		return nil, 0, err
	}
	if tg.empty {
		// No document holds every word: nothing can match. Searches
		// without type: look for staff's words in users and organizations
		// too, where most words are in no document; this saves those two
		// targets a page query and a count query each.
		return nil, 0, nil
	}
	if tg.counted {
		// The window pass counted the matches (windowCounts).
		if want == 0 || skip >= tg.count {
			return nil, tg.count, nil
		}
		q, args := r.sql(tg, sqlIDs)
		ids, err := queryIDs(ctx, r.db.ByValue(), q+" LIMIT ? OFFSET ?", append(args, want, skip)...)
		return ids, tg.count, err
	}
	if want > 0 {
		if ids, n, done, err := r.pageThenCount(ctx, tg, skip, want); err != nil || done {
			return ids, n, err
		}
		// One pass: the page and, beside each of its rows, the count of
		// all matches (the count query read the same matches again).
		q, args := r.sql(tg, sqlCountedIDs)
		ids, n, err := queryCountedIDs(ctx, r.db.ByValue(), q+" LIMIT ? OFFSET ?", append(args, want, skip)...)
		if err != nil || len(ids) > 0 || skip == 0 {
			// An empty first page is no match at all: the count is 0
			// without the count query (a rare word with a condition on
			// PostgreSQL spent a third of its time on that query).
			return ids, n, err
		}
		// A page past the end: no row carries the count.
	}
	var n int
	q, args := r.sql(tg, sqlCount)
	if err := r.db.ByValue().QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return nil, 0, err
	}
	return nil, n, nil
}

// pageThenCount fetches tg's page and count as two queries, on SQLite, when
// the page query's plan reads the matches in the order asked: its LIMIT
// then ends the scan at the page's last row, and the count reads the
// matches once more without ordering them. The one-pass form (COUNT(*)
// OVER ()) must instead keep every match and sort them all before the
// first row, which for a full window of recent matches cost twice the two
// queries together (20,000 tickets: 19 ms against 6.6 + 2.4 ms for a word
// in most of them). When the page is not full the count is known without
// the second query. done is false when the one-pass form should be used:
// PostgreSQL, ranked searches, plans that sort, and words with conditions
// (status<solved printer): there the page query walks the window past
// every match the condition rejects to fill its page, then the count walks
// it again, which at 1,000,000 tickets cost more than the one pass saves
// by not sorting (4-client mix 5-10 % slower in a trial).
func (r *run) pageThenCount(ctx context.Context, tg *target, skip, want int) (ids []int64, n int, done bool, err error) {
	if r.db.Dialect != store.SQLite || len(tg.pos) > 0 && tg.conds > 0 {
		return nil, 0, false, nil
	}
	q, args := r.sql(tg, sqlIDs)
	q += " LIMIT ? OFFSET ?"
	args = append(args, want, skip)
	ordered, err := r.pageStopsEarly(ctx, q, args)
	if err != nil || !ordered {
		return nil, 0, false, err
	}
	if ids, err = queryIDs(ctx, r.db, q, args...); err != nil {
		return nil, 0, false, err
	}
	if len(ids) < want && (len(ids) > 0 || skip == 0) {
		return ids, skip + len(ids), true, nil
	}
	cq, cargs := r.sql(tg, sqlCount)
	if err := r.db.QueryRow(ctx, cq, cargs...).Scan(&n); err != nil {
		return nil, 0, false, err
	}
	return ids, n, true, nil
}

// pageStopsEarly reports whether SQLite's plan for the page query q reads
// its rows in the order asked, with no temporary B-tree to sort them. The
// plan depends on the query's text and the schema, not on its arguments,
// so the answer is kept (orderedPages). A search whose words bound it to
// the window reads its tickets through the id-ordered cover index, and an
// assignee's tickets come from their index in id order: both stop early.
// A ranked search, or one ordered by another column (order_by:created_at),
// must sort every match, and is cheaper in one pass.
func (r *run) pageStopsEarly(ctx context.Context, q string, args []any) (bool, error) {
	if v, ok := r.s.orderedPages.get(q); ok {
		return v, nil
	}
	rows, err := r.db.Query(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	ordered := true
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			return false, err
		}
		if strings.Contains(detail, "ORDER BY") {
			ordered = false // USE TEMP B-TREE FOR [RIGHT PART OF] ORDER BY
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	r.s.orderedPages.put(q, ordered)
	return ordered, nil
}

// sqlKind is what (*run).sql builds.
type sqlKind int

const (
	sqlIDs        sqlKind = iota // the ordered ids of the matches
	sqlCount                     // how many matches there are
	sqlCountedIDs                // the ordered ids, each row with the count of all matches
)

// sql builds the count query or the ordered id query (without LIMIT) of tg.
func (r *run) sql(tg *target, kind sqlKind) (string, []any) {
	count := kind == sqlCount
	sel := tg.ent.alias + ".id"
	if kind == sqlCountedIDs {
		sel += ", COUNT(*) OVER ()"
	}
	e, a := tg.ent, tg.ent.alias
	d := r.db.Dialect
	where := append([]string(nil), tg.where...)
	args := append([]any(nil), tg.args...)

	orderCol := e.orders[r.q.OrderBy]
	dir := " DESC"
	if r.q.Sort == "asc" {
		dir = " ASC"
	}
	// Relevance needs the document joined; end-users never rank by it,
	// because the document also holds internal notes.
	relevance := !count && orderCol == "" && len(tg.pos) > 0 && !tg.public && !tg.common && !tg.keyset
	if tg.keyset {
		orderCol, dir = "", " ASC"
		where = append(where, a+".id > ?")
		args = append(args, tg.afterID)
	}

	if d == store.Postgres && len(tg.pos) > 0 && !tg.public && !tg.keyset {
		return r.pgWindowSQL(tg, kind, where, args, orderCol, dir, relevance)
	}

	if relevance {
		m := buildMatch(d, e.fts, tg.pos, tg.neg)
		var q string
		var qargs []any
		if d == store.Postgres {
			q = `SELECT ` + sel + ` FROM ` + e.fts + ` fs JOIN ` + e.table + ` ` + a + ` ON ` + a + `.id = fs.id WHERE fs.tsv @@ ` + m.expr + ` AND fs.id >= ?`
			qargs = append(qargs, m.args...)
		} else {
			// CROSS JOIN keeps the full-text index as the outer loop (SQLite
			// never reorders it): each matching document once, then its
			// ticket by primary key. Left to itself the planner may instead
			// walk the tickets of a condition's index (status, assignee) and
			// run the MATCH once per ticket — and FTS5 re-reads every
			// term's whole posting list for bm25 on each of those runs,
			// which made a condition plus words found in a few thousand
			// documents take seconds (issue 15). The matches are bounded by
			// the window (rowid >= minID), so this plan is bounded too.
			q = `SELECT ` + sel + ` FROM ` + e.fts + ` CROSS JOIN ` + e.table + ` ` + a + r.coverHint(tg, where, orderCol) + ` ON ` + a + `.id = ` + e.fts + `.rowid WHERE ` + e.fts + ` MATCH ? AND ` + e.fts + `.rowid >= ?`
			qargs = append(qargs, m.expr)
		}
		qargs = append(qargs, tg.minID)
		for _, w := range where {
			q += " AND " + w
		}
		qargs = append(qargs, args...)
		if d == store.Postgres {
			q += ` ORDER BY ts_rank(fs.tsv, ` + m.expr + `) DESC, ` + a + `.id DESC`
			qargs = append(qargs, m.args...)
		} else {
			q += ` ORDER BY ` + e.fts + `.rank, ` + a + `.id DESC`
		}
		return q, qargs
	}

	switch {
	case len(tg.pos) > 0:
		neg := tg.neg
		if tg.public {
			neg = nil // checked in Go against public text only
		}
		sub, sargs := buildMatch(d, e.fts, tg.pos, neg).idSubquery(d)
		col := "rowid"
		if d == store.Postgres {
			col = "id"
		}
		where = append(where, a+".id IN ("+sub+" AND "+col+" >= ?)")
		args = append(append(args, sargs...), tg.minID)
	case len(tg.neg) > 0 && !tg.public:
		sub, sargs := buildAny(d, e.fts, tg.neg).idSubquery(d)
		where = append(where, a+".id NOT IN ("+sub+")")
		args = append(args, sargs...)
	}
	cond := "1=1"
	if len(where) > 0 {
		cond = joinAnd(where)
	}
	from := e.table + ` ` + a + r.coverHint(tg, where, orderCol)
	if count {
		return `SELECT COUNT(*) FROM ` + from + ` WHERE ` + cond, args
	}
	order := a + ".id" + dir
	if orderCol != "" {
		order = orderCol + dir + ", " + order
	}
	return `SELECT ` + sel + ` FROM ` + from + ` WHERE ` + cond + ` ORDER BY ` + order, args
}

// searchCoverIndex is SQLite's narrow index of the ticket columns staff
// searches check (store migration 78); searchCoverColumns are its columns.
const searchCoverIndex = "tickets_search_cover"

var searchCoverColumns = map[string]bool{
	"id": true, "deleted_at": true, "group_id": true, "status_rank": true, "priority_rank": true,
	"assignee_id": true, "requester_id": true, "organization_id": true, "type": true,
}

// ticketColumnRef finds the ticket columns a condition reads (alias t).
var ticketColumnRef = regexp.MustCompile(`\bt\.([a-z_]+)`)

// coverHint returns " INDEXED BY tickets_search_cover" for a staff ticket
// search with free text on SQLite whose conditions and order read only the
// index's columns, and "" otherwise.
//
// Such a search checks each of up to the window's 5,000 matching documents
// against its ticket. By primary key that is a descent into the wide
// ticket rows, thousands of distinct pages at 1,000,000 tickets, mostly
// outside the memory map; the narrow index answers the same checks from a
// B-tree a few percent of the table's size. SQLite, which has no statistics
// here, always picks the primary key unless told. Searches without
// positive words (their rows are not bounded by the window, and an index
// of a condition such as tickets_status serves them better) and
// end-users' searches (publicFilter: no window) keep the planner's choice,
// as does any search reading a column the index lacks, for which it would
// only add a second descent per match.
func (r *run) coverHint(tg *target, where []string, orderCol string) string {
	if r.db.Dialect != store.SQLite || tg.ent != ticketEntity || len(tg.pos) == 0 || tg.public || tg.keyset {
		return ""
	}
	for _, s := range append(where, orderCol) {
		for _, m := range ticketColumnRef.FindAllStringSubmatch(s, -1) {
			if !searchCoverColumns[m[1]] {
				return ""
			}
		}
	}
	return " INDEXED BY " + searchCoverIndex
}

// pgWindowSQL builds a staff search with free text on PostgreSQL: the
// matching documents of the window (fs.id >= minID), each with its record
// read by primary key, so the records read are bounded by the window's
// documents, never by the table.
//
// Left to itself the planner joined the window's 5,000 documents to every
// ticket: a hash join over a sequential scan of the whole table (100,000
// rows read for each page and each count), or, given the window's id bound
// on the tickets too, a merge join over every ticket id in the window's
// span (78,000 rows for a word in 6 % of the tickets). So:
//   - a full window whose ids are its matches (tg.windowIDs: single words,
//     no negation) reads the record of each of those ids by primary key,
//     and not the documents a second time;
//   - a dense window (its documents are most of the ids of its span: a
//     word in most records) joins both sides as ranges of their primary
//     keys, at most twice the window's size;
//   - any other search looks up the record of each matching document in a
//     LATERAL subquery that OFFSET 0 keeps from being flattened: one
//     primary-key probe per document of the window.
func (r *run) pgWindowSQL(tg *target, kind sqlKind, where []string, args []any, orderCol, dir string, relevance bool) (string, []any) {
	e, a := tg.ent, tg.ent.alias
	m := buildMatch(store.Postgres, e.fts, tg.pos, tg.neg)
	var sel string
	switch kind {
	case sqlCount:
		sel = "COUNT(*)"
	case sqlCountedIDs:
		sel = a + ".id, COUNT(*) OVER ()"
	default:
		sel = a + ".id"
	}
	ord := orderCol
	var q string
	var qargs []any
	if tg.windowIDs != "" {
		// The window's ids are the matches: each one's record by
		// primary key, without reading the documents a second time.
		inner := a + ".id"
		if orderCol != "" {
			inner += ", " + orderCol + " AS ord"
			ord = a + ".ord"
		}
		cond := a + ".id = w.id"
		if len(where) > 0 {
			cond += " AND " + joinAnd(where)
		}
		q = `SELECT ` + sel + ` FROM unnest(CAST(CAST(? AS TEXT) AS BIGINT[])) w(id) CROSS JOIN LATERAL (SELECT ` + inner + ` FROM ` + e.table + ` ` + a + ` WHERE ` + cond + ` OFFSET 0) ` + a
		qargs = append(append(qargs, tg.windowIDs), args...)
	} else if tg.dense {
		q = `SELECT ` + sel + ` FROM ` + e.fts + ` fs JOIN ` + e.table + ` ` + a + ` ON ` + a + `.id = fs.id WHERE fs.tsv @@ ` + m.expr + ` AND fs.id >= ? AND ` + a + `.id >= ?`
		qargs = append(append(qargs, m.args...), tg.minID, tg.minID)
		for _, w := range where {
			q += " AND " + w
		}
		qargs = append(qargs, args...)
	} else {
		inner := a + ".id"
		if orderCol != "" {
			inner += ", " + orderCol + " AS ord"
			ord = a + ".ord"
		}
		cond := a + ".id = fs.id"
		if len(where) > 0 {
			cond += " AND " + joinAnd(where)
		}
		q = `SELECT ` + sel + ` FROM ` + e.fts + ` fs CROSS JOIN LATERAL (SELECT ` + inner + ` FROM ` + e.table + ` ` + a + ` WHERE ` + cond + ` OFFSET 0) ` + a + ` WHERE fs.tsv @@ ` + m.expr + ` AND fs.id >= ?`
		qargs = append(append(append(qargs, args...), m.args...), tg.minID)
	}
	switch {
	case kind == sqlCount:
	case relevance:
		q += ` ORDER BY ts_rank(fs.tsv, ` + m.expr + `) DESC, ` + a + `.id DESC`
		qargs = append(qargs, m.args...)
	case ord != "":
		q += ` ORDER BY ` + ord + dir + `, ` + a + `.id` + dir
	default:
		q += ` ORDER BY ` + a + `.id` + dir
	}
	return q, qargs
}

func joinAnd(conds []string) string {
	s := conds[0]
	for _, c := range conds[1:] {
		s += " AND " + c
	}
	return s
}

// queryCountedIDs reads rows of (id, count of all rows) as sqlCountedIDs
// builds them.
func queryCountedIDs(ctx context.Context, q store.Querier, query string, args ...any) ([]int64, int, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var ids []int64
	var n int
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	return ids, n, rows.Err()
}

func queryIDs(ctx context.Context, q store.Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// load reads the records of one type in the order of ids. Records that
// vanished since the search ran are skipped.
func (s *Service) load(ctx context.Context, typ string, ids []int64) ([]Result, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]Result, 0, len(ids))
	switch typ {
	case "ticket":
		ts, err := s.Tickets.ListByIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			out = append(out, Result{Type: typ, ID: t.ID, Ticket: t})
		}
	case "user":
		us, err := s.People.GetUsers(ctx, ids)
		if err != nil {
			return nil, err
		}
		byID := make(map[int64]*desk.User, len(us))
		for _, u := range us {
			byID[u.ID] = u
		}
		for _, id := range ids {
			if u := byID[id]; u != nil {
				out = append(out, Result{Type: typ, ID: id, User: u})
			}
		}
	case "organization":
		os, err := s.People.GetOrganizations(ctx, ids)
		if err != nil {
			return nil, err
		}
		byID := make(map[int64]*desk.Organization, len(os))
		for _, o := range os {
			byID[o.ID] = o
		}
		for _, id := range ids {
			if o := byID[id]; o != nil {
				out = append(out, Result{Type: typ, ID: id, Organization: o})
			}
		}
	}
	return out, nil
}
