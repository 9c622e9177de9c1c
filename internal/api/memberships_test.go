package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Tests of organization memberships (fixtures: testdata/organization_memberships,
// from Zendesk's Organization Memberships reference; see its README).

func omFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "organization_memberships", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// omOrg creates an organization (sharing its tickets when shared).
func (a *testAPI) omOrg(t *testing.T, name string, shared bool) int64 {
	t.Helper()
	o, err := a.srv.People.CreateOrganization(desk.SystemContext(context.Background()),
		people.OrganizationInput{Name: &name, SharedTickets: &shared})
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// omCreate adds userID to orgID through the API as the admin.
func (a *testAPI) omCreate(t *testing.T, userID, orgID int64) map[string]any {
	t.Helper()
	code, body := a.do(t, a.Admin, "POST", "/api/v2/organization_memberships",
		map[string]any{"organization_membership": map[string]any{"user_id": userID, "organization_id": orgID}})
	pStatus(t, "create membership", code, body, http.StatusCreated)
	return pObj(t, body, "organization_membership")
}

func (a *testAPI) omUserOrg(t *testing.T, userID int64) int64 {
	t.Helper()
	code, body := a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", userID), nil)
	pStatus(t, "show user", code, body, http.StatusOK)
	return pNum(pObj(t, body, "user"), "organization_id")
}

// Zendesk's documented bodies: create (201, Location, the documented
// shape, the first membership the default), a second membership (default
// null), make_default (the user's list, default first; the user's
// organization_id follows), the user's organizations, removal of the
// default (the other becomes default), and 422s for a duplicate and for
// unknown records.
func TestOrgMembershipsZendeskBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		acme, beta := a.omOrg(t, "Acme", false), a.omOrg(t, "Beta", false)
		u := a.addUser(t, "Member", "member@om.test", desk.RoleEndUser)

		req := omFixture(t, "create_request.json")
		req["organization_membership"].(map[string]any)["user_id"] = u.ID
		req["organization_membership"].(map[string]any)["organization_id"] = acme
		resp, data := a.request(t, a.Admin, "POST", "/api/v2/organization_memberships.json", req)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, data)
		}
		var body map[string]any
		if err := json.Unmarshal(data, &body); err != nil {
			t.Fatal(err)
		}
		first := pObj(t, body, "organization_membership")
		rqSameShape(t, "create", first, omFixture(t, "membership_response.json")["organization_membership"].(map[string]any))
		if resp.Header.Get("Location") != first["url"] || first["url"] != fmt.Sprintf("%s/api/v2/organization_memberships/%d.json", a.URL, pID(t, first)) {
			t.Errorf("Location %q, url %v", resp.Header.Get("Location"), first["url"])
		}
		if first["default"] != true || first["organization_name"] != "Acme" || pNum(first, "user_id") != u.ID || first["view_tickets"] != false {
			t.Errorf("first membership %v", first)
		}
		if got := a.omUserOrg(t, u.ID); got != acme {
			t.Errorf("user's organization_id %d, want %d", got, acme)
		}

		second := a.omCreate(t, u.ID, beta)
		if v, ok := second["default"]; !ok || v != nil {
			t.Errorf("second membership's default = %v (present %v), want null", v, ok)
		}

		code, body := a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/%d/organization_memberships/%d/make_default", u.ID, pID(t, second)), nil)
		pStatus(t, "make_default", code, body, http.StatusOK)
		list := pList(t, body, "organization_memberships")
		rqSameShape(t, "make_default", list[0], omFixture(t, "make_default_response.json")["organization_memberships"].([]any)[0].(map[string]any))
		if len(list) != 2 || pID(t, list[0]) != pID(t, second) || list[0]["default"] != true || list[1]["default"] != nil {
			t.Errorf("after make_default: %v", list)
		}
		if got := a.omUserOrg(t, u.ID); got != beta {
			t.Errorf("user's organization_id %d after make_default, want %d", got, beta)
		}

		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/organizations", u.ID), nil)
		pStatus(t, "user's organizations", code, body, http.StatusOK)
		if ids := pIDs(t, body, "organizations"); len(ids) != 2 || ids[0] != beta || ids[1] != acme {
			t.Errorf("user's organizations %v, want [%d %d] (default first)", ids, beta, acme)
		}

		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/%d/organizations/%d/make_default", u.ID, acme), nil)
		pStatus(t, "make_default by organization", code, body, http.StatusOK)
		if list := pList(t, body, "organization_memberships"); pNum(list[0], "organization_id") != acme || list[0]["default"] != true {
			t.Errorf("after make_default by organization: %v", list)
		}

		code, _ = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/organization_memberships/%d", pID(t, first)), nil)
		if code != http.StatusNoContent {
			t.Fatalf("delete: %d", code)
		}
		if got := a.omUserOrg(t, u.ID); got != beta {
			t.Errorf("user's organization_id %d after the default membership went, want %d", got, beta)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/organization_memberships/%d", pID(t, second)), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		if pObj(t, body, "organization_membership")["default"] != true {
			t.Errorf("remaining membership not the default: %v", body)
		}
		code, _ = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/users/%d/organizations/%d", u.ID, beta), nil)
		if code != http.StatusNoContent {
			t.Fatalf("delete by organization: %d", code)
		}
		if got := a.omUserOrg(t, u.ID); got != 0 {
			t.Errorf("user's organization_id %d with no membership left, want null", got)
		}

		a.omCreate(t, u.ID, acme)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organization_memberships",
			map[string]any{"organization_membership": map[string]any{"user_id": u.ID, "organization_id": acme}})
		pInvalid(t, "duplicate", code, body, "user_id")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organization_memberships",
			map[string]any{"organization_membership": map[string]any{"user_id": u.ID, "organization_id": 999999}})
		pInvalid(t, "unknown organization", code, body, "organization_id")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organization_memberships",
			map[string]any{"organization_membership": map[string]any{"user_id": 999999, "organization_id": acme}})
		pInvalid(t, "unknown user", code, body, "user_id")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organization_memberships", map[string]any{})
		pInvalid(t, "no membership", code, body, "organization_membership")

		// Every change is in the audit log, against the organization.
		es, err := audit.List(desk.SystemContext(context.Background()), db, audit.Filter{TargetType: "organization", TargetID: acme})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range es {
			actions[e.Action]++
		}
		if actions[people.AuditOrgMemberAdded] != 2 || actions[people.AuditOrgMemberRemoved] != 1 || actions[people.AuditOrgMemberDefault] < 2 {
			t.Errorf("audit of Acme: %v", actions)
		}
	})
}

// Lists: offset envelopes with count, cursor pages whose links.next is
// null at the end; organizations/{id}/organization_memberships lists that
// organization's only.
func TestOrgMembershipsPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		org, other := a.omOrg(t, "Paged", false), a.omOrg(t, "Other", false)
		var want []int64
		for i := range 3 {
			u := a.addUser(t, fmt.Sprintf("P%d", i), fmt.Sprintf("p%d@om.test", i), desk.RoleEndUser)
			want = append(want, pID(t, a.omCreate(t, u.ID, org)))
			a.omCreate(t, u.ID, other)
		}
		code, body := a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/organizations/%d/organization_memberships?per_page=2", org), nil)
		pStatus(t, "offset page", code, body, http.StatusOK)
		if ids := pIDs(t, body, "organization_memberships"); len(ids) != 2 || ids[0] != want[0] || pNum(body, "count") != 3 || body["next_page"] == nil {
			t.Errorf("offset page: %v", body)
		}
		var got []int64
		next := fmt.Sprintf("/api/v2/organizations/%d/organization_memberships?page[size]=2", org)
		for range 5 {
			code, body = a.do(t, a.Agent, "GET", next, nil)
			pStatus(t, "cursor page", code, body, http.StatusOK)
			got = append(got, pIDs(t, body, "organization_memberships")...)
			meta, links := pObj(t, body, "meta"), pObj(t, body, "links")
			if meta["has_more"] != true {
				if links["next"] != nil {
					t.Errorf("last page has links.next %v", links["next"])
				}
				break
			}
			next = links["next"].(string)[len(a.URL):]
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("cursor pages %v, want %v", got, want)
		}
	})
}

// create_many and destroy_many run as jobs with per-record results.
func TestOrgMembershipsBulkJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		org := a.omOrg(t, "Bulk", false)
		u1 := a.addUser(t, "B1", "b1@om.test", desk.RoleEndUser)
		u2 := a.addUser(t, "B2", "b2@om.test", desk.RoleEndUser)
		req := omFixture(t, "create_many_request.json")
		items := req["organization_memberships"].([]any)
		items[0].(map[string]any)["user_id"], items[0].(map[string]any)["organization_id"] = u1.ID, org
		items[1].(map[string]any)["user_id"], items[1].(map[string]any)["organization_id"] = u2.ID, org
		items = append(items, map[string]any{"user_id": u2.ID, "organization_id": org}) // a duplicate fails alone
		req["organization_memberships"] = items
		code, body := a.do(t, a.Agent, "POST", "/api/v2/organization_memberships/create_many", req)
		pStatus(t, "create_many", code, body, http.StatusOK)
		st := a.jobDone(t, a.Agent, pObj(t, body, "job_status"))
		results := pList(t, st, "results")
		if len(results) != 3 || results[0]["success"] != true || results[1]["success"] != true || results[2]["success"] != false {
			t.Fatalf("results %v", results)
		}
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/organization_memberships/destroy_many?ids=%d,%d",
			pNum(results[0], "id"), pNum(results[1], "id")), nil)
		pStatus(t, "destroy_many", code, body, http.StatusOK)
		a.jobDone(t, a.Agent, pObj(t, body, "job_status"))
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/organizations/%d/organization_memberships", org), nil)
		pStatus(t, "after destroy_many", code, body, http.StatusOK)
		if n := len(pList(t, body, "organization_memberships")); n != 0 {
			t.Errorf("%d memberships left", n)
		}
		// End-users queue nothing.
		code, body = a.do(t, a.EndUser, "POST", "/api/v2/organization_memberships/create_many", req)
		pStatus(t, "create_many as end-user", code, body, http.StatusForbidden)
	})
}

// Setting organization_id on a user (create and update) joins that
// organization and makes it the default, keeping the other memberships;
// null ends the default membership and another takes its place.
func TestUserOrganizationIDMakesMemberships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		acme, beta := a.omOrg(t, "Acme", false), a.omOrg(t, "Beta", false)
		code, body := a.do(t, a.Agent, "POST", "/api/v2/users", map[string]any{"user": map[string]any{
			"name": "Joiner", "email": "joiner@om.test", "organization_id": acme}})
		pStatus(t, "create user", code, body, http.StatusCreated)
		uid := pID(t, pObj(t, body, "user"))
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/users/%d", uid), map[string]any{"user": map[string]any{"organization_id": beta}})
		pStatus(t, "update user", code, body, http.StatusOK)
		if pNum(pObj(t, body, "user"), "organization_id") != beta {
			t.Errorf("user after update: %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/organization_memberships", uid), nil)
		pStatus(t, "memberships", code, body, http.StatusOK)
		list := pList(t, body, "organization_memberships")
		if len(list) != 2 || pNum(list[0], "organization_id") != beta || list[0]["default"] != true || pNum(list[1], "organization_id") != acme {
			t.Errorf("memberships after update: %v", list)
		}
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/users/%d", uid), map[string]any{"user": map[string]any{"organization_id": nil}})
		pStatus(t, "clear organization", code, body, http.StatusOK)
		if got := pNum(pObj(t, body, "user"), "organization_id"); got != acme {
			t.Errorf("organization_id after clearing the default = %d, want the remaining %d", got, acme)
		}
		// Deleting an organization ends its memberships.
		if err := a.srv.People.DeleteOrganization(desk.SystemContext(context.Background()), acme); err != nil {
			t.Fatal(err)
		}
		if got := a.omUserOrg(t, uid); got != 0 {
			t.Errorf("organization_id after its organization was deleted = %d", got)
		}
	})
}

// An end-user in two organizations that share tickets sees the shared
// tickets of both (show, search, the Requests API) and not those of a third
// organization; forged membership ids of others are "not found".
func TestEndUserSeesEachOrganizationsSharedTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		one, two, three := a.omOrg(t, "One", true), a.omOrg(t, "Two", true), a.omOrg(t, "Three", true)
		me := a.addUser(t, "Me", "me@om.test", desk.RoleEndUser)
		a.omCreate(t, me.ID, one)
		a.omCreate(t, me.ID, two)
		ticketFor := func(org int64, subject string) int64 {
			t.Helper()
			peer := a.addUser(t, subject, subject+"@om.test", desk.RoleEndUser)
			a.omCreate(t, peer.ID, org)
			code, body := a.do(t, a.Agent, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
				"subject": subject, "comment": map[string]any{"body": "shared " + subject}, "requester_id": peer.ID}})
			pStatus(t, "ticket "+subject, code, body, http.StatusCreated)
			tk := pObj(t, body, "ticket")
			if pNum(tk, "organization_id") != org {
				t.Fatalf("ticket %s: organization_id %v, want the requester's default %d", subject, tk["organization_id"], org)
			}
			return pID(t, tk)
		}
		inOne, inTwo, inThree := ticketFor(one, "alpha"), ticketFor(two, "bravo"), ticketFor(three, "charlie")
		for id, want := range map[int64]int{inOne: http.StatusOK, inTwo: http.StatusOK, inThree: http.StatusNotFound} {
			code, body := a.do(t, me, "GET", fmt.Sprintf("/api/v2/tickets/%d", id), nil)
			pStatus(t, fmt.Sprintf("show %d", id), code, body, want)
			code, body = a.do(t, me, "GET", fmt.Sprintf("/api/v2/requests/%d", id), nil)
			pStatus(t, fmt.Sprintf("request %d", id), code, body, want)
		}
		code, body := a.do(t, me, "GET", "/api/v2/search?query=type:ticket", nil)
		pStatus(t, "search", code, body, http.StatusOK)
		found := map[int64]bool{}
		for _, r := range pList(t, body, "results") {
			found[pID(t, r)] = true
		}
		if !found[inOne] || !found[inTwo] || found[inThree] || len(found) != 2 {
			t.Errorf("search found %v; want %d and %d only", found, inOne, inTwo)
		}
		// The organizations themselves: the end-user's two, not the third.
		code, body = a.do(t, me, "GET", "/api/v2/organizations", nil)
		pStatus(t, "organizations", code, body, http.StatusOK)
		if ids := pIDs(t, body, "organizations"); fmt.Sprint(ids) != fmt.Sprint([]int64{one, two}) {
			t.Errorf("end-user's organizations %v", ids)
		}
		// Someone else's membership, by forged id: not found, and unchanged.
		peer := a.addUser(t, "Peer", "peer@om.test", desk.RoleEndUser)
		theirs := a.omCreate(t, peer.ID, three)
		for _, c := range []struct{ method, path string }{
			{"GET", fmt.Sprintf("/api/v2/organization_memberships/%d", pID(t, theirs))},
			{"GET", fmt.Sprintf("/api/v2/users/%d/organization_memberships", peer.ID)},
			{"GET", fmt.Sprintf("/api/v2/users/%d/organization_memberships/%d", peer.ID, pID(t, theirs))},
			{"GET", fmt.Sprintf("/api/v2/users/%d/organizations", peer.ID)},
			{"DELETE", fmt.Sprintf("/api/v2/organization_memberships/%d", pID(t, theirs))},
			{"PUT", fmt.Sprintf("/api/v2/users/%d/organization_memberships/%d/make_default", peer.ID, pID(t, theirs))},
			{"PUT", fmt.Sprintf("/api/v2/users/%d/organizations/%d/make_default", peer.ID, three)},
			{"DELETE", fmt.Sprintf("/api/v2/users/%d/organizations/%d", peer.ID, three)},
		} {
			code, body := a.do(t, me, c.method, c.path, nil)
			pStatus(t, c.method+" "+c.path, code, body, http.StatusNotFound)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/organization_memberships/%d", pID(t, theirs)), nil)
		pStatus(t, "peer's membership after the attempts", code, body, http.StatusOK)
		// The end-user's own list holds their memberships only.
		code, body = a.do(t, me, "GET", "/api/v2/organization_memberships", nil)
		pStatus(t, "own list", code, body, http.StatusOK)
		for _, m := range pList(t, body, "organization_memberships") {
			if pNum(m, "user_id") != me.ID {
				t.Errorf("end-user sees %v", m)
			}
		}
	})
}

// A ticket's organization_id: the requester's default when not given; an
// agent may pick any of the requester's organizations, and gets 422 for
// one the requester does not belong to.
func TestTicketOrganizationIsTheRequesters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		home, away, foreign := a.omOrg(t, "Home", false), a.omOrg(t, "Away", false), a.omOrg(t, "Foreign", false)
		req := a.addUser(t, "Requester", "requester@om.test", desk.RoleEndUser)
		a.omCreate(t, req.ID, home)
		a.omCreate(t, req.ID, away)
		create := func(org any) (int, map[string]any) {
			tk := map[string]any{"subject": "Org", "comment": map[string]any{"body": "which org"}, "requester_id": req.ID}
			if org != nil {
				tk["organization_id"] = org
			}
			return a.do(t, a.Agent, "POST", "/api/v2/tickets", map[string]any{"ticket": tk})
		}
		code, body := create(nil)
		pStatus(t, "default", code, body, http.StatusCreated)
		tk := pObj(t, body, "ticket")
		if pNum(tk, "organization_id") != home {
			t.Errorf("organization_id %v, want the default %d", tk["organization_id"], home)
		}
		code, body = create(away)
		pStatus(t, "another of the requester's", code, body, http.StatusCreated)
		if got := pNum(pObj(t, body, "ticket"), "organization_id"); got != away {
			t.Errorf("organization_id %d, want %d", got, away)
		}
		code, body = create(foreign)
		pInvalid(t, "not the requester's", code, body, "organization_id")
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", pID(t, tk)), map[string]any{"ticket": map[string]any{"organization_id": foreign}})
		pInvalid(t, "update to a foreign organization", code, body, "organization_id")
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", pID(t, tk)), map[string]any{"ticket": map[string]any{"organization_id": away}})
		pStatus(t, "update to another of the requester's", code, body, http.StatusOK)
	})
}
