package people

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// OrganizationInput is the writable part of an organization; nil pointers
// mean "leave as is" on update.
type OrganizationInput struct {
	Name           *string
	DomainNames    *[]string
	Details        *string
	Notes          *string
	GroupID        *int64 // a pointer to 0 clears it
	SharedTickets  *bool
	SharedComments *bool
	ExternalID     *string // a pointer to "" clears it
	Tags           *[]string
	// Fields sets custom organization field values by key (null clears
	// one); keys not given keep their values.
	Fields map[string]any
}

const maxDomains = 100

const orgCols = `o.id, o.name, o.details, o.notes, o.group_id, o.shared_tickets, o.shared_comments, o.external_id,
	o.tags, o.fields, o.created_at, o.updated_at`

func scanOrg(sc scanner) (*desk.Organization, error) {
	var (
		o                desk.Organization
		grp              sql.NullInt64
		ext              sql.NullString
		tags, fields     string
		created, updated int64
	)
	if err := sc.Scan(&o.ID, &o.Name, &o.Details, &o.Notes, &grp, &o.SharedTickets, &o.SharedComments, &ext,
		&tags, &fields, &created, &updated); err != nil {
		return nil, err
	}
	o.GroupID = int64Ptr(grp)
	o.ExternalID = strPtr(ext)
	o.Tags = splitTags(tags)
	o.DomainNames = []string{}
	if json.Unmarshal([]byte(fields), &o.Fields) != nil || o.Fields == nil {
		o.Fields = map[string]any{}
	}
	o.CreatedAt = desk.TimeFromMicros(created)
	o.UpdatedAt = desk.TimeFromMicros(updated)
	return &o, nil
}

// queryOrgs runs a query over organizations o and fills in domain names.
func queryOrgs(ctx context.Context, q store.Querier, query string, args ...any) ([]*desk.Organization, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out := []*desk.Organization{}
	byID := map[int64]*desk.Organization{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
		byID[o.ID] = o
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]any, 0, len(out))
	for _, o := range out {
		ids = append(ids, o.ID)
	}
	drows, err := q.Query(ctx, `SELECT organization_id, domain FROM organization_domains
		WHERE organization_id IN (`+store.Placeholders(len(ids))+`) ORDER BY domain`, ids...)
	if err != nil {
		return nil, err
	}
	defer drows.Close()
	for drows.Next() {
		var id int64
		var d string
		if err := drows.Scan(&id, &d); err != nil {
			return nil, err
		}
		if o := byID[id]; o != nil {
			o.DomainNames = append(o.DomainNames, d)
		}
	}
	return out, drows.Err()
}

// orgVisibility limits organizations o to what p may read: staff all,
// end-users those they belong to.
func orgVisibility(p *desk.Principal) (string, []any) {
	if p.IsStaff() {
		return "", nil
	}
	return ` AND o.id IN (SELECT me.organization_id FROM organization_memberships me WHERE me.user_id = ?)`, []any{p.UserID}
}

func visibleOrg(ctx context.Context, q store.Querier, p *desk.Principal, id int64) (*desk.Organization, error) {
	cond, args := orgVisibility(p)
	list, err := queryOrgs(ctx, q, `SELECT `+orgCols+` FROM organizations o WHERE o.id = ?`+cond, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, desk.NotFound()
	}
	return list[0], nil
}

type orgState struct {
	Name, Details, Notes, ExternalID, Tags string
	GroupID                                int64
	SharedTickets, SharedComments          bool
	Domains                                []string
	Fields                                 string // custom field values, JSON
}

func orgStateOf(o *desk.Organization) orgState {
	return orgState{Name: o.Name, Details: o.Details, Notes: o.Notes, ExternalID: derefStr(o.ExternalID),
		Tags: strings.Join(o.Tags, " "), GroupID: derefInt(o.GroupID), SharedTickets: o.SharedTickets,
		SharedComments: o.SharedComments, Domains: o.DomainNames, Fields: encodeFieldValues(o.Fields)}
}

func (st *orgState) apply(in OrganizationInput, v *desk.Validation) {
	if in.Name != nil {
		st.Name = checkName(v, "name", *in.Name)
	}
	if in.DomainNames != nil {
		st.Domains = normalizeDomains(v, *in.DomainNames)
	}
	if in.Details != nil {
		st.Details = checkText(v, "details", *in.Details)
	}
	if in.Notes != nil {
		st.Notes = checkText(v, "notes", *in.Notes)
	}
	if in.GroupID != nil {
		if *in.GroupID < 0 {
			v.Add("group_id", "does not exist")
		} else {
			st.GroupID = *in.GroupID
		}
	}
	if in.SharedTickets != nil {
		st.SharedTickets = *in.SharedTickets
	}
	if in.SharedComments != nil {
		st.SharedComments = *in.SharedComments
	}
	if in.ExternalID != nil {
		st.ExternalID = checkShort(v, "external_id", *in.ExternalID)
	}
	if in.Tags != nil {
		st.Tags = strings.Join(normalizeTags(v, "tags", *in.Tags), " ")
	}
}

// normalizeDomains lower-cases, validates, de-duplicates and sorts domains.
func normalizeDomains(v *desk.Validation, in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, raw := range in {
		d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".")
		if d == "" {
			continue
		}
		if !validDomain(d, false) {
			v.Add("domain_names", "contains an invalid domain name")
			return out
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	if len(out) > maxDomains {
		v.Add("domain_names", "has too many domain names")
	}
	sort.Strings(out)
	return out
}

func nameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// checkOrgFree reports taken names, domains and external ids and a missing
// group; id is the organization being updated (0 on create).
func checkOrgFree(ctx context.Context, q store.Querier, id int64, st orgState, before orgState) error {
	var v desk.Validation
	if nameKey(st.Name) != nameKey(before.Name) || id == 0 {
		taken, err := exists(ctx, q, `SELECT COUNT(*) FROM organizations WHERE name_key = ? AND id <> ?`, nameKey(st.Name), id)
		if err != nil {
			return err
		}
		if taken {
			v.Add("name", "has already been taken")
		}
	}
	if len(st.Domains) > 0 {
		args := []any{id}
		for _, d := range st.Domains {
			args = append(args, d)
		}
		rows, err := q.Query(ctx, `SELECT domain FROM organization_domains WHERE organization_id <> ?
			AND domain IN (`+store.Placeholders(len(st.Domains))+`) ORDER BY domain`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return err
			}
			v.Add("domain_names", d+" is already used by another organization")
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if st.ExternalID != "" && st.ExternalID != before.ExternalID {
		taken, err := exists(ctx, q, `SELECT COUNT(*) FROM organizations WHERE external_id = ? AND id <> ?`, st.ExternalID, id)
		if err != nil {
			return err
		}
		if taken {
			v.Add("external_id", "has already been taken")
		}
	}
	if st.GroupID != 0 && st.GroupID != before.GroupID {
		ok, err := exists(ctx, q, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND deleted = ?`, st.GroupID, false)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("group_id", "does not exist")
		}
	}
	return v.Err()
}

// writeOrgExtras replaces the domains and the search document.
func writeOrgExtras(ctx context.Context, tx *store.Tx, id int64, st orgState, domainsChanged bool) error {
	if domainsChanged {
		if _, err := tx.Exec(ctx, `DELETE FROM organization_domains WHERE organization_id = ?`, id); err != nil {
			return err
		}
		for _, d := range st.Domains {
			if _, err := tx.Exec(ctx, `INSERT INTO organization_domains (domain, organization_id) VALUES (?, ?)`, d, id); err != nil {
				return err
			}
		}
	}
	return tx.SetSearchDoc(ctx, "organization_search", id,
		searchDoc(st.Name, strings.Join(st.Domains, " "), st.Tags, st.Details, st.Notes, fieldSearchText(st.Fields)))
}

// CreateOrganization creates an organization (manage_groups_orgs).
func (s *Service) CreateOrganization(ctx context.Context, in OrganizationInput) (*desk.Organization, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
		return nil, desk.Forbidden("You are not allowed to create organizations")
	}
	var v desk.Validation
	var st orgState
	if in.Name == nil {
		v.Add("name", "can't be blank")
	}
	st.apply(in, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if st.Fields, err = mergeFieldValues(ctx, s.DB, desk.ScopeOrganization, "{}", in.Fields); err != nil {
		return nil, err
	}
	var o *desk.Organization
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := checkOrgFree(ctx, tx, 0, st, orgState{}); err != nil {
			return err
		}
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO organizations (name, name_key, details, notes, group_id, shared_tickets,
			shared_comments, external_id, tags, fields, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.Name, nameKey(st.Name), st.Details, st.Notes, nullInt(st.GroupID), st.SharedTickets, st.SharedComments,
			nullStr(st.ExternalID), st.Tags, st.Fields, now, now)
		if err != nil {
			return err
		}
		if err := writeOrgExtras(ctx, tx, id, st, true); err != nil {
			return err
		}
		if o, err = visibleOrg(ctx, tx, p, id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.OrganizationCreated, OrganizationID: id})
	})
	if err != nil {
		return nil, mapErr(err, "name")
	}
	return o, nil
}

// UpdateOrganization changes an organization (manage_groups_orgs). Sending
// DomainNames replaces the whole list.
func (s *Service) UpdateOrganization(ctx context.Context, id int64, in OrganizationInput) (*desk.Organization, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	var o *desk.Organization
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := visibleOrg(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
			return desk.Forbidden("You are not allowed to update organizations")
		}
		before := orgStateOf(cur)
		st := before
		var v desk.Validation
		st.apply(in, &v)
		if err := v.Err(); err != nil {
			return err
		}
		if st.Fields, err = mergeFieldValues(ctx, tx, desk.ScopeOrganization, before.Fields, in.Fields); err != nil {
			return err
		}
		if err := checkOrgFree(ctx, tx, id, st, before); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE organizations SET name = ?, name_key = ?, details = ?, notes = ?, group_id = ?,
			shared_tickets = ?, shared_comments = ?, external_id = ?, tags = ?, fields = ?, updated_at = ? WHERE id = ?`,
			st.Name, nameKey(st.Name), st.Details, st.Notes, nullInt(st.GroupID), st.SharedTickets, st.SharedComments,
			nullStr(st.ExternalID), st.Tags, st.Fields, store.Now(), id); err != nil {
			return err
		}
		if err := writeOrgExtras(ctx, tx, id, st, in.DomainNames != nil); err != nil {
			return err
		}
		if o, err = visibleOrg(ctx, tx, p, id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.OrganizationUpdated, OrganizationID: id})
	})
	if err != nil {
		return nil, mapErr(err, "name")
	}
	return o, nil
}

// GetOrganization returns an organization staff, or its own end-users, may see.
func (s *Service) GetOrganization(ctx context.Context, id int64) (*desk.Organization, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	return visibleOrg(ctx, s.DB, p, id)
}

// GetOrganizations returns the visible organizations among ids, in id order.
func (s *Service) GetOrganizations(ctx context.Context, ids []int64) ([]*desk.Organization, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	ids = uniqueIDs(ids)
	if len(ids) > maxIDs {
		return nil, desk.Errorf(desk.ETOOLARGE, "Too many ids (maximum is %d)", maxIDs)
	}
	if len(ids) == 0 {
		return []*desk.Organization{}, nil
	}
	cond, vargs := orgVisibility(p)
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	return queryOrgs(ctx, s.DB, `SELECT `+orgCols+` FROM organizations o WHERE o.id IN (`+store.Placeholders(len(ids))+`)`+
		cond+` ORDER BY o.id`, append(args, vargs...)...)
}

// ListOrganizations lists organizations by id after afterID: all for staff,
// their own for end-users.
func (s *Service) ListOrganizations(ctx context.Context, afterID int64, limit, offset int) ([]*desk.Organization, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	cond, args := orgVisibility(p)
	page, pargs := pageArgs(limit, offset)
	args = append([]any{afterID}, args...)
	return queryOrgs(ctx, s.DB, `SELECT `+orgCols+` FROM organizations o WHERE o.id > ?`+cond+` ORDER BY o.id`+page,
		append(args, pargs...)...)
}

// CountOrganizations counts what ListOrganizations would list.
func (s *Service) CountOrganizations(ctx context.Context) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	cond, args := orgVisibility(p)
	var n int
	err = s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM organizations o WHERE 1 = 1`+cond, args...).Scan(&n)
	return n, err
}

// DeleteOrganization deletes an organization (manage_groups_orgs); its users and
// tickets stay, without an organization.
func (s *Service) DeleteOrganization(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := visibleOrg(ctx, tx, p, id); err != nil {
			return err
		}
		if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
			return desk.Forbidden("You are not allowed to delete organizations")
		}
		// Explicit rather than relying on ON DELETE actions, which SQLite
		// only honours with foreign keys switched on. Members whose
		// default this was get another default.
		if err := removeOrgMembershipsTx(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET organization_id = NULL WHERE organization_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM organization_domains WHERE organization_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM organizations WHERE id = ?`, id); err != nil {
			return err
		}
		if err := tx.DeleteSearchDoc(ctx, "organization_search", id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.OrganizationDeleted, OrganizationID: id})
	})
}

// OrganizationByName finds an organization by name, case-insensitively (staff).
func (s *Service) OrganizationByName(ctx context.Context, name string) (*desk.Organization, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.NotFound()
	}
	list, err := queryOrgs(ctx, s.DB, `SELECT `+orgCols+` FROM organizations o WHERE o.name_key = ?`, nameKey(name))
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, desk.NotFound()
	}
	return list[0], nil
}
