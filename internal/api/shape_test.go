package api

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// shSame fails unless got has exactly want's keys and equal values.
func shSame(t *testing.T, what string, want, got map[string]any) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: record missing", what)
		return
	}
	if kw, kg := tkKeys(want), tkKeys(got); !slices.Equal(kw, kg) {
		t.Errorf("%s: keys differ\nwant %v\ngot  %v", what, kw, kg)
		return
	}
	for k, v := range want {
		if !reflect.DeepEqual(v, got[k]) {
			t.Errorf("%s: %q = %#v, want %#v", what, k, got[k], v)
		}
	}
}

// shFind returns the record with id from body[key] (nil if absent).
func shFind(t *testing.T, body map[string]any, key string, id int64) map[string]any {
	t.Helper()
	for _, m := range pList(t, body, key) {
		if pID(t, m) == id {
			return m
		}
	}
	return nil
}

// shSearch returns the search result with id and result_type typ, without
// result_type (the one key search adds).
func (a *testAPI) shSearch(t *testing.T, query, typ string, id int64) map[string]any {
	t.Helper()
	code, body := a.do(t, a.Admin, "GET", "/api/v2/search.json?query="+url.QueryEscape(query), nil)
	pStatus(t, "search "+query, code, body, http.StatusOK)
	for _, m := range pList(t, body, "results") {
		if m["result_type"] == typ && pID(t, m) == id {
			delete(m, "result_type")
			return m
		}
	}
	return nil
}

// TestOneSerializer creates, updates, shows, lists and searches the same
// ticket, user and organization, and checks every response carries the
// same JSON object (the create response used to have null
// collaborator_ids, custom_fields and fields, and allow_attachments false).
func TestOneSerializer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		get := func(path, key string) map[string]any {
			t.Helper()
			code, body := a.do(t, a.Admin, "GET", path, nil)
			pStatus(t, "GET "+path, code, body, http.StatusOK)
			return body
		}

		// Organization.
		code, body := a.do(t, a.Admin, "POST", "/api/v2/organizations.json", map[string]any{"organization": map[string]any{"name": "Zebra Works"}})
		pStatus(t, "create organization", code, body, http.StatusCreated)
		org := pObj(t, body, "organization")
		orgID := pID(t, org)
		orgPath := fmt.Sprintf("/api/v2/organizations/%d.json", orgID)
		shSame(t, "organization: create vs show", org, pObj(t, get(orgPath, "organization"), "organization"))
		code, body = a.do(t, a.Admin, "PUT", orgPath, map[string]any{"organization": map[string]any{"notes": "VIP", "external_id": "org-9"}})
		pStatus(t, "update organization", code, body, http.StatusOK)
		org = pObj(t, body, "organization")

		// User, in that organization.
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users.json", map[string]any{"user": map[string]any{"name": "Quincy Quill", "email": "quincy@zebra.test", "organization_id": orgID}})
		pStatus(t, "create user", code, body, http.StatusCreated)
		user := pObj(t, body, "user")
		userID := pID(t, user)
		userPath := fmt.Sprintf("/api/v2/users/%d.json", userID)
		shSame(t, "user: create vs show", user, pObj(t, get(userPath, "user"), "user"))
		code, body = a.do(t, a.Admin, "PUT", userPath, map[string]any{"user": map[string]any{"notes": "prefers email", "external_id": "user-9"}})
		pStatus(t, "update user", code, body, http.StatusOK)
		user = pObj(t, body, "user")

		// Ticket, requested by the user.
		code, body = a.do(t, a.Agent, "POST", "/api/v2/tickets.json", tkBody(map[string]any{
			"subject": "Xylophone delivery", "requester_id": userID, "tags": []string{"music"},
			"comment": map[string]any{"body": "Where is it?"},
		}))
		pStatus(t, "create ticket", code, body, http.StatusCreated)
		tk := pObj(t, body, "ticket")
		tkID := pID(t, tk)
		tkPath := tkTicketPath(tkID, ".json")
		shSame(t, "ticket: create vs show", tk, pObj(t, get(tkPath, "ticket"), "ticket"))
		code, body = a.do(t, a.Agent, "PUT", tkPath, tkBody(map[string]any{"priority": "high", "external_id": "tk-9"}))
		pStatus(t, "update ticket", code, body, http.StatusOK)
		tk = pObj(t, body, "ticket")

		// Every read of the updated records returns what the update did.
		for what, got := range map[string]map[string]any{
			"show":           pObj(t, get(tkPath, "ticket"), "ticket"),
			"list":           shFind(t, get("/api/v2/tickets.json", "tickets"), "tickets", tkID),
			"show_many":      shFind(t, get(fmt.Sprintf("/api/v2/tickets/show_many.json?ids=%d", tkID), "tickets"), "tickets", tkID),
			"requested":      shFind(t, get(fmt.Sprintf("/api/v2/users/%d/tickets/requested.json", userID), "tickets"), "tickets", tkID),
			"organization's": shFind(t, get(fmt.Sprintf("/api/v2/organizations/%d/tickets.json", orgID), "tickets"), "tickets", tkID),
			"search":         a.shSearch(t, "xylophone", "ticket", tkID),
			"incremental":    shFind(t, get("/api/v2/incremental/tickets/cursor.json?start_time=0", "tickets"), "tickets", tkID),
		} {
			shSame(t, "ticket: update vs "+what, tk, got)
		}
		withAll := get(tkPath+"?include=users,organizations", "ticket")
		for what, got := range map[string]map[string]any{
			"show":           pObj(t, get(userPath, "user"), "user"),
			"list":           shFind(t, get("/api/v2/users.json", "users"), "users", userID),
			"show_many":      shFind(t, get(fmt.Sprintf("/api/v2/users/show_many.json?ids=%d", userID), "users"), "users", userID),
			"organization's": shFind(t, get(fmt.Sprintf("/api/v2/organizations/%d/users.json", orgID), "users"), "users", userID),
			"users/search":   shFind(t, get("/api/v2/users/search.json?query=quincy", "users"), "users", userID),
			"search":         a.shSearch(t, "type:user quincy", "user", userID),
			"sideload":       shFind(t, withAll, "users", userID),
		} {
			shSame(t, "user: update vs "+what, user, got)
		}
		for what, got := range map[string]map[string]any{
			"show":                 pObj(t, get(orgPath, "organization"), "organization"),
			"list":                 shFind(t, get("/api/v2/organizations.json", "organizations"), "organizations", orgID),
			"show_many":            shFind(t, get(fmt.Sprintf("/api/v2/organizations/show_many.json?ids=%d", orgID), "organizations"), "organizations", orgID),
			"organizations/search": shFind(t, get("/api/v2/organizations/search.json?name=Zebra+Works", "organizations"), "organizations", orgID),
			"search":               a.shSearch(t, "type:organization zebra", "organization", orgID),
			"sideload":             shFind(t, withAll, "organizations", orgID),
		} {
			shSame(t, "organization: update vs "+what, org, got)
		}
	})
}

// TestDoubleSlashPath checks that "/api/v2//tickets.json" (zendesk-node-api
// builds such paths) is served, not redirected: a client following a
// redirect drops the body of a POST or PUT.
func TestDoubleSlashPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Agent, "POST", "/api/v2//tickets.json", tkBody(map[string]any{
			"subject": "Slashes", "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "two of them"},
		}))
		pStatus(t, "POST //tickets.json", code, body, http.StatusCreated)
		id := pID(t, pObj(t, body, "ticket"))
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api//v2//tickets///%d.json", id), tkBody(map[string]any{"priority": "urgent"}))
		pStatus(t, "PUT with repeated slashes", code, body, http.StatusOK)
		if p := pObj(t, body, "ticket")["priority"]; p != "urgent" {
			t.Errorf("PUT body lost: priority = %v", p)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2//tickets/%d.json", id), nil)
		pStatus(t, "GET //tickets/{id}", code, body, http.StatusOK)
		if s := pObj(t, body, "ticket")["subject"]; s != "Slashes" {
			t.Errorf("subject = %v", s)
		}
		// No redirect is involved at all (the client above would follow one).
		req, _ := http.NewRequest("GET", a.URL+"/api/v2//tickets.json", nil)
		req.SetBasicAuth(a.Agent.Email+"/token", a.Agent.Token)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET //tickets.json without following redirects: %d", resp.StatusCode)
		}
	})
}

// shIDs lists the ids of body[key], sorted.
func shIDs(t *testing.T, body map[string]any, key string) []int64 {
	t.Helper()
	return slices.Sorted(slices.Values(pIDs(t, body, key)))
}

// shWalk follows next_page (offset) or links.next (cursor) from path and
// returns every id listed, in order, checking count on offset pages.
func (a *testAPI) shWalk(t *testing.T, path, key string, wantCount int) []int64 {
	t.Helper()
	var ids []int64
	for range 20 {
		code, body := a.do(t, a.Admin, "GET", path, nil)
		pStatus(t, "GET "+path, code, body, http.StatusOK)
		ids = append(ids, pIDs(t, body, key)...)
		var next any
		if links, ok := body["links"].(map[string]any); ok {
			next = links["next"]
		} else {
			if n := pNum(body, "count"); int(n) != wantCount {
				t.Errorf("GET %s: count %d, want %d", path, n, wantCount)
			}
			next = body["next_page"]
		}
		if next == nil {
			return ids
		}
		path = a.pPath(t, next)
	}
	t.Fatalf("GET %s: paging never ended", path)
	return nil
}

// TestListFilters checks the filters Zendesk documents for the ticket and
// user lists: only matching records are listed, paging and count follow the
// filter, and bad values are a 4xx. (Before, every filter was ignored and
// the whole list came back.)
func TestListFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		mk := func(ext string) int64 {
			f := map[string]any{"subject": "Sync " + ext, "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "x"}}
			if ext != "" {
				f["external_id"] = ext
			}
			return pID(t, a.tkCreate(t, a.Agent, f))
		}
		// External ids need not be unique on tickets.
		s1a, _, s1b, s2 := mk("sync-1"), mk(""), mk("sync-1"), mk("sync-2")
		code, body := a.do(t, a.Admin, "GET", "/api/v2/tickets.json?external_id=sync-1", nil)
		pStatus(t, "tickets by external_id", code, body, http.StatusOK)
		if got := shIDs(t, body, "tickets"); !slices.Equal(got, []int64{s1a, s1b}) || pNum(body, "count") != 2 {
			t.Fatalf("?external_id=sync-1: ids %v count %v, want [%d %d] and 2", got, body["count"], s1a, s1b)
		}
		if got := a.shWalk(t, "/api/v2/tickets.json?external_id=sync-1&per_page=1", "tickets", 2); !slices.Equal(got, []int64{s1a, s1b}) {
			t.Errorf("offset pages: %v", got)
		}
		if got := a.shWalk(t, "/api/v2/tickets.json?external_id=sync-1&page[size]=1", "tickets", 2); !slices.Equal(got, []int64{s1a, s1b}) {
			t.Errorf("cursor pages: %v", got)
		}
		if got := a.shWalk(t, "/api/v2/tickets.json?external_id=sync-1&page[size]=1&sort=-id", "tickets", 2); !slices.Equal(got, []int64{s1b, s1a}) {
			t.Errorf("cursor pages, descending: %v", got)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/tickets.json?external_id=none-such", nil)
		if pStatus(t, "no match", code, body, http.StatusOK); len(pList(t, body, "tickets")) != 0 || pNum(body, "count") != 0 {
			t.Errorf("?external_id=none-such: %v", body)
		}
		// The same filter on the other ticket lists.
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d/tickets/requested.json?external_id=sync-2", a.EndUser.ID), nil)
		if pStatus(t, "requested by external_id", code, body, http.StatusOK); !slices.Equal(shIDs(t, body, "tickets"), []int64{s2}) {
			t.Errorf("requested ?external_id=sync-2: %v", body)
		}
		// An end-user's list is filtered within what they may see.
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/tickets.json?external_id=sync-2", nil)
		if pStatus(t, "end-user list", code, body, http.StatusOK); !slices.Equal(shIDs(t, body, "tickets"), []int64{s2}) {
			t.Errorf("end-user ?external_id=sync-2: %v", body)
		}
		// A parameter Zendesk does not document for the list is ignored.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/tickets.json?colour=blue", nil)
		if pStatus(t, "unknown parameter", code, body, http.StatusOK); pNum(body, "count") != 4 {
			t.Errorf("?colour=blue: count %v, want 4", body["count"])
		}
		for _, q := range []string{"external_id=", "external_id=%00", "external_id=%FF%FE", "external_id=" + strings.Repeat("x", 5000)} {
			code, body = a.do(t, a.Admin, "GET", "/api/v2/tickets.json?"+q, nil)
			if code < 400 || code >= 500 {
				t.Errorf("tickets ?%.40s: %d, want 4xx: %v", q, code, body)
			}
		}

		// Users: external_id, role, role[], permission_set.
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users.json", map[string]any{"user": map[string]any{"name": "Crm Customer", "email": "crm@customer.test", "external_id": "crm-1"}})
		pStatus(t, "create user", code, body, http.StatusCreated)
		crm := pID(t, pObj(t, body, "user"))
		code, body = a.do(t, a.Admin, "GET", "/api/v2/custom_roles.json", nil)
		pStatus(t, "custom roles", code, body, http.StatusOK)
		roleID := pID(t, pList(t, body, "custom_roles")[0])
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users.json", map[string]any{"user": map[string]any{"name": "Light Agent", "email": "light@example.com", "role": "agent", "custom_role_id": roleID}})
		pStatus(t, "create agent with a custom role", code, body, http.StatusCreated)
		light := pID(t, pObj(t, body, "user"))

		for _, c := range []struct {
			query string
			want  []int64
		}{
			{"external_id=crm-1", []int64{crm}},
			{"external_id=none-such", nil},
			{"role=agent", []int64{a.Agent.ID, light}},
			{"role=admin", []int64{a.Admin.ID}},
			{"role=end-user", []int64{a.EndUser.ID, crm}},
			{"role[]=agent&role[]=admin", []int64{a.Admin.ID, a.Agent.ID, light}},
			{"permission_set=" + fmt.Sprint(roleID), []int64{light}},
			{"role=agent&permission_set=" + fmt.Sprint(roleID), []int64{light}},
			{"role=end-user&external_id=crm-1", []int64{crm}},
			{"role=admin&external_id=crm-1", nil},
		} {
			for _, paging := range []string{"&per_page=1", "&page[size]=1"} {
				got := a.shWalk(t, "/api/v2/users.json?"+c.query+paging, "users", len(c.want))
				if slices.Sort(got); !slices.Equal(got, c.want) && (len(got) != 0 || len(c.want) != 0) {
					t.Errorf("users ?%s%s: %v, want %v", c.query, paging, got, c.want)
				}
			}
		}
		// The group's and organization's user lists take the same filters.
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/groups/%d/users.json?role=admin", a.SupportGroupID), nil)
		if pStatus(t, "group users by role", code, body, http.StatusOK); len(pList(t, body, "users")) != 0 {
			t.Errorf("Support has no admin: %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/groups/%d/users.json?role=agent", a.SupportGroupID), nil)
		if pStatus(t, "group users by role", code, body, http.StatusOK); !slices.Equal(shIDs(t, body, "users"), []int64{a.Agent.ID}) {
			t.Errorf("Support's agents: %v", body)
		}
		for _, q := range []string{"role=wizard", "permission_set=abc", "permission_set=-1", "external_id=", "external_id=%00", "external_id=%FF", "external_id=" + strings.Repeat("x", 5000)} {
			code, body = a.do(t, a.Admin, "GET", "/api/v2/users.json?"+q, nil)
			if code < 400 || code >= 500 {
				t.Errorf("users ?%.40s: %d, want 4xx: %v", q, code, body)
			}
		}
	})
}
