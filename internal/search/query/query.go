// Package query parses the subset of the Zendesk search query language that
// Frontdesk supports.
//
// It lives apart from the search backend so that every entry point (API,
// agent UI, saved views) rejects the same inputs with the same messages, and
// so the backend only ever sees a validated, structured Query instead of raw
// user text. The parser never builds SQL or touches storage: values are
// opaque data, and turning them into safe backend predicates is the caller's
// job.
package query

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Op is a comparison operator.
type Op string

// The operators mirror Zendesk's spelling so queries copied from Zendesk
// documentation or saved searches keep working unchanged.
const (
	OpEq Op = ":"  // field:value (equality / contains for text)
	OpLT Op = "<"  // field<value
	OpGT Op = ">"  // field>value
	OpLE Op = "<=" // field<=value
	OpGE Op = ">=" // field>=value
)

// Term is one condition of a query.
type Term struct {
	Field   string // lower-cased field name; "" for free text
	Op      Op     // OpEq for free text
	Value   string // unquoted value (for free text: the word or phrase, as typed, minus quotes)
	Phrase  bool   // value was in double quotes
	Prefix  bool   // value ended with '*' (the '*' is removed from Value)
	Negated bool   // preceded by '-'
}

// Query is a parsed search.
type Query struct {
	Type    string // "ticket", "user", "organization", or "" (all) — from type:...
	Terms   []Term // every other condition, in input order (free text and field terms)
	OrderBy string // from order_by:  (e.g. "created_at", "updated_at", "priority", "status", "ticket_type"), "" if absent
	Sort    string // "asc" or "desc" from sort:, "" if absent
}

// Error is returned for a query that cannot be understood; Message is safe to
// show users.
//
// Pos is a 0-based byte offset into the original query so a UI can point at
// the offending text; it is a byte offset rather than a rune index because
// that is what callers can slice the input with directly.
type Error struct {
	Message string
	Pos     int
}

func (e *Error) Error() string {
	return fmt.Sprintf("search query: %s (at byte %d)", e.Message, e.Pos)
}

// Limits keep the cost of parsing and of the search the query turns into
// bounded, whatever a client sends.
const (
	maxQueryBytes = 1000
	maxTerms      = 50
	// maxRelative bounds N in "Nhours" etc. so the duration arithmetic in
	// Term.Time can never overflow time.Duration (1e6 hours is ~114 years).
	maxRelative = 1_000_000
	// maxEcho bounds how much user input is repeated back in error messages.
	maxEcho = 40
)

// fieldKind decides which operators and values a field accepts.
type fieldKind int

const (
	kindText     fieldKind = iota // any value, ':' only
	kindStatus                    // ordered by ticket lifecycle
	kindPriority                  // ordered by urgency
	kindDate                      // absolute or relative time
)

// fields is the single list of searchable fields. Anything not here is an
// error rather than free text, so a typo like "stauts:open" is reported
// instead of silently matching nothing.
var fields = map[string]fieldKind{
	"status":         kindStatus,
	"priority":       kindPriority,
	"ticket_type":    kindText,
	"assignee":       kindText,
	"requester":      kindText,
	"submitter":      kindText,
	"group":          kindText,
	"organization":   kindText,
	"tags":           kindText,
	"created":        kindDate,
	"updated":        kindDate,
	"solved":         kindDate,
	"due_date":       kindDate,
	"via":            kindText,
	"subject":        kindText,
	"description":    kindText,
	"commenter":      kindText,
	"cc":             kindText,
	"email":          kindText,
	"name":           kindText,
	"role":           kindText,
	"phone":          kindText,
	"details":        kindText,
	"notes":          kindText,
	"external_id":    kindText,
	"has_attachment": kindText,
}

// fieldAliases maps accepted spellings onto the names in fields, so callers
// only ever have to handle one name per field.
var fieldAliases = map[string]string{
	"tag": "tags",
}

// statuses and priorities are in ascending order; comparisons like
// status<solved only make sense against these known values.
var (
	statuses   = []string{"new", "open", "pending", "hold", "solved", "closed"}
	priorities = []string{"low", "normal", "high", "urgent"}
)

// Parse parses a Zendesk-style search query.
//
// Field values and free text are returned verbatim (minus quoting): quotes,
// semicolons, percent signs and the like carry no meaning here, so callers
// must still bind them as parameters and escape LIKE wildcards themselves.
// Status and priority values that name a known status or priority are
// lower-cased so callers can compare them directly.
func Parse(s string) (*Query, error) { return ParseWith(s, nil) }

// ParseWith parses s like Parse and also accepts name:value terms (":"
// only, as text) on field names that extra reports as known (lower case):
// the keys of user and organization fields, which only the database knows.
// Built-in field names keep their meaning. extra may be nil.
func ParseWith(s string, extra func(name string) bool) (*Query, error) {
	// Check size first so no later step ever scans an oversized input.
	if len(s) > maxQueryBytes {
		return nil, &Error{Message: fmt.Sprintf("query is too long (maximum %d bytes)", maxQueryBytes), Pos: maxQueryBytes}
	}
	if !utf8.ValidString(s) {
		return nil, &Error{Message: "query is not valid UTF-8", Pos: firstInvalidUTF8(s)}
	}
	p := parser{s: s, q: &Query{}, extra: extra}
	tokens := 0
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			break
		}
		if err := p.term(); err != nil {
			return nil, err
		}
		tokens++
	}
	if tokens == 0 {
		return nil, &Error{Message: "empty query", Pos: 0}
	}
	return p.q, nil
}

// parser holds the state of one Parse call; it is not reused.
type parser struct {
	s       string
	i       int // byte offset of the next unread byte
	q       *Query
	sawType bool
	sawOrd  bool
	sawSort bool
	extra   func(name string) bool // see ParseWith
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &Error{Message: fmt.Sprintf(format, args...), Pos: pos}
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[p.i:])
		if !unicode.IsSpace(r) {
			return
		}
		p.i += size
	}
}

// spaceAt reports whether a token ends at byte offset i.
func (p *parser) spaceAt(i int) bool {
	if i >= len(p.s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(p.s[i:])
	return unicode.IsSpace(r)
}

// term parses one whitespace-delimited token starting at p.i.
func (p *parser) term() error {
	start := p.i
	t := Term{Op: OpEq}

	if p.s[p.i] == '-' {
		switch {
		case p.spaceAt(p.i + 1):
			return p.errorf(start, "'-' must be directly followed by a search term")
		case p.s[p.i+1] == '-':
			// "--" (an SQL comment, a dash rule, ...) is kept as data rather
			// than read as a doubled negation nobody means.
		default:
			t.Negated = true
			p.i++
		}
	}

	if end := scanIdent(p.s, p.i); end > p.i {
		if op, n := scanOp(p.s, end); n > 0 {
			name := strings.ToLower(p.s[p.i:end])
			if isKeyword(name) || (op == OpEq && p.extra != nil && p.extra(name)) {
				return p.fieldTerm(start, t, name, op, end+n)
			}
			if p.i = end + n; p.i < len(p.s) && p.s[p.i] == '"' {
				return p.unknownKeywordPhrase(start, t, p.s[start:end]+string(op))
			}
			p.i = start
			if t.Negated {
				p.i++
			}
		}
	}

	// A bare token, including one whose "keyword:" Zendesk does not know
	// (foo:bar, https://example.com, C:\path): Zendesk searches it as
	// text, so the words it holds are looked for like any other word.
	valPos := p.i
	v, phrase, err := p.value()
	if err != nil {
		return err
	}
	t.Value, t.Phrase = v, phrase
	if !phrase && strings.HasSuffix(t.Value, "*") {
		t.Value, t.Prefix = t.Value[:len(t.Value)-1], true
	}
	if t.Value == "" {
		if phrase {
			return p.errorf(valPos, "empty phrase")
		}
		return p.errorf(valPos, "'*' must follow at least one character")
	}
	return p.add(start, t)
}

// isKeyword reports whether name is a search keyword: one of the options
// (type, order_by, sort) or a field, custom fields included.
func isKeyword(name string) bool {
	switch name {
	case "type", "order_by", "sort":
		return true
	}
	_, _, ok := lookupField(name)
	return ok
}

// unknownKeywordPhrase reads `keyword:"a phrase"` whose keyword is not one
// Zendesk knows as text, as Zendesk does: the keyword's words followed by
// the phrase's (keyword holds what was typed before the quote, a leading
// '-' included, which the text folding drops).
func (p *parser) unknownKeywordPhrase(start int, t Term, keyword string) error {
	v, _, err := p.value()
	if err != nil {
		return err
	}
	t.Value, t.Phrase = strings.TrimPrefix(keyword, "-")+" "+v, true
	return p.add(start, t)
}

// fieldTerm finishes a token once "field op" has been recognised; valStart
// is the byte offset just past the operator.
func (p *parser) fieldTerm(start int, t Term, name string, op Op, valStart int) error {
	p.i = valStart
	if p.spaceAt(p.i) {
		return p.errorf(start, "missing value after %s%s", echo(name), op)
	}
	v, phrase, err := p.value()
	if err != nil {
		return err
	}
	prefix := false
	if !phrase && strings.HasSuffix(v, "*") {
		v, prefix = v[:len(v)-1], true
	}

	// type:, order_by: and sort: shape the search rather than filter it, so
	// they live on Query and none of them can be negated, compared or
	// repeated.
	switch name {
	case "type", "order_by", "sort":
		if err := p.checkOption(start, valStart, t, name, op, prefix); err != nil {
			return err
		}
		lv := strings.ToLower(v)
		switch name {
		case "type":
			if lv != "ticket" && lv != "user" && lv != "organization" {
				return p.errorf(valStart, "type must be ticket, user or organization")
			}
			p.q.Type, p.sawType = lv, true
		case "order_by":
			if !isOrderField(lv) {
				return p.errorf(valStart, "order_by must be a field name such as created_at")
			}
			p.q.OrderBy, p.sawOrd = lv, true
		case "sort":
			if lv != "asc" && lv != "desc" {
				return p.errorf(valStart, "sort must be asc or desc")
			}
			p.q.Sort, p.sawSort = lv, true
		}
		return nil
	}

	canonical, kind, ok := lookupField(name)
	if !ok && p.extra != nil && p.extra(name) {
		canonical, kind, ok = name, kindText, true
	}
	if !ok {
		return p.errorf(start, "unknown field %s", echo(name))
	}
	if v == "" {
		if prefix {
			return p.errorf(valStart, "'*' must follow at least one character")
		}
		return p.errorf(valStart, "empty value for %s", canonical)
	}
	if op != OpEq {
		if kind == kindText {
			return p.errorf(start, "%s cannot be compared with %s; use %s:", canonical, op, canonical)
		}
		if prefix {
			return p.errorf(valStart, "'*' cannot be used with %s", op)
		}
	}

	switch kind {
	case kindStatus, kindPriority:
		known := statuses
		if kind == kindPriority {
			known = priorities
		}
		if lv := strings.ToLower(v); contains(known, lv) {
			v = lv
		} else if op != OpEq {
			// Plain status:x stays open-ended (custom statuses), but an
			// ordering needs a position in the known sequence.
			return p.errorf(valStart, "%s must be one of %s to compare with %s",
				canonical, strings.Join(known, ", "), op)
		}
	case kindDate:
		if prefix {
			return p.errorf(valStart, "'*' cannot be used with dates")
		}
		if _, err := parseTime(v, time.Unix(0, 0).UTC()); err != nil {
			return p.errorf(valStart, "%s needs a date like 2025-01-31, 2025-01-31T15:04:05Z or 4hours", canonical)
		}
	}

	t.Field, t.Op, t.Value, t.Phrase, t.Prefix = canonical, op, v, phrase, prefix
	return p.add(start, t)
}

func (p *parser) checkOption(start, valStart int, t Term, name string, op Op, prefix bool) error {
	switch {
	case t.Negated:
		return p.errorf(start, "%s: cannot be negated", name)
	case op != OpEq:
		return p.errorf(start, "%s only supports %s:", name, name)
	case prefix:
		return p.errorf(valStart, "'*' cannot be used with %s:", name)
	case name == "type" && p.sawType, name == "order_by" && p.sawOrd, name == "sort" && p.sawSort:
		return p.errorf(start, "%s: may only appear once", name)
	}
	return nil
}

func (p *parser) add(start int, t Term) error {
	if len(p.q.Terms) >= maxTerms {
		return p.errorf(start, "too many search terms (maximum %d)", maxTerms)
	}
	p.q.Terms = append(p.q.Terms, t)
	return nil
}

// value reads a quoted or bare value at p.i and leaves p.i at the end of the
// token. Only a leading quote starts a phrase; quotes elsewhere in a bare
// word are ordinary characters, so stray apostrophes and quotes in pasted
// text cannot swallow the rest of the query.
func (p *parser) value() (v string, phrase bool, err error) {
	if p.s[p.i] != '"' {
		end := p.i
		for end < len(p.s) && !p.spaceAt(end) {
			_, size := utf8.DecodeRuneInString(p.s[end:])
			end += size
		}
		v, p.i = p.s[p.i:end], end
		return v, false, nil
	}

	open := p.i
	i := open + 1
	var b strings.Builder
	for {
		if i >= len(p.s) {
			return "", false, p.errorf(open, "unterminated quote")
		}
		c := p.s[i]
		if c == '"' {
			i++
			break
		}
		// Only \" and \\ are escapes, so a phrase can hold a literal quote
		// and still end in a backslash; any other backslash is data. Byte-
		// wise copying is safe because UTF-8 continuation bytes are never
		// ASCII.
		if c == '\\' && i+1 < len(p.s) && (p.s[i+1] == '"' || p.s[i+1] == '\\') {
			b.WriteByte(p.s[i+1])
			i += 2
			continue
		}
		b.WriteByte(c)
		i++
	}
	// Requiring a separator after the closing quote keeps `"a"b` from having
	// two plausible readings.
	if !p.spaceAt(i) {
		return "", false, p.errorf(i, "expected a space after closing quote")
	}
	p.i = i
	return b.String(), true, nil
}

// scanIdent returns the end of a field name starting at i, or i if there is
// none. Field names are ASCII so a word like "zażółć:" is unambiguous.
func scanIdent(s string, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		switch {
		case c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z'):
		case j > i && (('0' <= c && c <= '9') || c == '.'):
		default:
			return j
		}
		j++
	}
	return j
}

// scanOp reports the operator at i and its length in bytes (0 if none).
func scanOp(s string, i int) (Op, int) {
	if i >= len(s) {
		return "", 0
	}
	switch s[i] {
	case ':':
		return OpEq, 1
	case '<':
		if i+1 < len(s) && s[i+1] == '=' {
			return OpLE, 2
		}
		return OpLT, 1
	case '>':
		if i+1 < len(s) && s[i+1] == '=' {
			return OpGE, 2
		}
		return OpGT, 1
	}
	return "", 0
}

func lookupField(name string) (string, fieldKind, bool) {
	if c, ok := fieldAliases[name]; ok {
		name = c
	}
	if id, ok := CustomFieldID(name); ok {
		// One spelling per field: custom_field_007 is custom_field_7.
		return customFieldPrefix + strconv.FormatInt(id, 10), kindText, true
	}
	k, ok := fields[name]
	return name, k, ok
}

// customFieldPrefix starts Zendesk's custom_field_{id}:value terms, which
// match a ticket's value of the custom ticket field id.
const customFieldPrefix = "custom_field_"

// CustomFieldID reports whether field is a custom_field_{id} term and the
// field id it names (a positive integer; leading zeros allowed).
func CustomFieldID(field string) (int64, bool) {
	digits, ok := strings.CutPrefix(field, customFieldPrefix)
	if !ok || digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// isOrderField accepts any field-like name: the backend decides which
// columns it can sort by, the parser only guarantees the name is inert.
func isOrderField(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '_' && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// echo quotes user text for an error message, shortened so a huge token
// cannot bloat logs or UI.
func echo(s string) string {
	if len(s) > maxEcho {
		cut := maxEcho
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

func firstInvalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(s)
}

// Time resolves the value of a date term (created, updated, solved,
// due_date). It takes now as a parameter so that relative values such as
// "4hours" are reproducible in tests and consistent across one request.
//
// Date-only values are midnight in now's location, because "2025-01-31"
// means the user's day, not UTC's. Days, weeks, months and years step by
// calendar (AddDate) rather than by fixed durations so "2days" keeps the
// same wall-clock time across a DST change and months need no assumed
// length.
func (t Term) Time(now time.Time) (time.Time, error) {
	if _, kind, ok := lookupField(t.Field); !ok || kind != kindDate {
		return time.Time{}, fmt.Errorf("search query: field %s does not hold a date", echo(t.Field))
	}
	return parseTime(t.Value, now)
}

var errBadTime = errors.New("search query: not a date, timestamp or relative time")

func parseTime(v string, now time.Time) (time.Time, error) {
	if tm, err := time.ParseInLocation(time.DateOnly, v, now.Location()); err == nil {
		return tm, nil
	}
	if tm, err := time.Parse(time.RFC3339, v); err == nil {
		return tm, nil
	}

	digits := 0
	for digits < len(v) && '0' <= v[digits] && v[digits] <= '9' {
		digits++
	}
	if digits == 0 || digits > 7 {
		return time.Time{}, errBadTime
	}
	n, err := strconv.Atoi(v[:digits])
	if err != nil || n > maxRelative {
		return time.Time{}, errBadTime
	}
	switch strings.TrimSuffix(strings.ToLower(v[digits:]), "s") {
	case "minute":
		return now.Add(-time.Duration(n) * time.Minute), nil
	case "hour":
		return now.Add(-time.Duration(n) * time.Hour), nil
	case "day":
		return now.AddDate(0, 0, -n), nil
	case "week":
		return now.AddDate(0, 0, -7*n), nil
	case "month":
		return now.AddDate(0, -n, 0), nil
	case "year":
		return now.AddDate(-n, 0, 0), nil
	}
	return time.Time{}, errBadTime
}
