package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Tests of the Requests API (fixtures: testdata/requests, from Zendesk's
// Requests API reference; see its README).

func rqFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "requests", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// rqSameShape checks that got has every key of the documented want, with
// the same JSON type wherever both are non-null.
func rqSameShape(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, wv := range want {
		gv, ok := got[k]
		if !ok {
			t.Errorf("%s: key %q missing", what, k)
			continue
		}
		if wv != nil && gv != nil && reflect.TypeOf(wv) != reflect.TypeOf(gv) {
			t.Errorf("%s: %q is %T (%v), Zendesk documents %T", what, k, gv, gv, wv)
		}
	}
}

func rqIDs(t *testing.T, body map[string]any) []int64 {
	t.Helper()
	return pIDs(t, body, "requests")
}

func rqHas(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

func TestRequestsEndUserFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		other := a.addUser(t, "Otto Other", "otto@elsewhere.test", desk.RoleEndUser)

		// Create, with Zendesk's documented body.
		resp, data := a.request(t, a.EndUser, "POST", "/api/v2/requests.json", rqFixture(t, "create_request.json"))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, data)
		}
		var created map[string]any
		if err := json.Unmarshal(data, &created); err != nil {
			t.Fatal(err)
		}
		rq := pObj(t, created, "request")
		rqSameShape(t, "create", rq, pObj(t, rqFixture(t, "show_request_response.json"), "request"))
		id := pID(t, rq)
		if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, fmt.Sprintf("/api/v2/requests/%d.json", id)) || rq["url"] != loc {
			t.Errorf("Location %q, url %v", loc, rq["url"])
		}
		if pNum(rq, "requester_id") != a.EndUser.ID || rq["subject"] != "Help!" || rq["description"] != "My printer is on fire!" ||
			// Unassigned, it cannot be solved by its requester yet (nobody
			// to assign it to), as in Zendesk.
			rq["status"] != "new" || rq["solved"] != false || rq["can_be_solved_by_me"] != false || rq["is_public"] != true {
			t.Errorf("created request %v", rq)
		}

		// Show and list; the other customer sees none of it.
		code, body := a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/requests/%d", id), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		rqSameShape(t, "show", pObj(t, body, "request"), pObj(t, rqFixture(t, "show_request_response.json"), "request"))
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/requests", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		if ids := rqIDs(t, body); len(ids) != 1 || ids[0] != id || pNum(body, "count") != 1 {
			t.Errorf("list %v", body)
		}
		for _, p := range []string{"/api/v2/requests/%d", "/api/v2/requests/%d/comments"} {
			code, body = a.do(t, other, "GET", fmt.Sprintf(p, id), nil)
			pStatus(t, "other customer "+p, code, body, http.StatusNotFound)
		}
		code, body = a.do(t, other, "PUT", fmt.Sprintf("/api/v2/requests/%d", id), rqFixture(t, "update_request.json"))
		pStatus(t, "other customer update", code, body, http.StatusNotFound)
		code, body = a.do(t, other, "GET", "/api/v2/requests", nil)
		pStatus(t, "other list", code, body, http.StatusOK)
		if ids := rqIDs(t, body); len(ids) != 0 {
			t.Errorf("other customer lists %v", ids)
		}

		// An agent answers publicly and adds an internal note.
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), tkBody(map[string]any{
			"assignee_id": a.Agent.ID, "comment": map[string]any{"body": "We are on it", "public": true}}))
		pStatus(t, "agent reply", code, body, http.StatusOK)
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), tkBody(map[string]any{
			"comment": map[string]any{"body": "secret note", "public": false}}))
		pStatus(t, "agent note", code, body, http.StatusOK)

		// The requester sees public comments only, in Zendesk's shape.
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/requests/%d/comments", id), nil)
		pStatus(t, "comments", code, body, http.StatusOK)
		cs := pList(t, body, "comments")
		if len(cs) != 2 || cs[0]["body"] != "My printer is on fire!" || cs[1]["body"] != "We are on it" {
			t.Fatalf("comments %v", cs)
		}
		for _, c := range cs {
			rqSameShape(t, "comment", c, rqFixture(t, "comment_response.json"))
			if pNum(c, "request_id") != id || c["public"] != true {
				t.Errorf("comment %v", c)
			}
		}
		all, _, err := a.srv.Tickets.Comments(desk.SystemContext(t.Context()), id, 0, 10, false)
		if err != nil || len(all) != 3 || all[2].Public {
			t.Fatalf("stored comments %v %v", all, err)
		}
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/requests/%d/comments/%d", id, all[2].ID), nil)
		pStatus(t, "internal note by id", code, body, http.StatusNotFound)
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/requests/%d/comments/%d", id, all[1].ID), nil)
		pStatus(t, "public comment by id", code, body, http.StatusOK)
		if c := pObj(t, body, "comment"); c["body"] != "We are on it" || pNum(c, "request_id") != id {
			t.Errorf("comment %v", c)
		}

		// The requester comments, then solves with Zendesk's documented body.
		code, body = a.do(t, a.EndUser, "PUT", fmt.Sprintf("/api/v2/requests/%d", id), rqFixture(t, "update_request.json"))
		pStatus(t, "comment", code, body, http.StatusOK)
		if rq := pObj(t, body, "request"); rq["status"] != "open" || rq["can_be_solved_by_me"] != true {
			t.Errorf("after comment %v", rq)
		}
		code, body = a.do(t, a.EndUser, "PUT", fmt.Sprintf("/api/v2/requests/%d", id), rqFixture(t, "solve_request.json"))
		pStatus(t, "solve", code, body, http.StatusOK)
		if rq := pObj(t, body, "request"); rq["status"] != "solved" || rq["solved"] != true || rq["can_be_solved_by_me"] != false {
			t.Errorf("after solve %v", rq)
		}
		cs2, _, err := a.srv.Tickets.Comments(desk.SystemContext(t.Context()), id, 0, 10, false)
		if err != nil || len(cs2) != 5 || cs2[3].AuthorID != a.EndUser.ID || !cs2[3].Public || cs2[4].Body != "Thanks, it works now." {
			t.Errorf("comments after update %v %v", cs2, err)
		}

		code, body = a.do(t, a.EndUser, "GET", "/api/v2/requests/solved", nil)
		pStatus(t, "solved", code, body, http.StatusOK)
		if ids := rqIDs(t, body); len(ids) != 1 || ids[0] != id {
			t.Errorf("solved list %v", ids)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/requests?status=new,open", nil)
		pStatus(t, "status filter", code, body, http.StatusOK)
		if ids := rqIDs(t, body); len(ids) != 0 {
			t.Errorf("status=new,open lists %v", ids)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/requests?status=solved", nil)
		pStatus(t, "status filter", code, body, http.StatusOK)
		if ids := rqIDs(t, body); len(ids) != 1 {
			t.Errorf("status=solved lists %v", ids)
		}
	})
}

func TestRequestsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.EndUser, "POST", "/api/v2/requests", rqFixture(t, "create_request.json"))
		pStatus(t, "create", code, body, http.StatusCreated)
		id := pID(t, pObj(t, body, "request"))
		before, err := a.srv.Tickets.Get(desk.SystemContext(t.Context()), id)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			method, path string
			body         any
			want         int
		}{
			{"POST", "/api/v2/requests", map[string]any{}, 422},
			{"POST", "/api/v2/requests", map[string]any{"request": map[string]any{"subject": "no comment"}}, 422},
			{"POST", "/api/v2/requests", map[string]any{"request": map[string]any{"comment": map[string]any{"body": "  "}}}, 422},
			{"POST", "/api/v2/requests", map[string]any{"request": map[string]any{"comment": map[string]any{"body": "x"}, "solved": true}}, 422},
			{"POST", "/api/v2/requests", `{"request": `, 400},
			{"POST", "/api/v2/requests", map[string]any{"request": map[string]any{"comment": map[string]any{"body": "x"}, "solved": 7}}, 422},
			{"PUT", fmt.Sprintf("/api/v2/requests/%d", id), map[string]any{"request": map[string]any{}}, 422},
			{"PUT", fmt.Sprintf("/api/v2/requests/%d", id), map[string]any{"request": map[string]any{"subject": "renamed"}}, 403},
			{"PUT", fmt.Sprintf("/api/v2/requests/%d", id), map[string]any{"request": map[string]any{"priority": "urgent", "comment": map[string]any{"body": "x"}}}, 403},
			{"PUT", fmt.Sprintf("/api/v2/requests/%d", id), map[string]any{"request": map[string]any{"comment": map[string]any{"body": "note", "public": false}}}, 403},
			{"PUT", fmt.Sprintf("/api/v2/requests/%d", id), map[string]any{"request": map[string]any{"status": "pending"}}, 403},
			{"PUT", fmt.Sprintf("/api/v2/requests/%d", id), map[string]any{"request": map[string]any{"comment": map[string]any{"body": ""}}}, 422},
			{"PUT", "/api/v2/requests/abc", map[string]any{"request": map[string]any{"comment": map[string]any{"body": "x"}}}, 404},
			{"GET", "/api/v2/requests/99999999", nil, 404},
			{"GET", fmt.Sprintf("/api/v2/requests/%d/comments/abc", id), nil, 404},
			{"GET", "/api/v2/requests?status=bogus", nil, 422},
			{"GET", "/api/v2/requests?sort_by=priority", nil, 422},
			{"GET", "/api/v2/requests?page[after]=bm9wZQ", nil, 400},
			{"GET", "/api/v2/requests?page[before]=" + encodeCursor(1), nil, 400},
			{"GET", "/api/v2/requests/search", nil, 422},
		}
		for _, c := range cases {
			resp, data := a.request(t, a.EndUser, c.method, c.path, c.body)
			if resp.StatusCode != c.want {
				t.Errorf("%s %s %v: %d, want %d; %s", c.method, c.path, c.body, resp.StatusCode, c.want, data)
			}
			var e map[string]any
			if err := json.Unmarshal(data, &e); err != nil || e["error"] == nil {
				t.Errorf("%s %s: error body %s", c.method, c.path, data)
			}
		}
		after, err := a.srv.Tickets.Get(desk.SystemContext(t.Context()), id)
		if err != nil {
			t.Fatal(err)
		}
		if after.Subject != before.Subject || after.Status != before.Status || after.Priority != nil || !after.UpdatedAt.Equal(before.UpdatedAt.Time) {
			t.Errorf("bad input changed the request: %+v", after)
		}
	})
}

func TestRequestsCCdSortPagingSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		other := a.addUser(t, "Otto Other", "otto@elsewhere.test", desk.RoleEndUser)
		var mine []int64
		for i := range 3 {
			code, body := a.do(t, a.EndUser, "POST", "/api/v2/requests", map[string]any{"request": map[string]any{
				"subject": fmt.Sprintf("Mine %d", i), "comment": map[string]any{"body": fmt.Sprintf("quokkaword number %d", i)}}})
			pStatus(t, "create", code, body, http.StatusCreated)
			mine = append(mine, pID(t, pObj(t, body, "request")))
		}
		// Another customer's ticket with the end-user copied on it.
		cc := a.tkCreate(t, a.Agent, map[string]any{"subject": "Copied", "requester_id": other.ID,
			"collaborator_ids": []int64{a.EndUser.ID}, "comment": map[string]any{"body": "quokkaword for both"}})
		ccID := pID(t, cc)
		// And one the end-user may not see at all.
		hidden := pID(t, a.tkCreate(t, a.Agent, map[string]any{"subject": "Hidden", "requester_id": other.ID,
			"comment": map[string]any{"body": "quokkaword hidden"}}))

		code, body := a.do(t, a.EndUser, "GET", "/api/v2/requests/ccd", nil)
		pStatus(t, "ccd", code, body, http.StatusOK)
		if ids := rqIDs(t, body); len(ids) != 1 || ids[0] != ccID {
			t.Errorf("ccd %v, want [%d]", ids, ccID)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/requests", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		if ids := rqIDs(t, body); !reflect.DeepEqual(ids, mine) {
			t.Errorf("list %v, want %v (created_at ascending)", ids, mine)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/requests?sort_by=created_at&sort_order=desc", nil)
		pStatus(t, "list desc", code, body, http.StatusOK)
		if ids := rqIDs(t, body); !reflect.DeepEqual(ids, []int64{mine[2], mine[1], mine[0]}) {
			t.Errorf("desc list %v", ids)
		}
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/requests/%d", ccID), nil)
		pStatus(t, "show copied", code, body, http.StatusOK)

		// Offset pages and cursor pages both reach every request once.
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/requests?per_page=2&page=2", nil)
		pStatus(t, "page 2", code, body, http.StatusOK)
		if ids := rqIDs(t, body); !reflect.DeepEqual(ids, []int64{mine[2]}) || body["next_page"] != nil || body["previous_page"] == nil {
			t.Errorf("page 2 %v", body)
		}
		var got []int64
		next := "/api/v2/requests?page[size]=2"
		for range 5 {
			code, body = a.do(t, a.EndUser, "GET", next, nil)
			pStatus(t, "cursor page", code, body, http.StatusOK)
			got = append(got, rqIDs(t, body)...)
			links, _ := body["links"].(map[string]any)
			meta, _ := body["meta"].(map[string]any)
			n, _ := links["next"].(string)
			if (n != "") != (meta["has_more"] == true) {
				t.Fatalf("links.next %q with has_more %v", n, meta["has_more"])
			}
			if n == "" {
				break
			}
			next = strings.TrimPrefix(n, a.URL)
		}
		if !reflect.DeepEqual(got, mine) {
			t.Errorf("cursor pages %v, want %v", got, mine)
		}

		// Search: the caller's own and copied requests, never another's.
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/requests/search?query=quokkaword", nil)
		pStatus(t, "search", code, body, http.StatusOK)
		ids := rqIDs(t, body)
		for _, id := range append(mine, ccID) {
			if !rqHas(ids, id) {
				t.Errorf("search misses %d: %v", id, ids)
			}
		}
		if rqHas(ids, hidden) {
			t.Errorf("search shows another customer's ticket %d", hidden)
		}
		// Staff act as requesters: the agent has requested nothing.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/requests/search?query=quokkaword", nil)
		pStatus(t, "agent search", code, body, http.StatusOK)
		if ids := rqIDs(t, body); len(ids) != 0 {
			t.Errorf("agent's request search %v", ids)
		}
	})
}

// Staff calling the Requests API are requesters: their own requests, public
// comments only (their colleagues' internal notes stay out), and the
// end-user update rule.
func TestRequestsStaffActAsRequesters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Agent, "POST", "/api/v2/requests", map[string]any{"request": map[string]any{
			"subject": "My laptop", "comment": map[string]any{"body": "It will not boot", "public": false}}})
		pStatus(t, "agent create", code, body, http.StatusCreated)
		rq := pObj(t, body, "request")
		id := pID(t, rq)
		if pNum(rq, "requester_id") != a.Agent.ID {
			t.Errorf("requester %v", rq["requester_id"])
		}
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), tkBody(map[string]any{
			"comment": map[string]any{"body": "admin-only note", "public": false}}))
		pStatus(t, "admin note", code, body, http.StatusOK)

		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/requests/%d/comments", id), nil)
		pStatus(t, "agent comments", code, body, http.StatusOK)
		cs := pList(t, body, "comments")
		if len(cs) != 1 || cs[0]["body"] != "It will not boot" || cs[0]["public"] != true {
			t.Errorf("agent sees %v", cs)
		}
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/requests/%d", id), map[string]any{"request": map[string]any{"priority": "urgent"}})
		pStatus(t, "agent changes priority", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/requests", nil)
		pStatus(t, "agent list", code, body, http.StatusOK)
		if ids := rqIDs(t, body); len(ids) != 1 || ids[0] != id {
			t.Errorf("agent list %v", ids)
		}
		// The admin sees the ticket as staff, but it is not their request.
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/requests/%d", id), nil)
		pStatus(t, "admin show", code, body, http.StatusNotFound)
	})
}
