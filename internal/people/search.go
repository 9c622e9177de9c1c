package people

import (
	"context"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// maxSearchWords bounds the cost of one search.
const maxSearchWords = 16

// ftsIDs returns a subquery selecting the ids of records in a full-text
// table (user_search, organization_search) whose document has every word as
// a prefix of one of its words, plus its one argument. The store package has
// no helper for matching, so this is the one dialect switch in the package;
// words come from textfold.Words (letters and digits only) and are passed as
// a parameter all the same.
func ftsIDs(d store.Dialect, table string, words []string) (string, any) {
	if d == store.Postgres {
		return `SELECT id FROM ` + table + ` WHERE tsv @@ to_tsquery('simple', ?)`, strings.Join(words, ":* & ") + ":*"
	}
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = `"` + w + `"*`
	}
	return `SELECT rowid FROM ` + table + ` WHERE ` + table + ` MATCH ?`, strings.Join(q, " ")
}

// SearchUsers finds active users (staff only) whose name, emails, phone,
// tags or notes contain every word of query as a word prefix (folded, so
// "muller" finds "Müller"), or who own query as an email address. Results
// are in id order.
func (s *Service) SearchUsers(ctx context.Context, query string, limit int) ([]*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to search users")
	}
	query = strings.TrimSpace(query)
	if !validText(query) || len(query) > 1000 {
		return nil, desk.Invalid("query", "is not valid")
	}
	var subs []string
	var args []any
	if words := textfold.Words(query); len(words) > 0 {
		if len(words) > maxSearchWords {
			words = words[:maxSearchWords]
		}
		sub, arg := ftsIDs(s.DB.Dialect, "user_search", words)
		subs, args = append(subs, sub), append(args, arg)
	}
	if e, err := NormalizeEmail(query); err == nil {
		subs = append(subs, `SELECT user_id FROM user_identities WHERE type = ? AND value = ?`)
		args = append(args, IdentityEmail, e)
	}
	if len(subs) == 0 {
		return []*desk.User{}, nil
	}
	cond, vargs := userVisibility(p)
	args = append(append(append(args, true), vargs...), clampLimit(limit))
	return queryUsers(ctx, s.DB, `SELECT `+userCols+` FROM users u WHERE u.id IN (`+strings.Join(subs, ` UNION `)+`)
		AND u.active = ?`+cond+` ORDER BY u.id LIMIT ?`, args...)
}

// UserVisibility returns a SQL condition over users u (no leading AND;
// "1 = 1" when p sees everyone) limiting them to those p may see, with its
// arguments: the one rule GetUser, lists and searches apply. Other
// packages that select users themselves (the search service) use it, so
// their counts come from the same visibility as their results.
func UserVisibility(p *desk.Principal) (string, []any) {
	cond, args := userVisibility(p)
	if cond == "" {
		return "1 = 1", nil
	}
	return "(" + strings.TrimPrefix(cond, " AND ") + ")", args
}
