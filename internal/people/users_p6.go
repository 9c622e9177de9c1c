package people

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
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

// autocompleteCandidates bounds how many full-text matches autocomplete
// sorts through for names starting with the prefix.
const autocompleteCandidates = 2000

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
	prefix := textfold.Fold(name)
	words := textfold.Words(name)
	if !validText(name) || len([]rune(prefix)) < 2 || len(words) == 0 {
		return nil, desk.Invalid("name", "must be at least 2 characters")
	}
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	sub, arg := ftsIDs(s.DB.Dialect, "user_search", words)
	cond, vargs := userVisibility(p)
	args := append(append([]any{arg, true}, vargs...), autocompleteCandidates)
	us, err := queryUsers(ctx, s.DB, `SELECT `+userCols+` FROM users u WHERE u.id IN (`+sub+`) AND u.active = ?`+cond+
		` ORDER BY u.id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	us = slices.DeleteFunc(us, func(u *desk.User) bool { return !strings.HasPrefix(textfold.Fold(u.Name), prefix) })
	sort.SliceStable(us, func(i, j int) bool { return textfold.Fold(us[i].Name) < textfold.Fold(us[j].Name) })
	if len(us) > MaxUserAutocomplete {
		us = us[:MaxUserAutocomplete]
	}
	return us, nil
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
