package api

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
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
