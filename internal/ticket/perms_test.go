package ticket_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// roleAgent creates an agent holding a new custom role with configuration
// c (or the built-in light-agent role when c is "light"), a member of the
// given groups, and returns the principal authentication would build.
func roleAgent(t *testing.T, f *fixture, email, c string, groups ...int64) *desk.Principal {
	t.Helper()
	sys := desk.SystemContext(context.Background())
	var roleID int64
	if c == "light" {
		id, err := f.ppl.LightAgentRoleID(sys)
		if err != nil {
			t.Fatal(err)
		}
		roleID = id
	} else {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(c), &m); err != nil {
			t.Fatal(err)
		}
		r, err := f.ppl.CreateCustomRole(sys, people.CustomRoleInput{Name: str(email), Configuration: m})
		if err != nil {
			t.Fatal(err)
		}
		roleID = r.ID
	}
	role := desk.RoleAgent
	u, err := f.ppl.CreateUser(sys, people.UserInput{Name: str(email), Email: str(email), Role: &role, CustomRoleID: &roleID})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if _, err := f.ppl.AddMembership(sys, u.ID, g, false); err != nil {
			t.Fatal(err)
		}
	}
	p, err := people.PrincipalFor(context.Background(), f.db, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.Via = "api"
	return p
}

func visibleIDs(t *testing.T, f *fixture, p *desk.Principal) []int64 {
	t.Helper()
	list, _, err := f.svc.List(as(p), ticket.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.svc.Count(as(p), ticket.ListFilter{})
	if err != nil || n != len(list) {
		t.Fatalf("count %d %v, list %d", n, err, len(list))
	}
	var out []int64
	for _, tk := range list {
		out = append(out, tk.ID)
	}
	return out
}

// TestTicketAccessScopes: a role's ticket_access decides which tickets its
// agents see, in lists and counts and one by one alike.
func TestTicketAccessScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sys := desk.SystemContext(context.Background())
		other, err := f.ppl.CreateGroup(sys, people.GroupInput{Name: str("Billing")})
		if err != nil {
			t.Fatal(err)
		}
		groups := roleAgent(t, f, "groups@desk.test", `{"ticket_access": "groups", "edit_ticket_properties": true}`, f.support)
		assigned := roleAgent(t, f, "assigned@desk.test", `{"ticket_access": "assigned", "edit_ticket_properties": true}`, f.support)
		none := roleAgent(t, f, "none@desk.test", `{"edit_ticket_properties": true}`, f.support)
		db.Exec(context.Background(), `UPDATE custom_roles SET permissions = ? WHERE name = ?`, `{"ticket_access": ""}`, "none@desk.test")
		none, _ = people.PrincipalFor(context.Background(), db, none.UserID)

		mk := func(in ticket.Input) int64 {
			in.Comment = &ticket.CommentInput{Body: "x"}
			if in.Requester == nil && !in.RequesterID.Set {
				in.Requester = &ticket.RequesterInput{Email: "alice@example.com"}
			}
			return mustCreate(t, f, f.admin, in).ID
		}
		inSupport := mk(ticket.Input{GroupID: desk.SetID(f.support)})
		inBilling := mk(ticket.Input{GroupID: desk.SetID(other.ID)})
		noGroup := mk(ticket.Input{})
		assignedToGroups := mk(ticket.Input{AssigneeID: desk.SetID(groups.UserID), GroupID: desk.SetID(f.support)})
		assignedToAssigned := mk(ticket.Input{AssigneeID: desk.SetID(assigned.UserID), GroupID: desk.SetID(f.support)})
		requestedByAssigned := mk(ticket.Input{RequesterID: desk.SetID(assigned.UserID)})

		cases := []struct {
			name string
			p    *desk.Principal
			want []int64
		}{
			{"all", f.outsider, []int64{inSupport, inBilling, noGroup, assignedToGroups, assignedToAssigned, requestedByAssigned}},
			{"groups", groups, []int64{inSupport, assignedToGroups, assignedToAssigned}},
			{"assigned", assigned, []int64{assignedToAssigned, requestedByAssigned}},
			{"none", none, nil},
		}
		for _, c := range cases {
			if got := visibleIDs(t, f, c.p); !slices.Equal(got, c.want) {
				t.Errorf("%s lists %v, want %v", c.name, got, c.want)
			}
			for _, id := range []int64{inSupport, inBilling, noGroup, assignedToGroups, assignedToAssigned, requestedByAssigned} {
				_, err := f.svc.Get(as(c.p), id)
				if seen := err == nil; seen != slices.Contains(c.want, id) {
					t.Errorf("%s get %d: %v", c.name, id, err)
				}
			}
		}
		// The scope also bounds updates, and moving a ticket out of sight
		// is allowed (the agent then loses it).
		if _, _, err := f.svc.Update(as(groups), inBilling, ticket.Input{Priority: desk.NullString{Set: true, Value: "high"}}); code(err) != desk.ENOTFOUND {
			t.Fatalf("groups agent updated a ticket outside their groups: %v", err)
		}
		if _, _, err := f.svc.Update(as(groups), inSupport, ticket.Input{GroupID: desk.SetID(other.ID)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(as(groups), inSupport); code(err) != desk.ENOTFOUND {
			t.Fatalf("moved ticket still visible: %v", err)
		}
	})
}

// TestLightAgent: light agents see tickets and add internal notes; they
// change no property, cannot reply publicly, and cannot be assigned.
func TestLightAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		light := roleAgent(t, f, "light@desk.test", "light", f.support)
		tk := mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "help"}})
		if _, err := f.svc.Get(as(light), tk.ID); err != nil {
			t.Fatal(err)
		}
		for name, in := range map[string]ticket.Input{
			"priority": {Priority: desk.NullString{Set: true, Value: "high"}},
			"status":   {Status: str("pending")},
			"assignee": {AssigneeID: desk.SetID(light.UserID)},
			"tags":     {AdditionalTags: []string{"x"}},
			"and note": {Comment: &ticket.CommentInput{Body: "n"}, Status: str("solved")},
		} {
			if _, _, err := f.svc.Update(as(light), tk.ID, in); code(err) != desk.EFORBIDDEN {
				t.Errorf("%s: %v", name, err)
			}
		}
		// A reply asked to be public becomes an internal note, and leaves the status alone.
		pub := true
		got, audit, err := f.svc.Update(as(light), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "looked at it", Public: &pub}})
		if err != nil || audit == nil {
			t.Fatal(err)
		}
		if got.Status != "new" {
			t.Fatalf("status %q after a light agent's note", got.Status)
		}
		cs, _, _ := f.svc.Comments(as(f.agent), tk.ID, 0, 10, false)
		if last := cs[len(cs)-1]; last.Public || last.AuthorID != light.UserID {
			t.Fatalf("light agent's comment %+v", last)
		}
		// Sending the current values is not a change.
		if _, _, err := f.svc.Update(as(light), tk.ID, ticket.Input{Status: str("new"), Comment: &ticket.CommentInput{Body: "again"}}); err != nil {
			t.Fatalf("unchanged status refused: %v", err)
		}
		// Nobody can hand a ticket to a light agent.
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{AssigneeID: desk.SetID(light.UserID)}); !isField(err, "assignee_id") {
			t.Fatalf("assigned to a light agent: %v", err)
		}
		if err := f.svc.Delete(as(light), tk.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("light agent deleted: %v", err)
		}
		other := mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "dup"}})
		if err := f.svc.Merge(as(light), tk.ID, ticket.MergeInput{IDs: []int64{other.ID}}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("light agent merged: %v", err)
		}
	})
}

func isField(err error, field string) bool {
	e, ok := err.(*desk.Error)
	return ok && e.Code == desk.EINVALID && len(e.Details[field]) > 0
}

// TestDeleteMergeExportPermissions: delete_tickets, merge_tickets and
// export_data gate their operations; a merge needs no other right.
func TestDeleteMergeExportPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		merger := roleAgent(t, f, "merger@desk.test", `{"ticket_access": "all", "merge_tickets": true}`)
		deleter := roleAgent(t, f, "deleter@desk.test", `{"ticket_access": "all", "delete_tickets": true}`)
		mk := func() int64 {
			return mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}}).ID
		}

		a, b := mk(), mk()
		if err := f.svc.Delete(as(merger), a); code(err) != desk.EFORBIDDEN {
			t.Fatalf("merger deleted: %v", err)
		}
		if err := f.svc.Merge(as(deleter), a, ticket.MergeInput{IDs: []int64{b}}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("deleter merged: %v", err)
		}
		// The merger cannot edit properties, yet the merge closes the source.
		if err := f.svc.Merge(as(merger), a, ticket.MergeInput{IDs: []int64{b}}); err != nil {
			t.Fatal(err)
		}
		if src, _ := f.svc.Get(as(f.admin), b); src.Status != "closed" {
			t.Fatalf("source status %q", src.Status)
		}
		if err := f.svc.Delete(as(deleter), a); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Restore(as(merger), a); code(err) != desk.EFORBIDDEN {
			t.Fatalf("merger restored: %v", err)
		}
		if err := f.svc.Restore(as(deleter), a); err != nil {
			t.Fatal(err)
		}
		f.svc.Delete(as(deleter), a)
		if err := f.svc.Destroy(as(deleter), a); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent destroyed: %v", err)
		}
		if err := f.svc.Destroy(as(f.admin), a); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Incremental(as(merger), 0, 0, 0, 10); code(err) != desk.EFORBIDDEN {
			t.Fatalf("export without export_data: %v", err)
		}
		if _, _, err := f.svc.Incremental(as(f.agent), 0, 0, 0, 10); err != nil {
			t.Fatalf("agent export: %v", err)
		}
		if _, err := f.svc.SaveField(as(f.agent), 0, ticket.FieldInput{}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent saved a field: %v", err)
		}
	})
}
