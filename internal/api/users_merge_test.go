package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestMergeEndUsers: PUT /users/{id}/merge hands the source's tickets
// (requester, CC; closed ones too), identities, tags and organization to
// the target in one go, soft-deletes the source and answers the target as
// Zendesk documents; bad ids and staff are refused and change nothing.
func TestMergeEndUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		org, err := a.srv.People.CreateOrganization(sys, people.OrganizationInput{Name: ptrTo("Acme")})
		if err != nil {
			t.Fatal(err)
		}
		source := a.addUser(t, "Dup Account", "dup@customer.test", desk.RoleEndUser)
		target := a.addUser(t, "Real Account", "real@customer.test", desk.RoleEndUser)
		if _, err := a.srv.People.UpdateUser(sys, source.ID, people.UserInput{Tags: &[]string{"vip"}, OrganizationID: &org.ID}); err != nil {
			t.Fatal(err)
		}
		branch, err := a.srv.People.CreateOrganization(sys, people.OrganizationInput{Name: ptrTo("Acme Branch")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.srv.People.CreateOrgMembership(sys, source.ID, branch.ID, false); err != nil {
			t.Fatal(err)
		}
		newTicket := func(in ticket.Input) int64 {
			t.Helper()
			in.Comment, in.GroupID = &ticket.CommentInput{Body: "help"}, desk.SetID(a.SupportGroupID)
			tk, _, err := a.srv.Tickets.Create(sys, in)
			if err != nil {
				t.Fatal(err)
			}
			return tk.ID
		}
		requested := newTicket(ticket.Input{Subject: ptrTo("Mine"), RequesterID: desk.SetID(source.ID)})
		ccd := newTicket(ticket.Input{Subject: ptrTo("Theirs"), RequesterID: desk.SetID(a.EndUser.ID), EmailCCIDs: &[]int64{source.ID}})
		closed := newTicket(ticket.Input{Subject: ptrTo("Old"), RequesterID: desk.SetID(source.ID), Status: ptrTo("solved"), AssigneeID: desk.SetID(a.Agent.ID)})
		if _, _, err := a.srv.Tickets.Update(sys, closed, ticket.Input{Status: ptrTo("closed")}); err != nil {
			t.Fatal(err)
		}
		untouched := newTicket(ticket.Input{Subject: ptrTo("Other"), RequesterID: desk.SetID(a.EndUser.ID)})
		audits := func(id int64) int {
			t.Helper()
			_, body := a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d/audits", id), nil)
			return len(body["audits"].([]any))
		}
		auditsBefore := map[int64]int{requested: audits(requested), ccd: audits(ccd), closed: audits(closed), untouched: audits(untouched)}
		for _, id := range []int64{requested, ccd} {
			if code, _ := a.do(t, target, "GET", fmt.Sprintf("/api/v2/tickets/%d", id), nil); code == 200 {
				t.Fatalf("target sees ticket %d before the merge", id)
			}
		}

		merge := func(u testUser, src int64, body any) (int, map[string]any) {
			t.Helper()
			return a.do(t, u, "PUT", fmt.Sprintf("/api/v2/users/%d/merge", src), body)
		}
		into := func(id int64) map[string]any { return map[string]any{"user": map[string]any{"id": id}} }
		for _, c := range []struct {
			what string
			u    testUser
			src  int64
			body any
			want int
		}{
			{"end-user caller", a.EndUser, source.ID, into(target.ID), 403},
			{"the source itself", target, source.ID, into(target.ID), 403},
			{"no body", a.Agent, source.ID, map[string]any{}, 422},
			{"no target id", a.Agent, source.ID, map[string]any{"user": map[string]any{"email": "real@customer.test"}}, 422},
			{"not JSON", a.Agent, source.ID, "{", 400},
			{"into itself", a.Agent, source.ID, into(source.ID), 422},
			{"forged target", a.Agent, source.ID, into(987654321), 422},
			{"forged source", a.Agent, 987654321, into(target.ID), 404},
			{"staff source", a.Admin, a.Agent.ID, into(target.ID), 422},
			{"the caller's own account", a.Agent, a.Agent.ID, into(target.ID), 403},
			{"the owner", a.Agent, a.Admin.ID, into(target.ID), 403},
			{"staff target", a.Admin, source.ID, into(a.Agent.ID), 422},
		} {
			if code, body := merge(c.u, c.src, c.body); code != c.want {
				t.Errorf("%s: %d %v, want %d", c.what, code, body, c.want)
			}
		}
		if code, _ := a.do(t, source, "GET", "/api/v2/users/me", nil); code != 200 {
			t.Fatalf("refused merges changed the source: /users/me answers %d", code)
		}

		// The documented request, with the ids of this run.
		req := incFixture(t, "users/merge_request.json")
		delete(req, "_doc")
		req["user"].(map[string]any)["id"] = target.ID
		code, body := merge(a.Agent, source.ID, req)
		if code != 200 {
			t.Fatalf("merge: %d %v", code, body)
		}
		u := body["user"].(map[string]any)
		rqSameShape(t, "merged user", u, incFixture(t, "users/merge_response.json")["user"].(map[string]any))
		if int64(pNum(u, "id")) != target.ID || u["email"] != "real@customer.test" || int64(pNum(u, "organization_id")) != org.ID ||
			!slices.Contains(anyStrings(u["tags"]), "vip") {
			t.Errorf("target after merge: %v", u)
		}
		// Organization memberships move, the source's default becoming the
		// target's (it had none).
		memberships := func(id int64) []string {
			t.Helper()
			_, body := a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d/organization_memberships", id), nil)
			var out []string
			for _, m := range body["organization_memberships"].([]any) {
				m := m.(map[string]any)
				out = append(out, fmt.Sprintf("%d:%v", int64(pNum(m, "organization_id")), m["default"]))
			}
			slices.Sort(out)
			return out
		}
		want := []string{fmt.Sprintf("%d:true", org.ID), fmt.Sprintf("%d:<nil>", branch.ID)}
		slices.Sort(want)
		if got := memberships(target.ID); !slices.Equal(got, want) {
			t.Errorf("target memberships %v, want %v", got, want)
		}

		// Tickets: the target now sees them, each changed by one audit.
		code, body = a.do(t, target, "GET", fmt.Sprintf("/api/v2/tickets/%d", requested), nil)
		if code != 200 || int64(pNum(body["ticket"].(map[string]any), "requester_id")) != target.ID {
			t.Errorf("requested ticket as target: %d %v", code, body)
		}
		code, body = a.do(t, target, "GET", fmt.Sprintf("/api/v2/tickets/%d", ccd), nil)
		if code != 200 {
			t.Errorf("CC'd ticket as target: %d %v", code, body)
		} else if ccs := anyInts(body["ticket"].(map[string]any)["email_cc_ids"]); !slices.Equal(ccs, []int64{target.ID}) {
			t.Errorf("CC'd ticket email_cc_ids = %v, want [%d]", ccs, target.ID)
		}
		_, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d", closed), nil)
		if tk := body["ticket"].(map[string]any); int64(pNum(tk, "requester_id")) != target.ID || tk["status"] != "closed" {
			t.Errorf("closed ticket: %v", tk)
		}
		for id, n := range auditsBefore {
			want := n + 1
			if id == untouched {
				want = n
			}
			if got := audits(id); got != want {
				t.Errorf("ticket %d: %d audits, want %d", id, got, want)
			}
		}

		// Identities moved; the source is deleted, its token dead.
		_, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/identities", target.ID), nil)
		var values []string
		for _, v := range body["identities"].([]any) {
			values = append(values, v.(map[string]any)["value"].(string))
		}
		if !slices.Contains(values, "dup@customer.test") || !slices.Contains(values, "real@customer.test") {
			t.Errorf("target identities: %v", values)
		}
		if code, _ := a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/deleted_users/%d", source.ID), nil); code != 200 {
			t.Errorf("source in deleted_users: %d", code)
		}
		if code, _ := a.do(t, source, "GET", "/api/v2/users/me", nil); code != 401 {
			t.Errorf("source's token after merge: %d, want 401", code)
		}
		if code, _ := merge(a.Agent, source.ID, into(target.ID)); code != 404 {
			t.Errorf("merge a merged user again: %d, want 404", code)
		}

		entries, err := audit.List(sys, db, audit.Filter{Action: people.AuditUserMerged})
		if err != nil || len(entries) != 1 || entries[0].TargetID != target.ID || entries[0].ActorID != a.Agent.ID ||
			entries[0].Data["source_user_id"] != float64(source.ID) || entries[0].Data["tickets_moved"] != float64(3) {
			t.Errorf("audit log: %+v %v", entries, err)
		}
	})
}

// TestMergeEndUsersNeedsEditPermission: an agent whose role may see but not
// edit end-users is refused, and nothing moves.
func TestMergeEndUsersNeedsEditPermission(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		role, err := a.srv.People.CreateCustomRole(sys, people.CustomRoleInput{Name: ptrTo("Viewer"),
			Configuration: map[string]json.RawMessage{"ticket_access": json.RawMessage(`"all"`), "end_user_profile_access": json.RawMessage(`"readonly"`)}})
		if err != nil {
			t.Fatal(err)
		}
		viewer := a.addUser(t, "Viewer", "viewer@frontdesk.test", desk.RoleAgent)
		if _, err := a.srv.People.UpdateUser(sys, viewer.ID, people.UserInput{CustomRoleID: &role.ID}); err != nil {
			t.Fatal(err)
		}
		source := a.addUser(t, "Dup", "dup@customer.test", desk.RoleEndUser)
		target := a.addUser(t, "Real", "real@customer.test", desk.RoleEndUser)
		code, _ := a.do(t, viewer, "PUT", fmt.Sprintf("/api/v2/users/%d/merge", source.ID), map[string]any{"user": map[string]any{"id": target.ID}})
		if code != 403 {
			t.Fatalf("viewer merges: %d, want 403", code)
		}
		if u, err := a.srv.People.GetUser(sys, source.ID); err != nil || !u.Active || u.Email != "dup@customer.test" {
			t.Errorf("source after a refused merge: %+v %v", u, err)
		}
	})
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func anyInts(v any) []int64 {
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, int64(x.(float64)))
	}
	return out
}

// TestMergeEndUsersAllOrNothing: a merge that fails late (the joined tags
// would pass the limit) leaves tickets, identities and both users as they
// were: it is one transaction.
func TestMergeEndUsersAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		source := a.addUser(t, "Dup", "dup@customer.test", desk.RoleEndUser)
		target := a.addUser(t, "Real", "real@customer.test", desk.RoleEndUser)
		tags := func(prefix string) *[]string {
			var out []string
			for i := range 60 {
				out = append(out, fmt.Sprintf("%s%d", prefix, i))
			}
			return &out
		}
		for id, prefix := range map[int64]string{source.ID: "s", target.ID: "t"} {
			if _, err := a.srv.People.UpdateUser(sys, id, people.UserInput{Tags: tags(prefix)}); err != nil {
				t.Fatal(err)
			}
		}
		tk, _, err := a.srv.Tickets.Create(sys, ticket.Input{Subject: ptrTo("Mine"), Comment: &ticket.CommentInput{Body: "help"},
			RequesterID: desk.SetID(source.ID), GroupID: desk.SetID(a.SupportGroupID)})
		if err != nil {
			t.Fatal(err)
		}
		code, body := a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/%d/merge", source.ID), map[string]any{"user": map[string]any{"id": target.ID}})
		if code != 422 {
			t.Fatalf("merge over the tag limit: %d %v, want 422", code, body)
		}
		if got, err := a.srv.Tickets.Get(sys, tk.ID); err != nil || got.RequesterID != source.ID || got.Version != tk.Version {
			t.Errorf("ticket after a failed merge: %+v %v", got, err)
		}
		if u, err := a.srv.People.GetUser(sys, source.ID); err != nil || !u.Active || u.Email != "dup@customer.test" {
			t.Errorf("source after a failed merge: %+v %v", u, err)
		}
		if ids, err := a.srv.People.Identities(sys, target.ID); err != nil || len(ids) != 1 {
			t.Errorf("target identities after a failed merge: %v %v", ids, err)
		}
		if entries, err := audit.List(sys, db, audit.Filter{Action: people.AuditUserMerged}); err != nil || len(entries) != 0 {
			t.Errorf("audit log after a failed merge: %v %v", entries, err)
		}
	})
}
