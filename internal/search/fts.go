package search

import (
	"strings"
	"unicode"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// word is one free-text condition after folding: a run of words that must
// appear next to each other in a document (a single word, a quoted phrase,
// or a token like "foo-bar" that splits into several words), the last one
// possibly as a prefix.
type word struct {
	words  []string // from textfold.Words: only letters and digits
	prefix bool
	// raw is the folded value when it held characters other than letters,
	// digits and spaces ("alice@example.com"). PostgreSQL's text-search
	// parser keeps such tokens whole, so there the term also matches them
	// as typed; SQLite's tokenizer splits them like textfold.Words does.
	raw string
}

func newWord(value string, prefix bool) (word, bool) {
	ws := textfold.Words(value)
	if len(ws) == 0 {
		return word{}, false
	}
	w := word{words: ws, prefix: prefix}
	if !prefix {
		folded := stripNUL(textfold.Fold(value))
		if strings.IndexFunc(folded, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsSpace(r)
		}) >= 0 {
			w.raw = folded
		}
	}
	return w, true
}

// ftsMatch is a full-text condition over one *_search table, ready to bind.
type ftsMatch struct {
	table string
	// SQLite: expr is "<table> MATCH ?" with one argument. PostgreSQL: expr
	// is a tsquery expression and cond is "tsv @@ (<expr>)".
	expr string
	args []any
}

// buildMatch combines positive and negative terms: every positive term must
// match and no negative one may. pos must not be empty.
func buildMatch(d store.Dialect, table string, pos, neg []word) ftsMatch {
	if d == store.Postgres {
		parts := make([]string, 0, len(pos)+len(neg))
		var args []any
		for _, w := range pos {
			e, a := pgTerm(w)
			parts, args = append(parts, e), append(args, a...)
		}
		for _, w := range neg {
			e, a := pgTerm(w)
			parts, args = append(parts, "!!"+e), append(args, a...)
		}
		return ftsMatch{table: table, expr: "(" + strings.Join(parts, " && ") + ")", args: args}
	}
	m := sqliteJoin(pos, " AND ")
	if len(neg) > 0 {
		m = "(" + m + ") NOT (" + sqliteJoin(neg, " OR ") + ")"
	}
	return ftsMatch{table: table, expr: m}
}

// buildAny matches documents holding any of ws (for NOT IN when a query
// has only negative free text).
func buildAny(d store.Dialect, table string, ws []word) ftsMatch {
	if d == store.Postgres {
		parts := make([]string, len(ws))
		var args []any
		for i, w := range ws {
			e, a := pgTerm(w)
			parts[i], args = e, append(args, a...)
		}
		return ftsMatch{table: table, expr: "(" + strings.Join(parts, " || ") + ")", args: args}
	}
	return ftsMatch{table: table, expr: sqliteJoin(ws, " OR ")}
}

// idSubquery selects the ids of matching documents.
func (m ftsMatch) idSubquery(d store.Dialect) (string, []any) {
	if d == store.Postgres {
		return `SELECT id FROM ` + m.table + ` WHERE tsv @@ ` + m.expr, m.args
	}
	return `SELECT rowid FROM ` + m.table + ` WHERE ` + m.table + ` MATCH ?`, []any{m.expr}
}

// sqliteTerm renders one term as an FTS5 string: always quoted, so FTS5
// operators and column filters in user text are inert; '"' is doubled
// (textfold.Words never yields one, but the quoting must not depend on it).
func sqliteTerm(w word) string {
	s := `"` + strings.ReplaceAll(strings.Join(w.words, " "), `"`, `""`) + `"`
	if w.prefix {
		s += "*"
	}
	return s
}

func sqliteJoin(ws []word, op string) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = sqliteTerm(w)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, op) + ")"
}

// pgTerm renders one term as a tsquery expression with its arguments. The
// to_tsquery text holds only quoted letter/digit lexemes and the operators
// added here; user text reaches phraseto_tsquery only, which has no syntax.
func pgTerm(w word) (string, []any) {
	lex := make([]string, len(w.words))
	for i, x := range w.words {
		lex[i] = "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	q := strings.Join(lex, " <-> ")
	if w.prefix {
		q += ":*"
	}
	if w.raw != "" {
		return "(to_tsquery('simple', ?) || phraseto_tsquery('simple', ?))", []any{q, w.raw}
	}
	return "to_tsquery('simple', ?)", []any{q}
}

// matchesWords reports whether doc (already split by textfold.Words) holds
// w's words contiguously, the last as a prefix when w.prefix — the same
// rule the stores apply, for checks done in Go.
func matchesWords(doc []string, w word) bool {
	n := len(w.words)
	for i := 0; i+n <= len(doc); i++ {
		ok := true
		for j, x := range w.words {
			d := doc[i+j]
			if j == n-1 && w.prefix {
				ok = strings.HasPrefix(d, x)
			} else {
				ok = d == x
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func stripNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}
