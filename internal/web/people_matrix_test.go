package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// TestUIPrivateGroupAndTokenMatrix walks the admin pages that change group
// memberships and the token page, for the owner and a second admin
// (issue 7, items 4 and 13): only the owner (or a member) changes a private
// group's members, and only the owner sees or revokes the owner's tokens.
// The same rules as the API's permission matrix, through the same service.
func TestUIPrivateGroupAndTokenMatrix(t *testing.T) {
	e := newEnv(t, "")
	ctx := e.sys
	vipName, private := "VIP", false
	vip, err := e.app.People.CreateGroup(ctx, people.GroupInput{Name: &vipName, IsPublic: &private})
	if err != nil {
		t.Fatal(err)
	}
	admin2 := e.mustUser("Second Admin", "admin2@example.com", desk.RoleAdmin) // the first admin is the owner
	ownerTok, err := e.app.People.CreateToken(as(e.admin), 0, "Owner's laptop")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.People.CreateToken(as(e.agent), 0, "Alan's script"); err != nil {
		t.Fatal(err)
	}
	member := func(u *desk.User) bool {
		in, err := people.IsGroupMemberTx(ctx, e.app.DB, u.ID, vip.ID)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	addPath := fmt.Sprintf("/agent/admin/groups/%d/members", vip.ID)

	rows := []struct {
		who       string
		user      *desk.User
		add       int  // POST: add agent2 to the private group
		remove    int  // POST: remove the agent from it
		seesOwner bool // the owner's token on the tokens page
		revoke    int  // POST: revoke the owner's token
	}{
		{"admin (not owner)", admin2, http.StatusForbidden, http.StatusForbidden, false, http.StatusNotFound},
		{"owner", e.admin, http.StatusSeeOther, http.StatusSeeOther, true, http.StatusSeeOther},
	}
	for _, row := range rows {
		t.Run(row.who, func(t *testing.T) {
			gm, err := e.app.People.AddMembership(ctx, e.agent.ID, vip.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			c := e.client()
			c.signIn("/agent/signin", row.user.Email)
			c.get("/agent/admin/groups")
			if r := c.post(addPath, url.Values{"user_id": {fmt.Sprint(e.agent2.ID)}}); r.Status != row.add {
				t.Errorf("add to the private group: %d, want %d", r.Status, row.add)
			}
			if got := member(e.agent2); got != (row.add == http.StatusSeeOther) {
				t.Errorf("agent2 in the private group = %v", got)
			}
			c.get("/agent/admin/groups")
			if r := c.post(fmt.Sprintf("/agent/admin/memberships/%d/delete", gm.ID), nil); r.Status != row.remove {
				t.Errorf("remove from the private group: %d, want %d", r.Status, row.remove)
			}
			if got := member(e.agent); got != (row.remove != http.StatusSeeOther) {
				t.Errorf("agent still in the private group = %v", got)
			}
			r := c.get("/agent/security/tokens")
			if r.Status != http.StatusOK || !strings.Contains(r.Body, "Alan&#39;s script") {
				t.Fatalf("tokens page: %d", r.Status)
			}
			if got := strings.Contains(r.Body, "Owner&#39;s laptop"); got != row.seesOwner {
				t.Errorf("owner's token shown = %v, want %v", got, row.seesOwner)
			}
			if r := c.post(fmt.Sprintf("/agent/security/tokens/%d/revoke", ownerTok.ID), nil); r.Status != row.revoke {
				t.Errorf("revoke the owner's token: %d, want %d", r.Status, row.revoke)
			}
			// Reset for the next principal.
			e.app.People.RemoveMembership(ctx, gm.ID)
			if ms, _ := e.app.People.ListMemberships(ctx, e.agent2.ID, vip.ID); len(ms) == 1 {
				e.app.People.RemoveMembership(ctx, ms[0].ID)
			}
		})
	}
	// What the owner did through the web is in the audit log, with the
	// browser's address.
	es, err := audit.List(ctx, e.app.DB, audit.Filter{TargetType: "group", TargetID: vip.ID, Action: people.AuditGroupMemberAdded})
	if err != nil {
		t.Fatal(err)
	}
	var byOwner int
	for _, en := range es {
		if en.ActorID == e.admin.ID {
			byOwner++
			if en.Via != "web" || en.IP != "127.0.0.1" || en.UserAgent == "" {
				t.Errorf("web audit entry %+v", en)
			}
		}
		if en.ActorID == admin2.ID {
			t.Errorf("refused change audited: %+v", en)
		}
	}
	if byOwner != 1 {
		t.Errorf("%d entries by the owner, want 1: %+v", byOwner, es)
	}
}
