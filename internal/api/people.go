package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/search"
)

// registerPeople mounts Zendesk's users, identities, organizations, groups,
// group memberships and API token endpoints. Every permission check lives in
// the people service; handlers only translate.
func (s *Server) registerPeople(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/users", s.listUsers)
	s.handle(mux, "POST /api/v2/users", s.createUser)
	s.handle(mux, "GET /api/v2/users/me", s.showMe)
	s.handle(mux, "GET /api/v2/users/show_many", s.showManyUsers)
	s.handle(mux, "GET /api/v2/users/search", s.searchUsers)
	s.handle(mux, "POST /api/v2/users/create_or_update", s.createOrUpdateUser)
	s.handle(mux, "GET /api/v2/users/{id}", s.showUser)
	s.handle(mux, "PUT /api/v2/users/{id}", s.updateUser)
	s.handle(mux, "DELETE /api/v2/users/{id}", s.deleteUser)
	s.handle(mux, "GET /api/v2/users/{id}/identities", s.listIdentities)
	s.handle(mux, "POST /api/v2/users/{id}/identities", s.createIdentity)
	s.handle(mux, "GET /api/v2/users/{id}/identities/{identity_id}", s.showIdentity)
	s.handle(mux, "GET /api/v2/users/{id}/group_memberships", s.listUserMemberships)
	s.handle(mux, "POST /api/v2/users/{id}/group_memberships", s.createMembership)

	s.handle(mux, "GET /api/v2/organizations", s.listOrganizations)
	s.handle(mux, "POST /api/v2/organizations", s.createOrganization)
	s.handle(mux, "GET /api/v2/organizations/show_many", s.showManyOrganizations)
	s.handle(mux, "GET /api/v2/organizations/search", s.searchOrganizations)
	s.handle(mux, "GET /api/v2/organizations/{id}", s.showOrganization)
	s.handle(mux, "PUT /api/v2/organizations/{id}", s.updateOrganization)
	s.handle(mux, "DELETE /api/v2/organizations/{id}", deleteByID(s.People.DeleteOrganization))
	s.handle(mux, "GET /api/v2/organizations/{id}/users", s.listOrganizationUsers)

	s.handle(mux, "GET /api/v2/groups", s.listGroups)
	s.handle(mux, "GET /api/v2/groups/assignable", s.listGroups)
	s.handle(mux, "POST /api/v2/groups", s.createGroup)
	s.handle(mux, "GET /api/v2/groups/{id}", s.showGroup)
	s.handle(mux, "PUT /api/v2/groups/{id}", s.updateGroup)
	s.handle(mux, "DELETE /api/v2/groups/{id}", deleteByID(s.People.DeleteGroup))
	s.handle(mux, "GET /api/v2/groups/{id}/memberships", s.listGroupMemberships)
	s.handle(mux, "GET /api/v2/groups/{id}/users", s.listGroupUsers)

	s.handle(mux, "GET /api/v2/group_memberships", s.listMemberships)
	s.handle(mux, "POST /api/v2/group_memberships", s.createMembership)
	s.handle(mux, "GET /api/v2/group_memberships/{id}", s.showMembership)
	s.handle(mux, "DELETE /api/v2/group_memberships/{id}", deleteByID(s.People.RemoveMembership))

	s.handle(mux, "GET /api/v2/api_tokens", s.listTokens)
	s.handle(mux, "POST /api/v2/api_tokens", s.createToken)
	s.handle(mux, "GET /api/v2/api_tokens/{id}", s.showToken)
	s.handle(mux, "DELETE /api/v2/api_tokens/{id}", deleteByID(s.People.DeleteToken))
}

// --- URLs ---------------------------------------------------------------

func withOrgURLs(r *http.Request, os ...*desk.Organization) {
	base := baseURL(r)
	for _, o := range os {
		o.URL = base + "/api/v2/organizations/" + itoa(o.ID) + ".json"
	}
}

func withGroupURLs(r *http.Request, gs ...*desk.Group) {
	base := baseURL(r)
	for _, g := range gs {
		g.URL = base + "/api/v2/groups/" + itoa(g.ID) + ".json"
	}
}

func withMembershipURLs(r *http.Request, ms ...*desk.GroupMembership) {
	base := baseURL(r)
	for _, m := range ms {
		m.URL = base + "/api/v2/group_memberships/" + itoa(m.ID) + ".json"
	}
}

func withTokenURLs(r *http.Request, ts ...*desk.APIToken) {
	base := baseURL(r)
	for _, t := range ts {
		t.URL = base + "/api/v2/api_tokens/" + itoa(t.ID) + ".json"
	}
}

// identityJSON adds the url Zendesk sends with every identity (desk.Identity
// has no field for it).
type identityJSON struct {
	URL string `json:"url"`
	desk.Identity
}

func identityOut(r *http.Request, i desk.Identity) identityJSON {
	return identityJSON{
		URL:      baseURL(r) + "/api/v2/users/" + itoa(i.UserID) + "/identities/" + itoa(i.ID) + ".json",
		Identity: i,
	}
}

// unpaged is the offset envelope of a list that is returned whole.
func fullListBody(key string, items any, n int) map[string]any {
	return map[string]any{key: items, "next_page": nil, "previous_page": nil, "count": n}
}

// --- inputs -------------------------------------------------------------

// userJSON is a user as Zendesk clients send it. Optional text fields use
// desk.NullString so that null clears them and absence leaves them alone.
type userJSON struct {
	Name           *string         `json:"name"`
	Email          *string         `json:"email"`
	Role           *desk.Role      `json:"role"`
	Phone          desk.NullString `json:"phone"`
	Locale         desk.NullString `json:"locale"`
	TimeZone       desk.NullString `json:"time_zone"`
	OrganizationID desk.NullID     `json:"organization_id"`
	DefaultGroupID desk.NullID     `json:"default_group_id"`
	Tags           *[]string       `json:"tags"`
	Notes          desk.NullString `json:"notes"`
	Details        desk.NullString `json:"details"`
	ExternalID     desk.NullString `json:"external_id"`
	Suspended      *bool           `json:"suspended"`
	Verified       *bool           `json:"verified"`
	CustomRoleID   desk.NullID     `json:"custom_role_id"`
	Password       *string         `json:"password"`
	UserFields     map[string]any  `json:"user_fields"`
}

func optString(n desk.NullString) *string {
	if !n.Set {
		return nil
	}
	v := n.Value
	return &v
}

func optID(n desk.NullID) *int64 {
	if !n.Set {
		return nil
	}
	v := n.ID
	return &v
}

func (u *userJSON) input() people.UserInput {
	return people.UserInput{
		Name: u.Name, Email: u.Email, Role: u.Role,
		Phone: optString(u.Phone), Locale: optString(u.Locale), TimeZone: optString(u.TimeZone),
		OrganizationID: optID(u.OrganizationID), DefaultGroupID: optID(u.DefaultGroupID),
		Tags: u.Tags, Notes: optString(u.Notes), Details: optString(u.Details), ExternalID: optString(u.ExternalID),
		Suspended: u.Suspended, Verified: u.Verified, Password: u.Password, CustomRoleID: optID(u.CustomRoleID),
		UserFields: u.UserFields,
	}
}

type userEnvelope struct {
	User *userJSON `json:"user"`
}

func decodeUser(r *http.Request) (people.UserInput, error) {
	var env userEnvelope
	if err := decode(r, &env); err != nil {
		return people.UserInput{}, err
	}
	if env.User == nil {
		return people.UserInput{}, desk.Invalid("user", "is required")
	}
	return env.User.input(), nil
}

type orgJSON struct {
	Name           *string         `json:"name"`
	DomainNames    *[]string       `json:"domain_names"`
	Details        desk.NullString `json:"details"`
	Notes          desk.NullString `json:"notes"`
	GroupID        desk.NullID     `json:"group_id"`
	SharedTickets  *bool           `json:"shared_tickets"`
	SharedComments *bool           `json:"shared_comments"`
	ExternalID     desk.NullString `json:"external_id"`
	Tags           *[]string       `json:"tags"`
	Fields         map[string]any  `json:"organization_fields"`
}

func decodeOrg(r *http.Request) (people.OrganizationInput, error) {
	var env struct {
		Organization *orgJSON `json:"organization"`
	}
	if err := decode(r, &env); err != nil {
		return people.OrganizationInput{}, err
	}
	o := env.Organization
	if o == nil {
		return people.OrganizationInput{}, desk.Invalid("organization", "is required")
	}
	return orgInput(o), nil
}

func decodeGroup(r *http.Request) (people.GroupInput, error) {
	var env struct {
		Group *struct {
			Name        *string         `json:"name"`
			Description desk.NullString `json:"description"`
			Default     *bool           `json:"default"`
			IsPublic    *bool           `json:"is_public"`
		} `json:"group"`
	}
	if err := decode(r, &env); err != nil {
		return people.GroupInput{}, err
	}
	g := env.Group
	if g == nil {
		return people.GroupInput{}, desk.Invalid("group", "is required")
	}
	return people.GroupInput{Name: g.Name, Description: optString(g.Description), Default: g.Default, IsPublic: g.IsPublic}, nil
}

// --- paging -------------------------------------------------------------

// maxBackwardScan bounds how many records a page[before] request may walk
// through on lists the service can only read forwards (organizations, groups).
const maxBackwardScan = 100_000

// forwardPage reads one page of a list that the service offers in
// ascending id order only (after an id, or at an offset). Walking backwards
// (page[before]) is emulated by scanning forward up to the cursor.
func forwardPage[T any](p paging, idOf func(T) int64, list func(after int64, limit, offset int) ([]T, error)) ([]T, bool, error) {
	if !p.cursor {
		items, err := list(0, p.perPage, p.offset())
		return items, false, err
	}
	if p.before == 0 {
		items, err := list(p.after, p.perPage+1, 0)
		if err != nil {
			return nil, false, err
		}
		if len(items) > p.perPage {
			return items[:p.perPage], true, nil
		}
		return items, false, nil
	}
	const batch = 1000
	var window []T
	var after int64
	for scanned := 0; ; scanned += batch {
		if scanned >= maxBackwardScan {
			return nil, false, errBadRequest("page[before] is too far from the start of this list; use page[after]")
		}
		items, err := list(after, batch, 0)
		if err != nil {
			return nil, false, err
		}
		done := len(items) < batch
		for _, it := range items {
			if idOf(it) >= p.before {
				done = true
				break
			}
			window = append(window, it)
			if len(window) > p.perPage+1 {
				window = window[1:]
			}
		}
		if done || len(items) == 0 {
			break
		}
		after = idOf(items[len(items)-1])
	}
	if len(window) > p.perPage {
		return window[1:], true, nil
	}
	return window, false, nil
}

func edgeIDs[T any](items []T, idOf func(T) int64) (int64, int64) {
	if len(items) == 0 {
		return 0, 0
	}
	return idOf(items[0]), idOf(items[len(items)-1])
}

func idOfUser(u *desk.User) int64        { return u.ID }
func idOfOrg(o *desk.Organization) int64 { return o.ID }
func idOfGroup(g *desk.Group) int64      { return g.ID }

// --- users --------------------------------------------------------------

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	f, err := userListFilter(r)
	if err != nil {
		return err
	}
	return s.renderUserList(w, r, f)
}

// userListFilter reads the filters Zendesk's List Users documents for its
// three lists (users, a group's, an organization's): role, role[],
// permission_set and external_id. Other parameters are ignored, as Zendesk
// ignores them; the people service applies the filter.
func userListFilter(r *http.Request) (people.UserFilter, error) {
	q := r.URL.Query()
	var f people.UserFilter
	for _, v := range append(q["role"], q["role[]"]...) {
		for _, role := range strings.Split(v, ",") {
			if role = strings.TrimSpace(role); role != "" {
				f.Roles = append(f.Roles, desk.Role(role))
			}
		}
	}
	if q.Has("permission_set") {
		id, err := strconv.ParseInt(strings.TrimSpace(q.Get("permission_set")), 10, 64)
		if err != nil || id <= 0 {
			return f, errBadRequest("permission_set must be a custom role id")
		}
		f.CustomRoleID = id
	}
	if q.Has("external_id") {
		if f.ExternalID = q.Get("external_id"); f.ExternalID == "" {
			return f, errBadRequest("external_id must not be empty")
		}
	}
	return f, nil
}

func (s *Server) listOrganizationUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.People.GetOrganization(r.Context(), id); err != nil {
		return err
	}
	f, err := userListFilter(r)
	if err != nil {
		return err
	}
	f.OrganizationID = id
	return s.renderUserList(w, r, f)
}

func (s *Server) listGroupUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.People.GetGroup(r.Context(), id); err != nil {
		return err
	}
	f, err := userListFilter(r)
	if err != nil {
		return err
	}
	f.GroupID = id
	return s.renderUserList(w, r, f)
}

// renderUserList answers a users list in offset or cursor paging. Users are
// ordered by id (created_at orders the same way); sort=-id reverses.
func (s *Server) renderUserList(w http.ResponseWriter, r *http.Request, f people.UserFilter) error {
	return s.renderUsers(w, r, f, "users", func(us []*desk.User) any {
		withUserURLs(r, us...)
		return us
	})
}

// renderUsers answers a list of the users f selects under key, each page
// shaped by shape (the users, or deleted users in their own shape).
func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, f people.UserFilter, key string, shape func([]*desk.User) any) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	switch p.sortBy {
	case "", "id", "created_at":
	default:
		return errBadRequest("users sort by id or created_at only")
	}
	ctx := r.Context()
	f.Desc, f.Limit = p.desc, p.perPage
	var more bool
	var us []*desk.User
	switch {
	case !p.cursor:
		f.Offset = p.offset()
		us, err = s.People.ListUsers(ctx, f)
	case p.before != 0:
		// Walk backwards: the opposite order from the cursor, then reverse.
		g := f
		g.Desc, g.AfterID, g.Limit = !p.desc, p.before, p.perPage+1
		us, err = s.People.ListUsers(ctx, g)
		if more = len(us) > p.perPage; more {
			us = us[:p.perPage]
		}
		slices.Reverse(us)
	default:
		g := f
		g.AfterID, g.Limit = p.after, p.perPage+1
		us, err = s.People.ListUsers(ctx, g)
		if more = len(us) > p.perPage; more {
			us = us[:p.perPage]
		}
	}
	if err != nil {
		return err
	}
	first, last := edgeIDs(us, idOfUser)
	body, err := listEnvelope(r, p, key, shape(us), first, last, more, func() (int, error) { return s.People.CountUsers(ctx, f) })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) showUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderUser(w, r, id)
}

// showMe answers the authenticated user's own record.
func (s *Server) showMe(w http.ResponseWriter, r *http.Request) error {
	p, err := desk.RequirePrincipal(r.Context())
	if err != nil {
		return err
	}
	if p.UserID == 0 {
		return desk.NotFound()
	}
	return s.renderUser(w, r, p.UserID)
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, id int64) error {
	u, err := s.People.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	withUserURLs(r, u)
	return writeJSON(w, http.StatusOK, map[string]any{"user": u})
}

func (s *Server) showManyUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := showManyOf(r, s.People.GetUsers, s.People.GetUsersByExternalIDs)
	if err != nil {
		return err
	}
	withUserURLs(r, us...)
	return writeJSON(w, http.StatusOK, fullListBody("users", us, len(us)))
}

// maxSearchResults is how many users or organizations one search reads;
// pages are cut from them.
const maxSearchResults = 1000

// searchUsers answers GET /users/search?query= (Zendesk's search syntax:
// email:, role:, name:, tags:, organization:, external_id:, phone:,
// created>…, free text) or ?external_id= (exact).
func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	if p.cursor {
		return errBadRequest("users/search uses offset pagination (page, per_page)")
	}
	var us []*desk.User
	switch {
	case q.Has("external_id"):
		ext := strings.TrimSpace(q.Get("external_id"))
		if ext == "" {
			return errBadRequest("external_id must not be empty")
		}
		results, err := s.searchExternalID(r, "user", ext)
		if err != nil {
			return err
		}
		for _, res := range results {
			if res.User != nil && res.User.ExternalID != nil && *res.User.ExternalID == ext {
				us = append(us, res.User)
			}
		}
	case strings.TrimSpace(q.Get("query")) != "":
		// Zendesk's search syntax, through the search service; it pages.
		page, n, err := s.Search.SearchUsers(r.Context(), q.Get("query"), p.page, p.perPage)
		if err != nil {
			return err
		}
		withUserURLs(r, page...)
		return writeJSON(w, http.StatusOK, searchListBody(r, p, "users", page, n))
	default:
		return errBadRequest("query or external_id is required")
	}
	if us == nil {
		us = []*desk.User{}
	}
	page := offsetSlice(us, p)
	withUserURLs(r, page...)
	return writeJSON(w, http.StatusOK, searchListBody(r, p, "users", page, len(us)))
}

// pageOf cuts an offset page out of a complete result list.
func offsetSlice[T any](all []T, p paging) []T {
	lo := min(p.offset(), len(all))
	hi := min(lo+p.perPage, len(all))
	return all[lo:hi]
}

func searchListBody(r *http.Request, p paging, key string, items any, n int) map[string]any {
	var next, prev any
	if p.page*p.perPage < n {
		next = pageURL(r, map[string]string{"page": strconv.Itoa(p.page + 1), "per_page": strconv.Itoa(p.perPage)})
	}
	if p.page > 1 {
		prev = pageURL(r, map[string]string{"page": strconv.Itoa(p.page - 1), "per_page": strconv.Itoa(p.perPage)})
	}
	return map[string]any{key: items, "next_page": next, "previous_page": prev, "count": n}
}

// searchExternalID asks the search service for records of typ with an
// external id; callers keep the exact matches. The value is passed as a
// quoted phrase, so no character in it is query syntax.
func (s *Server) searchExternalID(r *http.Request, typ, ext string) ([]search.Result, error) {
	quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(ext) + `"`
	results, _, err := s.Search.Search(r.Context(), "type:"+typ+" external_id:"+quoted, 1, 100)
	return results, err
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeUser(r)
	if err != nil {
		return err
	}
	u, err := s.People.CreateUser(r.Context(), in)
	if err != nil {
		return err
	}
	withUserURLs(r, u)
	return created(w, u.URL, map[string]any{"user": u})
}

// createOrUpdateUser answers 201 when it created the user, 200 when it
// updated an existing one (matched by email, then external_id).
func (s *Server) createOrUpdateUser(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeUser(r)
	if err != nil {
		return err
	}
	u, isNew, err := s.People.CreateOrUpdateUser(r.Context(), in)
	if err != nil {
		return err
	}
	withUserURLs(r, u)
	if isNew {
		return created(w, u.URL, map[string]any{"user": u})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"user": u})
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeUser(r)
	if err != nil {
		return err
	}
	u, err := s.People.UpdateUser(r.Context(), id, in)
	if err != nil {
		return err
	}
	withUserURLs(r, u)
	return writeJSON(w, http.StatusOK, map[string]any{"user": u})
}

// deleteUser answers 200 with the (now inactive) user, as Zendesk does.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.People.DeleteUser(r.Context(), id)
	if err != nil {
		return err
	}
	withUserURLs(r, u)
	return writeJSON(w, http.StatusOK, map[string]any{"user": u})
}

// --- identities ---------------------------------------------------------

func (s *Server) listIdentities(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ids, err := s.People.Identities(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]identityJSON, len(ids))
	for i, ident := range ids {
		out[i] = identityOut(r, ident)
	}
	return writeJSON(w, http.StatusOK, fullListBody("identities", out, len(out)))
}

func (s *Server) showIdentity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	identID, err := pathID(r, "identity_id")
	if err != nil {
		return err
	}
	ids, err := s.People.Identities(r.Context(), id)
	if err != nil {
		return err
	}
	for _, ident := range ids {
		if ident.ID == identID {
			return writeJSON(w, http.StatusOK, map[string]any{"identity": identityOut(r, ident)})
		}
	}
	return desk.NotFound()
}

func (s *Server) createIdentity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var env struct {
		Identity *struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"identity"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Identity == nil {
		return desk.Invalid("identity", "is required")
	}
	ident, err := s.People.AddIdentity(r.Context(), id, env.Identity.Type, env.Identity.Value)
	if err != nil {
		return err
	}
	out := identityOut(r, *ident)
	return created(w, out.URL, map[string]any{"identity": out})
}

// --- organizations ------------------------------------------------------

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	os, more, err := forwardPage(p, idOfOrg, func(after int64, limit, offset int) ([]*desk.Organization, error) {
		return s.People.ListOrganizations(ctx, after, limit, offset)
	})
	if err != nil {
		return err
	}
	withOrgURLs(r, os...)
	first, last := edgeIDs(os, idOfOrg)
	body, err := listEnvelope(r, p, "organizations", os, first, last, more, func() (int, error) { return s.People.CountOrganizations(ctx) })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) showOrganization(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.People.GetOrganization(r.Context(), id)
	if err != nil {
		return err
	}
	withOrgURLs(r, o)
	return writeJSON(w, http.StatusOK, map[string]any{"organization": o})
}

func (s *Server) showManyOrganizations(w http.ResponseWriter, r *http.Request) error {
	os, err := showManyOf(r, s.People.GetOrganizations, s.People.GetOrganizationsByExternalIDs)
	if err != nil {
		return err
	}
	withOrgURLs(r, os...)
	return writeJSON(w, http.StatusOK, fullListBody("organizations", os, len(os)))
}

// searchOrganizations answers ?name= (exact, case-insensitive) and
// ?external_id= (exact).
func (s *Server) searchOrganizations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	os := []*desk.Organization{}
	switch {
	case q.Has("external_id"):
		ext := strings.TrimSpace(q.Get("external_id"))
		if ext == "" {
			return errBadRequest("external_id must not be empty")
		}
		results, err := s.searchExternalID(r, "organization", ext)
		if err != nil {
			return err
		}
		for _, res := range results {
			if o := res.Organization; o != nil && o.ExternalID != nil && *o.ExternalID == ext {
				os = append(os, o)
			}
		}
	case strings.TrimSpace(q.Get("name")) != "":
		o, err := s.People.OrganizationByName(r.Context(), q.Get("name"))
		switch {
		case desk.ErrorCode(err) == desk.ENOTFOUND:
		case err != nil:
			return err
		default:
			os = append(os, o)
		}
	default:
		return errBadRequest("name or external_id is required")
	}
	withOrgURLs(r, os...)
	return writeJSON(w, http.StatusOK, fullListBody("organizations", os, len(os)))
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeOrg(r)
	if err != nil {
		return err
	}
	o, err := s.People.CreateOrganization(r.Context(), in)
	if err != nil {
		return err
	}
	withOrgURLs(r, o)
	return created(w, o.URL, map[string]any{"organization": o})
}

func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeOrg(r)
	if err != nil {
		return err
	}
	o, err := s.People.UpdateOrganization(r.Context(), id, in)
	if err != nil {
		return err
	}
	withOrgURLs(r, o)
	return writeJSON(w, http.StatusOK, map[string]any{"organization": o})
}

// --- groups -------------------------------------------------------------

// listGroups also answers /groups/assignable: every live group can take
// tickets.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	gs, more, err := forwardPage(p, idOfGroup, func(after int64, limit, offset int) ([]*desk.Group, error) {
		return s.People.ListGroups(ctx, after, limit, offset)
	})
	if err != nil {
		return err
	}
	withGroupURLs(r, gs...)
	first, last := edgeIDs(gs, idOfGroup)
	body, err := listEnvelope(r, p, "groups", gs, first, last, more, func() (int, error) { return s.People.CountGroups(ctx) })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) showGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.People.GetGroup(r.Context(), id)
	if err != nil {
		return err
	}
	withGroupURLs(r, g)
	return writeJSON(w, http.StatusOK, map[string]any{"group": g})
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeGroup(r)
	if err != nil {
		return err
	}
	g, err := s.People.CreateGroup(r.Context(), in)
	if err != nil {
		return err
	}
	withGroupURLs(r, g)
	return created(w, g.URL, map[string]any{"group": g})
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeGroup(r)
	if err != nil {
		return err
	}
	g, err := s.People.UpdateGroup(r.Context(), id, in)
	if err != nil {
		return err
	}
	withGroupURLs(r, g)
	return writeJSON(w, http.StatusOK, map[string]any{"group": g})
}

// --- group memberships --------------------------------------------------

func (s *Server) listMemberships(w http.ResponseWriter, r *http.Request) error {
	return s.renderMemberships(w, r, 0, 0)
}

func (s *Server) listUserMemberships(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.People.GetUser(r.Context(), id); err != nil {
		return err
	}
	return s.renderMemberships(w, r, id, 0)
}

func (s *Server) listGroupMemberships(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.People.GetGroup(r.Context(), id); err != nil {
		return err
	}
	return s.renderMemberships(w, r, 0, id)
}

func (s *Server) renderMemberships(w http.ResponseWriter, r *http.Request, userID, groupID int64) error {
	ms, err := s.People.ListMemberships(r.Context(), userID, groupID)
	if err != nil {
		return err
	}
	withMembershipURLs(r, ms...)
	return writeJSON(w, http.StatusOK, fullListBody("group_memberships", ms, len(ms)))
}

func (s *Server) showMembership(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.People.GetMembership(r.Context(), id)
	if err != nil {
		return err
	}
	withMembershipURLs(r, m)
	return writeJSON(w, http.StatusOK, map[string]any{"group_membership": m})
}

// createMembership answers POST /group_memberships and, with the user taken
// from the path, POST /users/{id}/group_memberships.
func (s *Server) createMembership(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Membership *struct {
			UserID  desk.NullID `json:"user_id"`
			GroupID desk.NullID `json:"group_id"`
			Default bool        `json:"default"`
		} `json:"group_membership"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	m := env.Membership
	if m == nil {
		return desk.Invalid("group_membership", "is required")
	}
	userID := m.UserID.ID
	if id, err := optionalPathID(r, "id"); err != nil {
		return err
	} else if id != 0 {
		userID = id
	}
	gm, err := s.People.AddMembership(r.Context(), userID, m.GroupID.ID, m.Default)
	if err != nil {
		return err
	}
	withMembershipURLs(r, gm)
	return created(w, gm.URL, map[string]any{"group_membership": gm})
}

// --- API tokens ---------------------------------------------------------

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.People.ListTokens(r.Context())
	if err != nil {
		return err
	}
	withTokenURLs(r, ts...)
	return writeJSON(w, http.StatusOK, fullListBody("api_tokens", ts, len(ts)))
}

func (s *Server) showToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ts, err := s.People.ListTokens(r.Context())
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.ID == id {
			withTokenURLs(r, t)
			return writeJSON(w, http.StatusOK, map[string]any{"api_token": t})
		}
	}
	return desk.NotFound()
}

// createToken answers 201 with the token's secret, shown this once.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Token *struct {
			Description string      `json:"description"`
			UserID      desk.NullID `json:"user_id"`
			Scope       string      `json:"scope"`
			ExpiresAt   desk.Time   `json:"expires_at"`
			Account     bool        `json:"account"`
			StaffOnly   bool        `json:"staff_only"`
		} `json:"api_token"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Token == nil {
		return desk.Invalid("api_token", "is required")
	}
	t, err := s.People.CreateTokenWith(r.Context(), people.TokenInput{
		UserID: env.Token.UserID.ID, Description: env.Token.Description, Scope: env.Token.Scope, ExpiresAt: env.Token.ExpiresAt,
		Account: env.Token.Account, StaffOnly: env.Token.StaffOnly,
	})
	if err != nil {
		return err
	}
	withTokenURLs(r, t)
	return created(w, t.URL, map[string]any{"api_token": t})
}
