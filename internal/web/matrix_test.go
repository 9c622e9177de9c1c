package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestUITicketMatrix walks the ticket pages for every kind of principal
// the issue names — owner, admin, agent, light agent, custom role limited to
// its groups, agent outside a private group, suspended user, end-users —
// against a ticket in a private group and one outside it, asserting the
// same allow/deny the API's permission matrix asserts.
func TestUITicketMatrix(t *testing.T) {
	e := newEnv(t, "")
	ctx := e.sys

	// A private group with the agent in it; its ticket and an open one.
	vip, private := "VIP", false
	g, err := e.app.People.CreateGroup(ctx, people.GroupInput{Name: &vip, IsPublic: &private})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.People.AddMembership(ctx, e.agent.ID, g.ID, false); err != nil {
		t.Fatal(err)
	}
	secret := e.ticketFor(e.customer, "Private matter", "only VIP agents")
	if _, _, err := e.app.Tickets.Update(as(e.agent), secret.ID, ticket.Input{GroupID: desk.SetID(g.ID)}); err != nil {
		t.Fatal(err)
	}
	open := e.ticketFor(e.customer, "Open matter", "anyone on staff")

	// More principals.
	admin2 := e.mustUser("Second Admin", "admin2@example.com", desk.RoleAdmin) // the first admin is the owner
	light := e.mustUser("Lea Light", "light@example.com", desk.RoleAgent)
	lightRole, err := e.app.People.LightAgentRoleID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.People.UpdateUser(ctx, light.ID, people.UserInput{CustomRoleID: &lightRole}); err != nil {
		t.Fatal(err)
	}
	grouped := e.mustUser("Gus Groups", "groups@example.com", desk.RoleAgent)
	name := "Groups only"
	role, err := e.app.People.CreateCustomRole(ctx, people.CustomRoleInput{Name: &name, Configuration: map[string]json.RawMessage{
		"ticket_access": json.RawMessage(`"groups"`), "edit_ticket_properties": json.RawMessage(`true`), "public_comments": json.RawMessage(`true`)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.People.UpdateUser(ctx, grouped.ID, people.UserInput{CustomRoleID: &role.ID}); err != nil {
		t.Fatal(err)
	}
	suspended := e.mustUser("Sam Suspended", "suspended@example.com", desk.RoleAgent)

	const (
		ok       = http.StatusOK
		notFound = http.StatusNotFound
		denied   = http.StatusForbidden
	)
	secretPath := fmt.Sprintf("/agent/tickets/%d", secret.ID)
	openPath := fmt.Sprintf("/agent/tickets/%d", open.ID)
	rows := []struct {
		who            string
		email          string
		secret, open   int // GET of each ticket page
		editOpen       int // POST a priority change to the open ticket
		signInRejected bool
	}{
		{"owner", e.admin.Email, ok, ok, http.StatusSeeOther, false},
		{"admin (not owner)", admin2.Email, notFound, ok, http.StatusSeeOther, false},
		{"agent in the private group", e.agent.Email, ok, ok, http.StatusSeeOther, false},
		{"agent outside the private group", e.agent2.Email, notFound, ok, http.StatusSeeOther, false},
		{"light agent", light.Email, notFound, ok, denied, false},
		{"custom role, groups only, in no group", grouped.Email, notFound, notFound, notFound, false},
		{"end-user (requester)", e.customer.Email, denied, denied, denied, false},
		{"suspended agent", suspended.Email, 0, 0, 0, true},
	}
	// Suspend only now, so the account existed with a password first.
	yes := true
	if _, err := e.app.People.UpdateUser(ctx, suspended.ID, people.UserInput{Suspended: &yes}); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		t.Run(row.who, func(t *testing.T) {
			c := e.client()
			if row.signInRejected {
				c.get("/agent/signin")
				r := c.post("/agent/signin", url.Values{"email": {row.email}, "password": {password}})
				if r.Status == http.StatusSeeOther {
					t.Fatalf("suspended user signed in: %s", r.Location)
				}
				if r := c.get(openPath); r.Status != http.StatusSeeOther {
					t.Fatalf("suspended user reached a ticket: %d", r.Status)
				}
				return
			}
			path := "/agent/signin"
			if row.who == "end-user (requester)" {
				path = "/signin"
			}
			c.signIn(path, row.email)
			c.get("/agent")
			if r := c.get(secretPath); r.Status != row.secret {
				t.Errorf("GET private ticket: %d, want %d", r.Status, row.secret)
			}
			if r := c.get(openPath); r.Status != row.open {
				t.Errorf("GET open ticket: %d, want %d", r.Status, row.open)
			}
			before, _ := e.app.Tickets.Get(e.sys, open.ID)
			r := c.post(openPath, url.Values{"priority": {"urgent"}, "status": {string(before.Status)}, "updated_stamp": {before.UpdatedAt.Format("2006-01-02T15:04:05.999999999Z07:00")}})
			if r.Status != row.editOpen {
				t.Errorf("POST priority: %d, want %d", r.Status, row.editOpen)
			}
			after, _ := e.app.Tickets.Get(e.sys, open.ID)
			changed := after.Priority != nil && *after.Priority == "urgent"
			if changed != (row.editOpen == http.StatusSeeOther) {
				t.Errorf("priority changed = %v after status %d", changed, r.Status)
			}
			if changed { // reset for the next principal
				none := ""
				e.app.Tickets.Update(e.sys, open.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: none}})
			}
		})
	}
}
