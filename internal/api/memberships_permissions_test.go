package api

import (
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// The organization membership rows of the permission matrix (kept beside
// the routes they cover and appended to the matrix). Admins manage anyone's
// memberships, agents whose role edits end-users those of end-users;
// end-users read their own, and anyone else's is "not found" to them.
func init() { matrix = append(matrix, orgMembershipMatrix...) }

// orgMember puts user in n fresh organizations and returns the
// memberships' ids, the first the default.
func (m *mx) orgMember(t *testing.T, userID int64, n int) []int64 {
	t.Helper()
	var ids []int64
	for range n {
		om, err := m.a.srv.People.CreateOrgMembership(m.sys, userID, m.newOrg(t), false)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, om.ID)
	}
	return ids
}

// ownMembership is a fresh membership of the fixture's end-user.
func (m *mx) ownMembership(t *testing.T) int64 { return m.orgMember(t, m.a.EndUser.ID, 1)[0] }

// othersMembership is a membership of a fresh end-user (a forged id for the
// fixture's end-user).
func (m *mx) othersMembership(t *testing.T) (userID, membershipID int64) {
	userID = m.newUser(t, desk.RoleEndUser)
	return userID, m.orgMember(t, userID, 1)[0]
}

const (
	// Staff with edit_end_users (owner, admin, agent, outsider) manage
	// end-users' memberships.
	memberCreate = "201 201 201 403 403 403 403 401 201"
	memberJob    = "200 200 200 403 403 403 403 401 200"
	memberWrite  = "200 200 200 403 403 403 404 401 200"
	memberDelete = "204 204 204 403 403 403 404 401 204"
	// Reads about the fixture's end-user: staff who see end-users, and
	// the end-user.
	ownRead = "200 200 200 200 200 404 200 401 200"
)

var orgMembershipMatrix = []mcase{
	{route: "GET /api/v2/organization_memberships", want: allOK, req: path("/api/v2/organization_memberships"),
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			list, _ := body["organization_memberships"].([]any)
			for _, v := range list {
				if om, _ := v.(map[string]any); role == "end-user" && pNum(om, "user_id") != m.a.EndUser.ID {
					t.Errorf("end-user lists another user's membership %v", om)
				}
			}
		}},
	{route: "POST /api/v2/organization_memberships", want: memberCreate, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/organization_memberships", map[string]any{"organization_membership": map[string]any{
			"user_id": m.newUser(t, desk.RoleEndUser), "organization_id": m.org}}
	}},
	{route: "POST /api/v2/organization_memberships", note: "of an agent", want: adminCreate, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/organization_memberships", map[string]any{"organization_membership": map[string]any{
			"user_id": m.newUser(t, desk.RoleAgent), "organization_id": m.org}}
	}},
	{route: "POST /api/v2/organization_memberships", note: "themselves into an organization", want: "201 201 201 403 403 403 403 401 201",
		req: func(t *testing.T, m *mx, role string) (string, any) {
			return "/api/v2/organization_memberships", map[string]any{"organization_membership": map[string]any{
				"user_id": m.a.EndUser.ID, "organization_id": m.newOrg(t)}}
		}},
	{route: "POST /api/v2/organization_memberships/create_many", want: memberJob, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/organization_memberships/create_many", map[string]any{"organization_memberships": []any{
			map[string]any{"user_id": m.newUser(t, desk.RoleEndUser), "organization_id": m.org}}}
	}},
	{route: "DELETE /api/v2/organization_memberships/destroy_many", want: memberJob, req: func(t *testing.T, m *mx, _ string) (string, any) {
		_, id := m.othersMembership(t)
		return fmt.Sprintf("/api/v2/organization_memberships/destroy_many?ids=%d", id), nil
	}},
	{route: "GET /api/v2/organization_memberships/{id}", note: "the end-user's own", want: allOK,
		req: idPath("/api/v2/organization_memberships/%d", fresh((*mx).ownMembership), nil)},
	{route: "GET /api/v2/organization_memberships/{id}", note: "another end-user's", want: staffOK404,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			_, id := m.othersMembership(t)
			return fmt.Sprintf("/api/v2/organization_memberships/%d", id), nil
		}},
	{route: "DELETE /api/v2/organization_memberships/{id}", note: "another end-user's", want: memberDelete,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			_, id := m.othersMembership(t)
			return fmt.Sprintf("/api/v2/organization_memberships/%d", id), nil
		}},
	{route: "DELETE /api/v2/organization_memberships/{id}", note: "the end-user's own", want: "204 204 204 403 403 403 403 401 204",
		req: idPath("/api/v2/organization_memberships/%d", fresh((*mx).ownMembership), nil)},
	{route: "GET /api/v2/users/{id}/organization_memberships", want: ownRead, req: idPath("/api/v2/users/%d/organization_memberships", endUserID, nil)},
	{route: "GET /api/v2/users/{id}/organization_memberships", note: "another end-user's", want: "200 200 200 200 200 404 404 401 200",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			uid, _ := m.othersMembership(t)
			return fmt.Sprintf("/api/v2/users/%d/organization_memberships", uid), nil
		}},
	{route: "POST /api/v2/users/{id}/organization_memberships", want: memberCreate, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/users/%d/organization_memberships", m.newUser(t, desk.RoleEndUser)),
			map[string]any{"organization_membership": map[string]any{"organization_id": m.org}}
	}},
	{route: "GET /api/v2/users/{user_id}/organization_memberships/{id}", want: allOK, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/users/%d/organization_memberships/%d", m.a.EndUser.ID, m.ownMembership(t)), nil
	}},
	{route: "GET /api/v2/users/{user_id}/organization_memberships/{id}", note: "another end-user's under the end-user's id", want: "404 404 404 404 404 404 404 401 404",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			_, id := m.othersMembership(t)
			return fmt.Sprintf("/api/v2/users/%d/organization_memberships/%d", m.a.EndUser.ID, id), nil
		}},
	{route: "DELETE /api/v2/users/{user_id}/organization_memberships/{id}", note: "another end-user's", want: memberDelete,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			uid, id := m.othersMembership(t)
			return fmt.Sprintf("/api/v2/users/%d/organization_memberships/%d", uid, id), nil
		}},
	{route: "PUT /api/v2/users/{user_id}/organization_memberships/{id}/make_default", note: "another end-user's", want: memberWrite,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			uid := m.newUser(t, desk.RoleEndUser)
			ids := m.orgMember(t, uid, 2)
			return fmt.Sprintf("/api/v2/users/%d/organization_memberships/%d/make_default", uid, ids[1]), nil
		}},
	{route: "GET /api/v2/organizations/{id}/organization_memberships", want: staffOK404,
		req: idPath("/api/v2/organizations/%d/organization_memberships", shared(func(m *mx) int64 { return m.org }), nil)},
	{route: "GET /api/v2/users/{id}/organizations", want: ownRead, req: idPath("/api/v2/users/%d/organizations", endUserID, nil)},
	{route: "PUT /api/v2/users/{user_id}/organizations/{organization_id}/make_default", note: "another end-user's", want: memberWrite,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			uid := m.newUser(t, desk.RoleEndUser)
			org := m.newOrg(t)
			m.orgMember(t, uid, 1)
			if _, err := m.a.srv.People.CreateOrgMembership(m.sys, uid, org, false); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/api/v2/users/%d/organizations/%d/make_default", uid, org), nil
		}},
	{route: "DELETE /api/v2/users/{user_id}/organizations/{organization_id}", note: "another end-user's", want: memberDelete,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			uid := m.newUser(t, desk.RoleEndUser)
			org := m.newOrg(t)
			if _, err := m.a.srv.People.CreateOrgMembership(m.sys, uid, org, false); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/api/v2/users/%d/organizations/%d", uid, org), nil
		}},
}
