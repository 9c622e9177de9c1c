package api

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// Organization memberships (Zendesk: Organization Memberships), and the
// user's organizations. Authorization lives in the people service; these
// handlers decode, call it and encode.
func (s *Server) registerOrgMemberships(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/organization_memberships", s.listOrgMemberships)
	s.handle(mux, "POST /api/v2/organization_memberships", s.createOrgMembership)
	s.handle(mux, "POST /api/v2/organization_memberships/create_many", s.createManyOrgMemberships)
	s.handle(mux, "DELETE /api/v2/organization_memberships/destroy_many", s.destroyManyOrgMemberships)
	s.handle(mux, "GET /api/v2/organization_memberships/{id}", s.showOrgMembership)
	s.handle(mux, "DELETE /api/v2/organization_memberships/{id}", deleteByID(s.People.DeleteOrgMembership))
	s.handle(mux, "GET /api/v2/users/{id}/organization_memberships", s.listUserOrgMemberships)
	s.handle(mux, "POST /api/v2/users/{id}/organization_memberships", s.createOrgMembership)
	s.handle(mux, "GET /api/v2/users/{user_id}/organization_memberships/{id}", s.showOrgMembership)
	s.handle(mux, "DELETE /api/v2/users/{user_id}/organization_memberships/{id}", s.deleteUserOrgMembership)
	s.handle(mux, "PUT /api/v2/users/{user_id}/organization_memberships/{id}/make_default", s.makeDefaultOrgMembership)
	s.handle(mux, "GET /api/v2/organizations/{id}/organization_memberships", s.listOrganizationMemberships)
	s.handle(mux, "GET /api/v2/users/{id}/organizations", s.listUserOrganizations)
	s.handle(mux, "PUT /api/v2/users/{user_id}/organizations/{organization_id}/make_default", s.makeDefaultOrganization)
	s.handle(mux, "DELETE /api/v2/users/{user_id}/organizations/{organization_id}", s.deleteUserOrganization)
}

func withOrgMembershipURLs(r *http.Request, ms ...*desk.OrganizationMembership) {
	base := baseURL(r)
	for _, m := range ms {
		m.URL = base + "/api/v2/organization_memberships/" + itoa(m.ID) + ".json"
	}
}

func idOfOrgMembership(m *desk.OrganizationMembership) int64 { return m.ID }

func (s *Server) listOrgMemberships(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrgMemberships(w, r, people.OrgMembershipFilter{})
}

func (s *Server) listUserOrgMemberships(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.People.GetUser(r.Context(), id); err != nil {
		return err
	}
	return s.renderOrgMemberships(w, r, people.OrgMembershipFilter{UserID: id})
}

func (s *Server) listOrganizationMemberships(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.People.GetOrganization(r.Context(), id); err != nil {
		return err
	}
	return s.renderOrgMemberships(w, r, people.OrgMembershipFilter{OrganizationID: id})
}

// renderOrgMemberships writes one page of the memberships f selects, with
// offset or cursor paging; a user's list pages in Zendesk's order (the
// default first, then by organization name) under offset paging.
func (s *Server) renderOrgMemberships(w http.ResponseWriter, r *http.Request, f people.OrgMembershipFilter) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	f.UserOrder = f.UserID != 0 && !p.cursor
	ms, more, err := forwardPage(p, idOfOrgMembership, func(after int64, limit, offset int) ([]*desk.OrganizationMembership, error) {
		g := f
		g.AfterID, g.Limit, g.Offset = after, limit, offset
		return s.People.ListOrgMemberships(ctx, g)
	})
	if err != nil {
		return err
	}
	withOrgMembershipURLs(r, ms...)
	first, last := edgeIDs(ms, idOfOrgMembership)
	body, err := listEnvelope(r, p, "organization_memberships", ms, first, last, more, func() (int, error) {
		return s.People.CountOrgMemberships(ctx, f)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

// showOrgMembership answers GET /organization_memberships/{id} and, when
// the path names a user, only for that user's membership.
func (s *Server) showOrgMembership(w http.ResponseWriter, r *http.Request) error {
	m, err := s.orgMembershipInPath(r)
	if err != nil {
		return err
	}
	withOrgMembershipURLs(r, m)
	return writeJSON(w, http.StatusOK, map[string]any{"organization_membership": m})
}

// orgMembershipInPath loads the membership {id}, which must belong to
// {user_id} when the path has one ("not found" otherwise).
func (s *Server) orgMembershipInPath(r *http.Request) (*desk.OrganizationMembership, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	m, err := s.People.GetOrgMembership(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if r.PathValue("user_id") != "" {
		userID, err := pathID(r, "user_id")
		if err != nil {
			return nil, err
		}
		if m.UserID != userID {
			return nil, desk.NotFound()
		}
	}
	return m, nil
}

func (s *Server) deleteUserOrgMembership(w http.ResponseWriter, r *http.Request) error {
	m, err := s.orgMembershipInPath(r)
	if err != nil {
		return err
	}
	if err := s.People.DeleteOrgMembership(r.Context(), m.ID); err != nil {
		return err
	}
	return noContent(w)
}

// orgMembershipJSON is a membership as clients send it.
type orgMembershipJSON struct {
	UserID         desk.NullID `json:"user_id"`
	OrganizationID desk.NullID `json:"organization_id"`
	Default        *bool       `json:"default"`
}

// createOrgMembership answers POST /organization_memberships and, with the
// user taken from the path, POST /users/{id}/organization_memberships.
func (s *Server) createOrgMembership(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Membership *orgMembershipJSON `json:"organization_membership"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	m := env.Membership
	if m == nil {
		return desk.Invalid("organization_membership", "is required")
	}
	userID := m.UserID.ID
	if id, err := optionalPathID(r, "id"); err != nil {
		return err
	} else if id != 0 {
		userID = id
	}
	om, err := s.People.CreateOrgMembership(r.Context(), userID, m.OrganizationID.ID, m.Default != nil && *m.Default)
	if err != nil {
		return err
	}
	withOrgMembershipURLs(r, om)
	return created(w, om.URL, map[string]any{"organization_membership": om})
}

func (s *Server) createManyOrgMemberships(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Memberships []*orgMembershipJSON `json:"organization_memberships"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	in := make([]bulk.OrgMembershipInput, 0, len(env.Memberships))
	for _, m := range env.Memberships {
		if m == nil {
			return errBadRequest("organization_memberships must be objects")
		}
		in = append(in, bulk.OrgMembershipInput{UserID: m.UserID.ID, OrganizationID: m.OrganizationID.ID,
			Default: m.Default != nil && *m.Default})
	}
	st, err := s.Bulk.CreateOrgMemberships(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

func (s *Server) destroyManyOrgMemberships(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	st, err := s.Bulk.DestroyOrgMemberships(r.Context(), ids)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

// makeDefaultOrgMembership answers with the user's memberships, as Zendesk.
func (s *Server) makeDefaultOrgMembership(w http.ResponseWriter, r *http.Request) error {
	userID, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ms, err := s.People.MakeDefaultOrgMembership(r.Context(), userID, id)
	if err != nil {
		return err
	}
	withOrgMembershipURLs(r, ms...)
	return writeJSON(w, http.StatusOK, map[string]any{"organization_memberships": ms})
}

func (s *Server) makeDefaultOrganization(w http.ResponseWriter, r *http.Request) error {
	userID, orgID, err := userAndOrgInPath(r)
	if err != nil {
		return err
	}
	ms, err := s.People.MakeDefaultOrganization(r.Context(), userID, orgID)
	if err != nil {
		return err
	}
	withOrgMembershipURLs(r, ms...)
	return writeJSON(w, http.StatusOK, map[string]any{"organization_memberships": ms})
}

func (s *Server) deleteUserOrganization(w http.ResponseWriter, r *http.Request) error {
	userID, orgID, err := userAndOrgInPath(r)
	if err != nil {
		return err
	}
	if err := s.People.DeleteUserOrganization(r.Context(), userID, orgID); err != nil {
		return err
	}
	return noContent(w)
}

func userAndOrgInPath(r *http.Request) (int64, int64, error) {
	userID, err := pathID(r, "user_id")
	if err != nil {
		return 0, 0, err
	}
	orgID, err := pathID(r, "organization_id")
	return userID, orgID, err
}

// listUserOrganizations answers GET /users/{id}/organizations: the user's
// organizations, the default first.
func (s *Server) listUserOrganizations(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	os, err := s.People.UserOrganizations(r.Context(), id)
	if err != nil {
		return err
	}
	withOrgURLs(r, os...)
	return writeJSON(w, http.StatusOK, fullListBody("organizations", os, len(os)))
}
