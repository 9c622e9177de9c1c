package people

import (
	"context"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// maxExternalIDs is how many external ids one show_many names, as in
// Zendesk.
const maxExternalIDs = 100

// externalIDArgs trims exts, drops blanks and repeats, and refuses values
// no record could have (external ids are unique, valid single-line text of
// at most maxShort bytes).
func externalIDArgs(exts []string) ([]any, error) {
	seen := map[string]bool{}
	var out []any
	for _, e := range exts {
		e = strings.TrimSpace(e)
		if e == "" || seen[e] {
			continue
		}
		if !validText(e) || hasControl(e) || len(e) > maxShort {
			return nil, desk.Invalid("external_ids", "holds a value that is not a valid external id")
		}
		seen[e] = true
		out = append(out, e)
	}
	if len(out) > maxExternalIDs {
		return nil, desk.Errorf(desk.ETOOLARGE, "Too many external ids (maximum is %d)", maxExternalIDs)
	}
	return out, nil
}

// GetUsersByExternalIDs is GetUsers by external_id (Zendesk's
// users/show_many?external_ids=): the users the principal in ctx may see
// whose external id is one of exts, in id order.
func (s *Service) GetUsersByExternalIDs(ctx context.Context, exts []string) ([]*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	args, err := externalIDArgs(exts)
	if err != nil || len(args) == 0 {
		return []*desk.User{}, err
	}
	cond, vargs := userVisibility(p)
	us, err := queryUsers(ctx, s.DB, `SELECT `+userCols+` FROM users u WHERE u.external_id IN (`+store.Placeholders(len(args))+`)`+cond+` ORDER BY u.id`,
		append(args, vargs...)...)
	if err != nil {
		return nil, fmt.Errorf("people: users by external ids: %w", err)
	}
	return us, nil
}

// GetOrganizationsByExternalIDs is GetOrganizations by external_id
// (organizations/show_many?external_ids=), in id order.
func (s *Service) GetOrganizationsByExternalIDs(ctx context.Context, exts []string) ([]*desk.Organization, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	args, err := externalIDArgs(exts)
	if err != nil || len(args) == 0 {
		return []*desk.Organization{}, err
	}
	cond, vargs := orgVisibility(p)
	os, err := queryOrgs(ctx, s.DB, `SELECT `+orgCols+` FROM organizations o WHERE o.external_id IN (`+store.Placeholders(len(args))+`)`+cond+` ORDER BY o.id`,
		append(args, vargs...)...)
	if err != nil {
		return nil, fmt.Errorf("people: organizations by external ids: %w", err)
	}
	return os, nil
}
