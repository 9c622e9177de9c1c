package people

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// editTags adds add to and removes remove from the space-separated tags
// cur (normalised as any tag list), keeping the order of cur.
func editTags(v *desk.Validation, cur string, add, remove []string) string {
	tags := splitTags(cur)
	for _, t := range normalizeTags(v, "tags", add) {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	drop := normalizeTags(v, "tags", remove)
	tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(drop, t) })
	if len(tags) > maxTags {
		v.Add("tags", "has too many tags")
	}
	return strings.Join(tags, " ")
}

// MaxUserAutocomplete is how many users autocomplete answers.
const MaxUserAutocomplete = 100

// AutocompleteUsers lists active users whose name starts with name (at
// least two characters; folded, so "mul" finds "Müller"), by name, for
// staff, among the users they may see.
func (s *Service) AutocompleteUsers(ctx context.Context, name string) ([]*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to autocomplete users")
	}
	name = strings.TrimSpace(name)
	prefix := nameFold(name)
	if !validText(name) || len([]rune(prefix)) < 2 || len(textfold.Words(name)) == 0 {
		return nil, desk.Invalid("name", "must be at least 2 characters")
	}
	// The range lets the users_name_fold index seek straight to the prefix
	// and stop after it (the column compares bytewise on both stores); LIKE
	// keeps the match exact at the upper edge.
	cond, vargs := userVisibility(p)
	args := append([]any{prefix, prefix + prefixEnd, likePrefix(prefix), true}, vargs...)
	us, err := queryUsers(ctx, s.DB, `SELECT `+userCols+` FROM users u
		WHERE u.name_fold >= ? AND u.name_fold < ? AND u.name_fold LIKE ? ESCAPE '\' AND u.active = ?`+cond+
		fmt.Sprintf(` ORDER BY u.name_fold, u.id LIMIT %d`, MaxUserAutocomplete), args...)
	if err != nil {
		return nil, fmt.Errorf("people: autocomplete users: %w", err)
	}
	return us, nil
}

// prefixEnd, appended to a prefix, bounds from above (bytewise) every
// string that starts with the prefix: it is the highest code point.
const prefixEnd = "\U0010FFFF"

// likePrefix is the LIKE pattern (with ESCAPE '\') for strings starting
// with prefix.
func likePrefix(prefix string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix) + "%"
}

// nameFold is the users.name_fold of a user named name: the name as
// autocomplete compares it (trimmed, folded).
func nameFold(name string) string { return textfold.Fold(strings.TrimSpace(name)) }

// foldBatch is how many users FoldUserNames folds per transaction.
const foldBatch = 500

// FoldUserNames fills users.name_fold for rows written before migration 19
// added it (NULL), in batches; the server runs it at start-up, before
// serving. Rows written since carry it already, so a second run finds
// nothing to do.
func (s *Service) FoldUserNames(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.foldUserNamesBatch(ctx)
		if err != nil {
			return total, fmt.Errorf("people: folding user names: %w", err)
		}
		total += n
		if n < foldBatch {
			return total, nil
		}
	}
}

// foldUserNamesBatch folds up to foldBatch unfolded names in one
// transaction and reports how many it folded.
func (s *Service) foldUserNamesBatch(ctx context.Context) (int, error) {
	n := 0
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT id, name FROM users WHERE name_fold IS NULL ORDER BY id LIMIT %d`, foldBatch))
		if err != nil {
			return err
		}
		type pending struct {
			id   int64
			name string
		}
		var todo []pending
		for rows.Next() {
			var p pending
			if err := rows.Scan(&p.id, &p.name); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range todo {
			if _, err := tx.Exec(ctx, `UPDATE users SET name_fold = ? WHERE id = ? AND name_fold IS NULL`, nameFold(p.name), p.id); err != nil {
				return err
			}
		}
		n = len(todo)
		return nil
	})
	return n, err
}

// ShowTwoFactor fills two_factor_auth_enabled on the users p may know it
// of: the user themselves and admins. Everyone else sees null.
func ShowTwoFactor(p *desk.Principal, us ...*desk.User) {
	for _, u := range us {
		u.TwoFactorAuthEnabled = nil
		if p.IsAdmin() || (p != nil && !p.System && p.UserID == u.ID) {
			on := u.TwoFactor
			u.TwoFactorAuthEnabled = &on
		}
	}
}
