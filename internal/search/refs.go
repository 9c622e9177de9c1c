package search

import (
	"context"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/search/query"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// Limits on how much one search may resolve in Go.
const (
	// maxNameCandidates bounds the rows read to resolve a name (assignee:
	// "Jan Kowalski", name:jan, organization:Acme).
	maxNameCandidates = 10000
)

// idSet is a set of record ids as SQL: "(?)" or "(SELECT …)", for use
// after IN. none marks the value "none" (no record at all); empty a value
// that names nothing.
type idSet struct {
	sql   string
	args  []any
	none  bool
	empty bool
}

// in returns "col IN set" that is never NULL, so NOT (…) around it also
// keeps rows where col is NULL. (IS NOT NULL rather than COALESCE keeps
// the column's index usable.)
func (s idSet) in(col string, nullable bool) (string, []any) {
	switch {
	case s.none:
		if !nullable {
			return "1=0", nil
		}
		return col + " IS NULL", nil
	case s.empty:
		return "1=0", nil
	}
	if nullable {
		return col + " IS NOT NULL AND " + col + " IN " + s.sql, s.args
	}
	return col + " IN " + s.sql, s.args
}

// idList binds ids as one parameter whatever their number.
func idList(d store.Dialect, ids []int64) idSet {
	switch len(ids) {
	case 0:
		return idSet{empty: true}
	case 1:
		return idSet{sql: "(?)", args: []any{ids[0]}}
	}
	var b strings.Builder
	if d == store.Postgres {
		b.WriteByte('{')
	} else {
		b.WriteByte('[')
	}
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	if d == store.Postgres {
		b.WriteByte('}')
		return idSet{sql: "(SELECT unnest(CAST(CAST(? AS TEXT) AS BIGINT[])))", args: []any{b.String()}}
	}
	b.WriteByte(']')
	return idSet{sql: "(SELECT value FROM json_each(?))", args: []any{b.String()}}
}

// parseID reads a record id; ok is false for anything but plain digits.
func parseID(v string) (id int64, ok bool) {
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1, true // digits, but no record can have that id
	}
	return id, true
}

// userRef resolves a value naming a user: me, none, an id, an email
// address (any email identity, or a prefix with '*'), or a name.
func (r *run) userRef(ctx context.Context, t query.Term) (idSet, error) {
	v := strings.TrimSpace(t.Value)
	lv := strings.ToLower(v)
	if !t.Prefix {
		switch lv {
		case "me":
			return idSet{sql: "(?)", args: []any{r.p.UserID}}, nil
		case "none":
			return idSet{none: true}, nil
		}
		if id, ok := parseID(v); ok {
			return idSet{sql: "(?)", args: []any{id}}, nil
		}
	}
	if strings.Contains(v, "@") {
		return emailSet(lv, t.Prefix), nil
	}
	ids, err := r.names(ctx, "users", "user_search", v, t.Prefix, true)
	if err != nil {
		return idSet{}, err
	}
	return idList(r.db.Dialect, ids), nil
}

// emailSet selects users holding email (lower-cased) as an identity or,
// for rows that predate identities, in users.email.
func emailSet(email string, prefix bool) idSet {
	email = stripNUL(email)
	if prefix {
		pat := escapeLike(email) + "%"
		return idSet{
			sql: `(SELECT ui.user_id FROM user_identities ui WHERE ui.type = ? AND ui.value LIKE ? ESCAPE '\'
				UNION SELECT eu.id FROM users eu WHERE eu.email LIKE ? ESCAPE '\')`,
			args: []any{"email", pat, pat},
		}
	}
	return idSet{
		sql: `(SELECT ui.user_id FROM user_identities ui WHERE ui.type = ? AND ui.value = ?
			UNION SELECT eu.id FROM users eu WHERE eu.email = ?)`,
		args: []any{"email", email, email},
	}
}

// orgRef resolves none, an id or an organization name.
func (r *run) orgRef(ctx context.Context, t query.Term) (idSet, error) {
	v := strings.TrimSpace(t.Value)
	if !t.Prefix {
		if strings.EqualFold(v, "none") {
			return idSet{none: true}, nil
		}
		if id, ok := parseID(v); ok {
			return idSet{sql: "(?)", args: []any{id}}, nil
		}
	}
	ids, err := r.names(ctx, "organizations", "organization_search", v, t.Prefix, true)
	if err != nil {
		return idSet{}, err
	}
	return idList(r.db.Dialect, ids), nil
}

// groupRef resolves none, an id or a group name. Groups are few, so names
// are compared in Go, folded like everything else.
func (r *run) groupRef(ctx context.Context, t query.Term) (idSet, error) {
	v := strings.TrimSpace(t.Value)
	if !t.Prefix {
		if strings.EqualFold(v, "none") {
			return idSet{none: true}, nil
		}
		if id, ok := parseID(v); ok {
			return idSet{sql: "(?)", args: []any{id}}, nil
		}
	}
	w, ok := newWord(v, t.Prefix)
	if !ok {
		return idSet{empty: true}, nil
	}
	rows, err := r.db.Query(ctx, `SELECT id, name FROM agent_groups ORDER BY id LIMIT ?`, maxNameCandidates)
	if err != nil {
		return idSet{}, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return idSet{}, err
		}
		if nameMatches(name, w, true) {
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return idSet{}, err
	}
	return idList(r.db.Dialect, ids), nil
}

// names returns the ids of users or organizations whose name matches v,
// folded (case and diacritics ignored, punctuation as separators): equal
// word for word when exact (starting with v's words when prefix), else
// containing v's words in a row, the last word as a prefix when prefix. Candidates come from the full-text table
// (whose documents hold the name), the check on the name itself is in Go
// because neither store can fold text the way textfold does.
func (r *run) names(ctx context.Context, table, fts, v string, prefix, exact bool) ([]int64, error) {
	w, ok := newWord(v, prefix)
	if !ok {
		return nil, nil
	}
	w.raw = "" // names are compared word by word
	m := buildMatch(r.db.Dialect, fts, []word{w}, nil)
	sub, args := m.idSubquery(r.db.Dialect)
	rows, err := r.db.Query(ctx, `SELECT x.id, x.name FROM `+table+` x WHERE x.id IN (`+sub+`) ORDER BY x.id LIMIT ?`,
		append(args, maxNameCandidates)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		if nameMatches(name, w, exact) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// nameMatches compares a name with w word by word: anywhere in the name,
// or when exact the whole name (with a prefix: the start of the name).
func nameMatches(name string, w word, exact bool) bool {
	nw := textfold.Words(name)
	if !exact {
		return matchesWords(nw, w)
	}
	if len(nw) < len(w.words) || (!w.prefix && len(nw) != len(w.words)) {
		return false
	}
	return matchesWords(nw[:len(w.words)], w)
}

// escapeLike escapes LIKE wildcards for use with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
