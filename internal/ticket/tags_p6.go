package ticket

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// MaxTagAutocomplete is how many names TagsWithPrefix returns at most.
const MaxTagAutocomplete = 15

// TagsWithPrefix returns the names of tags starting with prefix (compared
// lower-cased, as tags are stored) on tickets the caller may see, most used
// first. As in Zendesk the prefix needs at least two characters; staff only.
func (s *Service) TagsWithPrefix(ctx context.Context, prefix string) (_ []string, err error) {
	defer func() { err = wrapf(err, "ticket: tags with prefix") }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("only agents can list tags")
	}
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	n := utf8.RuneCountInString(prefix)
	if n < 2 || n > 100 || !utf8.ValidString(prefix) || strings.ContainsRune(prefix, 0) {
		return nil, desk.Invalid("name", "must have 2 to 100 characters")
	}
	// Only tickets p may see count, as in Tags: a private group's tag must
	// not surface to an agent outside it.
	vis, args := visibility(p)
	args = append([]any{n, prefix}, args...)
	rows, err := s.DB.Query(ctx, `SELECT tt.tag FROM ticket_tags tt JOIN tickets t ON t.id = tt.ticket_id
		WHERE substr(tt.tag, 1, ?) = ? AND t.deleted_at = 0 AND `+vis+` GROUP BY tt.tag ORDER BY COUNT(*) DESC, tt.tag LIMIT ?`,
		append(args, MaxTagAutocomplete)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var tag string
		if err := rows.Scan(&tag); err != nil {
			return nil, err
		}
		out = append(out, tag)
	}
	return out, rows.Err()
}
