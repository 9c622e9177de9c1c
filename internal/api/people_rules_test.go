package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Fixtures of the permission matrix's rows for issue 7 (items 4, 7, 13).

// newPrivateGroup makes a private group with one member (a fresh agent);
// neither the owner nor any matrix role is in it.
func (m *mx) newPrivateGroup(t *testing.T) int64 {
	t.Helper()
	g, err := m.a.srv.People.CreateGroup(m.sys, people.GroupInput{Name: ptrTo(m.uniq("Private ")), IsPublic: ptrTo(false)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.a.srv.People.AddMembership(m.sys, m.newUser(t, desk.RoleAgent), g.ID, false); err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// newPrivateMembership is a fresh agent's membership of the VIP group.
func (m *mx) newPrivateMembership(t *testing.T) int64 {
	t.Helper()
	gm, err := m.a.srv.People.AddMembership(m.sys, m.newUser(t, desk.RoleAgent), m.vip, false)
	if err != nil {
		t.Fatal(err)
	}
	return gm.ID
}

// newOwnerToken is a fresh API token of the account owner.
func (m *mx) newOwnerToken(t *testing.T) int64 {
	t.Helper()
	owner := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: m.a.Admin.ID, Role: desk.RoleAdmin, Via: "api"})
	tok, err := m.a.srv.People.CreateToken(owner, 0, m.uniq("owner's "))
	if err != nil {
		t.Fatal(err)
	}
	return tok.ID
}

// newAgentUploadID is the attachment id of a fresh, unbound upload of the agent.
func (m *mx) newAgentUploadID(t *testing.T) int64 {
	t.Helper()
	up, err := m.a.srv.Tickets.CreateUpload(m.asAgent(), "draft.txt", strings.NewReader("draft"))
	if err != nil {
		t.Fatal(err)
	}
	return up.Attachment.ID
}

// expectUserCount checks that a search's count agrees with its results
// and that the end-user shows only to those who see end-users.
func expectUserCount(key string) func(*testing.T, *mx, string, map[string]any) {
	return func(t *testing.T, m *mx, role string, body map[string]any) {
		list, _ := body[key].([]any)
		if n := pNum(body, "count"); n != int64(len(list)) {
			t.Errorf("%s: count %d for %d results", role, n, len(list))
		}
		if got := listHas(body, key, m.a.EndUser.ID); got != m.seesEnds[role] {
			t.Errorf("%s: end-user found = %v, want %v", role, got, m.seesEnds[role])
		}
	}
}

// The assessment's reproduction (issue 7, item 4): an agent whose custom
// role holds only manage_groups_orgs added itself to a private group and
// read its tickets; a second admin turned the group public. Over HTTP, with
// the audit trail of what the owner then did.
func TestPrivateGroupTakeoverOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		ppl := a.srv.People
		role, err := ppl.CreateCustomRole(sys, people.CustomRoleInput{Name: ptrTo("Org admin"),
			Configuration: map[string]json.RawMessage{"ticket_access": json.RawMessage(`"all"`), "manage_groups_orgs": json.RawMessage(`true`)}})
		if err != nil {
			t.Fatal(err)
		}
		mgr := a.addUser(t, "Greg Groups", "greg@example.com", desk.RoleAgent)
		if _, err := ppl.UpdateUser(sys, mgr.ID, people.UserInput{CustomRoleID: &role.ID}); err != nil {
			t.Fatal(err)
		}
		admin2 := a.addUser(t, "Second Admin", "admin2@example.com", desk.RoleAdmin)
		vip, err := ppl.CreateGroup(sys, people.GroupInput{Name: ptrTo("VIP"), IsPublic: ptrTo(false)})
		if err != nil {
			t.Fatal(err)
		}
		tk, _, err := a.srv.Tickets.Create(sys, ticket.Input{Subject: ptrTo("Secret"), Comment: &ticket.CommentInput{Body: "for VIP eyes"},
			RequesterID: desk.SetID(a.EndUser.ID), GroupID: desk.SetID(vip.ID)})
		if err != nil {
			t.Fatal(err)
		}
		ticketPath := fmt.Sprintf("/api/v2/tickets/%d", tk.ID)

		for _, who := range []testUser{mgr, admin2} {
			resp, body := a.request(t, who, "POST", "/api/v2/group_memberships.json",
				map[string]any{"group_membership": map[string]any{"user_id": who.ID, "group_id": vip.ID}})
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("%s joins the private group: %d %s", who.Email, resp.StatusCode, body)
			}
			if resp, _ := a.request(t, who, "GET", ticketPath, nil); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("%s reads the private ticket: %d", who.Email, resp.StatusCode)
			}
		}
		resp, body := a.request(t, admin2, "PUT", fmt.Sprintf("/api/v2/groups/%d", vip.ID), map[string]any{"group": map[string]any{"is_public": true}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("second admin makes it public: %d %s", resp.StatusCode, body)
		}
		// The owner gets a clear Zendesk-style validation error.
		resp, body = a.request(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/groups/%d", vip.ID), map[string]any{"group": map[string]any{"is_public": true}})
		var env map[string]any
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		pInvalid(t, "owner makes it public", resp.StatusCode, env, "is_public")
		if resp, _ := a.request(t, admin2, "GET", ticketPath, nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("second admin reads the private ticket: %d", resp.StatusCode)
		}

		// The owner adds the manager; the audit log says who, from where.
		resp, body = a.request(t, a.Admin, "POST", "/api/v2/group_memberships",
			map[string]any{"group_membership": map[string]any{"user_id": mgr.ID, "group_id": vip.ID}})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("owner adds a member: %d %s", resp.StatusCode, body)
		}
		es, err := audit.List(sys, db, audit.Filter{TargetType: "group", TargetID: vip.ID, Action: people.AuditGroupMemberAdded})
		if err != nil || len(es) != 1 {
			t.Fatalf("audit %+v %v", es, err)
		}
		if e := es[0]; e.ActorID != a.Admin.ID || e.Via != "api" || e.IP != "127.0.0.1" || e.UserAgent == "" || e.Data["user_id"] != float64(mgr.ID) {
			t.Fatalf("audit entry %+v", e)
		}
		// A member with manage_groups_orgs may now manage the group.
		if resp, _ := a.request(t, mgr, "GET", ticketPath, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("member reads the private ticket: %d", resp.StatusCode)
		}
		resp, body = a.request(t, mgr, "POST", "/api/v2/group_memberships",
			map[string]any{"group_membership": map[string]any{"user_id": a.Agent.ID, "group_id": vip.ID}})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("member with manage_groups_orgs adds another: %d %s", resp.StatusCode, body)
		}
	})
}
