package api

import (
	"context"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
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
