package people

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// MaxAutocomplete is how many organizations autocomplete answers.
const MaxAutocomplete = 100

// AuthorizeBulkOrganizations decides, before a bulk organization job is
// queued, whether the caller may change n organizations: the gate of the
// single calls (staff with manage_groups_orgs). Each record is checked
// again when the job runs.
func (s *Service) AuthorizeBulkOrganizations(ctx context.Context, n int) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
		return desk.Forbidden("You are not allowed to change organizations")
	}
	if n == 0 {
		return desk.Invalid("organizations", "is empty")
	}
	if n > MaxBulkUsers {
		return desk.Errorf(desk.ETOOLARGE, "Too many organizations (maximum is %d)", MaxBulkUsers)
	}
	return nil
}

// CreateOrUpdateOrganization updates the organization with id (when not
// 0), else the one with in.ExternalID, else creates one, as Zendesk's
// organizations/create_or_update. created tells which happened.
func (s *Service) CreateOrUpdateOrganization(ctx context.Context, id int64, in OrganizationInput) (o *desk.Organization, created bool, err error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
		return nil, false, desk.Forbidden("You are not allowed to change organizations")
	}
	if id == 0 && in.ExternalID != nil && *in.ExternalID != "" {
		err := s.DB.QueryRow(ctx, `SELECT id FROM organizations WHERE external_id = ? ORDER BY id LIMIT 1`, *in.ExternalID).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, false, fmt.Errorf("people: organization by external_id: %w", err)
		}
	}
	if id != 0 {
		o, err := s.UpdateOrganization(ctx, id, in)
		return o, false, err
	}
	o, err = s.CreateOrganization(ctx, in)
	return o, err == nil, err
}

// AutocompleteOrganizations lists organizations whose name starts with
// name (at least two characters), by name, for staff.
func (s *Service) AutocompleteOrganizations(ctx context.Context, name string) ([]*desk.Organization, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to autocomplete organizations")
	}
	key := nameKey(name)
	if len([]rune(key)) < 2 {
		return nil, desk.Invalid("name", "must be at least 2 characters")
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(key)
	return queryOrgs(ctx, s.DB, `SELECT `+orgCols+` FROM organizations o WHERE o.name_key LIKE ? ESCAPE '\' ORDER BY o.name_key, o.id`+
		fmt.Sprintf(` LIMIT %d`, MaxAutocomplete), esc+"%")
}
