package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// --- helpers (prefixed tk so they cannot clash with other test files) ----

func tkBody(fields map[string]any) map[string]any { return map[string]any{"ticket": fields} }

// tkCreate creates a ticket as u through the API and returns it.
func (a *testAPI) tkCreate(t *testing.T, u testUser, fields map[string]any) map[string]any {
	t.Helper()
	code, body := a.do(t, u, "POST", "/api/v2/tickets.json", tkBody(fields))
	pStatus(t, "create ticket", code, body, http.StatusCreated)
	return pObj(t, body, "ticket")
}

// tkCreateN creates n tickets requested by the end-user and returns their ids.
func (a *testAPI) tkCreateN(t *testing.T, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		tk := a.tkCreate(t, a.Agent, map[string]any{
			"subject": fmt.Sprintf("Ticket %d", i+1), "requester_id": a.EndUser.ID,
			"comment": map[string]any{"body": fmt.Sprintf("body %d", i+1)},
		})
		ids = append(ids, pID(t, tk))
	}
	return ids
}

// tkRunJobs drives the job queue until it is empty, as the server's runner
// would in the background.
func (a *testAPI) tkRunJobs(t *testing.T) {
	t.Helper()
	for range 1000 {
		found, err := a.srv.Jobs.RunOnce(context.Background())
		if err != nil {
			t.Fatalf("run job: %v", err)
		}
		if !found {
			return
		}
	}
	t.Fatal("job queue never drained")
}

// tkTicketPath is the ticket's path.
func tkTicketPath(id int64, rest string) string { return fmt.Sprintf("/api/v2/tickets/%d%s", id, rest) }

func tkEvents(t *testing.T, audit map[string]any) []map[string]any { return pList(t, audit, "events") }

func tkHasEvent(events []map[string]any, typ, field string, value any) bool {
	for _, e := range events {
		if e["type"] == typ && (field == "" || e["field_name"] == field) && (value == nil || fmt.Sprint(e["value"]) == fmt.Sprint(value)) {
			return true
		}
	}
	return false
}

func tkReversed(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

func tkJSON(t *testing.T, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
}

func tkStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// --- create, show, update -------------------------------------------------

func TestTicketCreateShowUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)

		resp, raw := a.request(t, a.Agent, "POST", "/api/v2/tickets", tkBody(map[string]any{
			"subject": "  Printer on fire  ", "requester_id": a.EndUser.ID, "priority": "high", "type": "incident",
			"tags": []string{"Printer", "urgent"}, "external_id": "ext-1",
			"comment": map[string]any{"body": "It is really on fire."},
		}))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, raw)
		}
		var created map[string]any
		tkJSON(t, raw, &created)
		tk, audit := pObj(t, created, "ticket"), pObj(t, created, "audit")
		id := pID(t, tk)
		wantURL := fmt.Sprintf("%s/api/v2/tickets/%d.json", a.URL, id)
		if loc := resp.Header.Get("Location"); loc != wantURL {
			t.Errorf("Location = %q, want %q", loc, wantURL)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
		}
		if tk["url"] != wantURL || tk["subject"] != "Printer on fire" || tk["raw_subject"] != "Printer on fire" ||
			tk["description"] != "It is really on fire." || tk["status"] != "new" || tk["priority"] != "high" ||
			tk["type"] != "incident" || tk["external_id"] != "ext-1" || pNum(tk, "requester_id") != a.EndUser.ID ||
			pNum(tk, "submitter_id") != a.Agent.ID || tk["assignee_id"] != nil || tk["is_public"] != true {
			t.Errorf("created ticket = %v", tk)
		}
		if tags := tkStrings(tk["tags"]); !slices.Equal(tags, []string{"printer", "urgent"}) {
			t.Errorf("tags = %v", tags)
		}
		if via := tk["via"].(map[string]any); via["channel"] != "api" {
			t.Errorf("via = %v", via)
		}
		if pNum(audit, "ticket_id") != id || pNum(audit, "author_id") != a.Agent.ID {
			t.Errorf("audit = %v", audit)
		}
		evs := tkEvents(t, audit)
		if !tkHasEvent(evs, "Create", "subject", "Printer on fire") || !tkHasEvent(evs, "Create", "status", "new") ||
			!tkHasEvent(evs, "Comment", "", nil) {
			t.Errorf("audit events = %v", evs)
		}

		// Show, with and without the .json suffix; end-user sees their own.
		for _, u := range []testUser{a.Agent, a.Admin, a.EndUser} {
			for _, path := range []string{tkTicketPath(id, ""), tkTicketPath(id, ".json")} {
				code, body := a.do(t, u, "GET", path, nil)
				pStatus(t, "show "+path, code, body, http.StatusOK)
				if got := pObj(t, body, "ticket"); pID(t, got) != id || got["url"] != wantURL || got["subject"] != "Printer on fire" {
					t.Errorf("show %s as %s = %v", path, u.Email, got)
				}
			}
		}

		// An end-user raising their own ticket is its requester and submitter.
		own := a.tkCreate(t, a.EndUser, map[string]any{"subject": "Help", "comment": map[string]any{"body": "please"}})
		if pNum(own, "requester_id") != a.EndUser.ID || pNum(own, "submitter_id") != a.EndUser.ID || own["status"] != "new" {
			t.Errorf("end-user ticket = %v", own)
		}
		// A ticket without a subject takes the first line of its description.
		nosubj := a.tkCreate(t, a.Agent, map[string]any{"comment": map[string]any{"body": "First line\nsecond line"}})
		if nosubj["subject"] != "First line" {
			t.Errorf("subject from description = %v", nosubj["subject"])
		}

		// An agent's public reply opens a new ticket.
		code, body := a.do(t, a.Agent, "PUT", tkTicketPath(id, ".json"), tkBody(map[string]any{
			"comment": map[string]any{"body": "We are on it.", "public": true},
		}))
		pStatus(t, "reply", code, body, http.StatusOK)
		upd := pObj(t, body, "ticket")
		if upd["status"] != "open" || upd["url"] != wantURL {
			t.Errorf("after agent reply: %v", upd)
		}
		evs = tkEvents(t, pObj(t, body, "audit"))
		if !tkHasEvent(evs, "Change", "status", "open") || !tkHasEvent(evs, "Comment", "", nil) {
			t.Errorf("reply audit events = %v", evs)
		}
		for _, e := range evs {
			if e["type"] == "Change" && e["field_name"] == "status" && e["previous_value"] != "new" {
				t.Errorf("status change previous_value = %v", e["previous_value"])
			}
		}

		// Field changes: assignee, group, priority; tags replaced.
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{
			"assignee_id": a.Agent.ID, "group_id": a.SupportGroupID, "priority": "urgent", "tags": []string{"replaced"},
		}))
		pStatus(t, "update fields", code, body, http.StatusOK)
		upd = pObj(t, body, "ticket")
		if pNum(upd, "assignee_id") != a.Agent.ID || pNum(upd, "group_id") != a.SupportGroupID || upd["priority"] != "urgent" ||
			!slices.Equal(tkStrings(upd["tags"]), []string{"replaced"}) {
			t.Errorf("updated ticket = %v", upd)
		}
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, ""), nil)
		pStatus(t, "show after update", code, body, http.StatusOK)
		if got := pObj(t, body, "ticket"); got["priority"] != "urgent" || got["status"] != "open" || got["updated_at"] != upd["updated_at"] {
			t.Errorf("stored ticket = %v", got)
		}

		// safe_update with a stale stamp is a conflict and changes nothing.
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{
			"priority": "low", "safe_update": true, "updated_stamp": "2001-01-01T00:00:00Z",
		}))
		pStatus(t, "stale safe_update", code, body, http.StatusConflict)
		// A fresh stamp (the updated_at the API returned) should be accepted,
		// but the service compares it with microsecond precision while
		// timestamps are shown in whole seconds (reported; not asserted).

		// The requester writes back to a pending ticket: it reopens.
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"status": "pending"}))
		pStatus(t, "pending", code, body, http.StatusOK)
		code, body = a.do(t, a.EndUser, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"comment": map[string]any{"body": "still burning"}}))
		pStatus(t, "requester reply", code, body, http.StatusOK)
		if got := pObj(t, body, "ticket"); got["status"] != "open" {
			t.Errorf("after requester reply status = %v", got["status"])
		}
		// End-users cannot change ticket properties.
		code, body = a.do(t, a.EndUser, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"priority": "low"}))
		pStatus(t, "end-user changes priority", code, body, http.StatusForbidden)

		// Unknown tickets.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets/999999", nil)
		pNotFound(t, "show unknown", code, body)
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/tickets/999999", tkBody(map[string]any{"priority": "low"}))
		pNotFound(t, "update unknown", code, body)

		// Counting.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets/count.json", nil)
		pStatus(t, "count", code, body, http.StatusOK)
		if c := pObj(t, body, "count"); pNum(c, "value") != 3 {
			t.Errorf("count = %v", c)
		}
	})
}

// --- lists and paging -----------------------------------------------------

func TestTicketListOffsetPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		want := a.tkCreateN(t, 7)

		var got []int64
		path := "/api/v2/tickets.json?per_page=3"
		for page := 1; ; page++ {
			if page > 10 {
				t.Fatal("next_page never ends")
			}
			code, body := a.do(t, a.Agent, "GET", path, nil)
			pStatus(t, path, code, body, http.StatusOK)
			if pNum(body, "count") != 7 {
				t.Errorf("page %d count = %v", page, body["count"])
			}
			ids := pIDs(t, body, "tickets")
			got = append(got, ids...)
			wantLen := map[int]int{1: 3, 2: 3, 3: 1}[page]
			if len(ids) != wantLen {
				t.Errorf("page %d has %d tickets, want %d", page, len(ids), wantLen)
			}
			for _, tk := range pList(t, body, "tickets") {
				if tk["url"] != fmt.Sprintf("%s/api/v2/tickets/%d.json", a.URL, pID(t, tk)) {
					t.Errorf("ticket url = %v", tk["url"])
				}
			}
			prev := body["previous_page"]
			if page == 1 && prev != nil {
				t.Errorf("page 1 previous_page = %v", prev)
			}
			if page > 1 {
				u, err := url.Parse(a.URL + a.pPath(t, prev))
				if err != nil || u.Path != "/api/v2/tickets.json" || u.Query().Get("page") != fmt.Sprint(page-1) || u.Query().Get("per_page") != "3" {
					t.Errorf("page %d previous_page = %v", page, prev)
				}
			}
			next := body["next_page"]
			if next == nil {
				if page != 3 {
					t.Errorf("next_page is null on page %d", page)
				}
				break
			}
			path = a.pPath(t, next)
			u, _ := url.Parse(path)
			if u.Path != "/api/v2/tickets.json" || u.Query().Get("page") != fmt.Sprint(page+1) || u.Query().Get("per_page") != "3" {
				t.Errorf("next_page = %v", next)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("walked %v, want %v", got, want)
		}

		// Sorting.
		code, body := a.do(t, a.Agent, "GET", "/api/v2/tickets?sort=-id", nil)
		pStatus(t, "sort=-id", code, body, http.StatusOK)
		if ids := pIDs(t, body, "tickets"); !slices.Equal(ids, tkReversed(want)) {
			t.Errorf("sort=-id = %v", ids)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets?sort_by=id&sort_order=desc&per_page=2", nil)
		pStatus(t, "sort_by", code, body, http.StatusOK)
		if ids := pIDs(t, body, "tickets"); !slices.Equal(ids, []int64{want[6], want[5]}) {
			t.Errorf("sort_by=id desc = %v", ids)
		}
		// A page past the end is empty, not an error.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets?page=9&per_page=3", nil)
		pStatus(t, "past the end", code, body, http.StatusOK)
		if len(pList(t, body, "tickets")) != 0 || body["next_page"] != nil || pNum(body, "count") != 7 {
			t.Errorf("past the end = %v", body)
		}
		// Zendesk refuses offset paging beyond the first 10,000 records.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets?page=101&per_page=100", nil)
		pStatus(t, "too deep", code, body, http.StatusBadRequest)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets?page=100&per_page=100", nil)
		pStatus(t, "deepest allowed", code, body, http.StatusOK)

		// The end-user's own list, and the requester's list.
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/tickets", nil)
		pStatus(t, "end-user list", code, body, http.StatusOK)
		if ids := pIDs(t, body, "tickets"); !slices.Equal(ids, want) {
			t.Errorf("end-user list = %v", ids)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/tickets/requested.json", a.EndUser.ID), nil)
		pStatus(t, "requested", code, body, http.StatusOK)
		if pNum(body, "count") != 7 {
			t.Errorf("requested count = %v", body["count"])
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/tickets/requested.json", a.Agent.ID), nil)
		pStatus(t, "requested by agent", code, body, http.StatusOK)
		if pNum(body, "count") != 0 {
			t.Errorf("agent requested count = %v", body["count"])
		}
	})
}

func TestTicketListCursorPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		want := a.tkCreateN(t, 7)

		for _, tc := range []struct {
			name  string
			path  string
			size  int
			order []int64
		}{
			{"ascending by 3", "/api/v2/tickets.json?page[size]=3", 3, want},
			{"descending by 3", "/api/v2/tickets.json?page[size]=3&sort=-id", 3, tkReversed(want)},
			{"by 1", "/api/v2/tickets?page%5Bsize%5D=1", 1, want},
			{"exact multiple", "/api/v2/tickets?page[size]=7", 7, want},
			{"one big page", "/api/v2/tickets?page[size]=100", 100, want},
			{"size clamped", "/api/v2/tickets?page[size]=5000", 100, want},
		} {
			t.Run(tc.name, func(t *testing.T) {
				seen := map[int64]int{}
				var got []int64
				path := tc.path
				var pages []map[string]any
				for range 20 {
					code, body := a.do(t, a.Agent, "GET", path, nil)
					pStatus(t, path, code, body, http.StatusOK)
					pages = append(pages, body)
					ids := pIDs(t, body, "tickets")
					if len(ids) > tc.size {
						t.Fatalf("page of %d, size %d", len(ids), tc.size)
					}
					for _, id := range ids {
						seen[id]++
					}
					got = append(got, ids...)
					if _, ok := body["count"]; ok {
						t.Errorf("cursor page has offset key count: %v", body)
					}
					meta, links := pObj(t, body, "meta"), pObj(t, body, "links")
					if _, ok := links["prev"]; !ok {
						t.Errorf("links has no prev key: %v", links)
					}
					if len(ids) > 0 && meta["after_cursor"] == nil {
						t.Errorf("after_cursor missing: %v", meta)
					}
					if meta["has_more"] != true {
						if links["next"] != nil {
							t.Fatalf("links.next = %v on the last page (node-zendesk would loop)", links["next"])
						}
						break
					}
					next := a.pPath(t, links["next"])
					u, err := url.Parse(next)
					if err != nil || u.Query().Get("page[after]") != meta["after_cursor"] || u.Query().Get("page[size]") != fmt.Sprint(tc.size) {
						t.Fatalf("links.next = %v, meta = %v", links["next"], meta)
					}
					if strings.Contains(tc.path, "sort=-id") && u.Query().Get("sort") != "-id" {
						t.Errorf("links.next lost the sort: %v", next)
					}
					path = next
				}
				if !slices.Equal(got, tc.order) {
					t.Errorf("walked %v, want %v", got, tc.order)
				}
				for _, id := range want {
					if seen[id] != 1 {
						t.Errorf("ticket %d seen %d times", id, seen[id])
					}
				}
				if first := pages[0]; pObj(t, first, "links")["prev"] != nil {
					t.Errorf("first page links.prev = %v", pObj(t, first, "links")["prev"])
				}
				// From the second page, links.prev leads back to the first.
				if len(pages) > 1 {
					prev := pObj(t, pages[1], "links")["prev"]
					code, body := a.do(t, a.Agent, "GET", a.pPath(t, prev), nil)
					pStatus(t, "prev", code, body, http.StatusOK)
					if ids := pIDs(t, body, "tickets"); !slices.Equal(ids, pIDs(t, pages[0], "tickets")) {
						t.Errorf("prev page = %v, want %v", ids, pIDs(t, pages[0], "tickets"))
					}
				}
			})
		}

		// Deleting a ticket between pages does not disturb the walk.
		code, body := a.do(t, a.Agent, "GET", "/api/v2/tickets?page[size]=3", nil)
		pStatus(t, "page 1", code, body, http.StatusOK)
		code, _ = a.do(t, a.Agent, "DELETE", tkTicketPath(want[3], ""), nil)
		pStatus(t, "delete", code, nil, http.StatusNoContent)
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, pObj(t, body, "links")["next"]), nil)
		pStatus(t, "page 2", code, body, http.StatusOK)
		if ids := pIDs(t, body, "tickets"); !slices.Equal(ids, []int64{want[4], want[5], want[6]}) {
			t.Errorf("page 2 after delete = %v", ids)
		}
		// Cursor paging sorts by id only.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets?page[size]=3&sort=updated_at", nil)
		pStatus(t, "cursor with sort", code, body, http.StatusBadRequest)
		// An empty list.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets?page[size]=3&page[after]="+encodeCursor(want[3]), nil)
		pStatus(t, "empty cursor page", code, body, http.StatusOK)
		if meta := pObj(t, body, "meta"); meta["has_more"] != false || pObj(t, body, "links")["next"] != nil || len(pList(t, body, "deleted_tickets")) != 0 {
			t.Errorf("empty cursor page = %v", body)
		}
	})
}

func TestTicketShowMany(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		ids := a.tkCreateN(t, 3)
		other := a.addUser(t, "Olga Other", "olga@other.test", desk.RoleEndUser)
		olgas := a.tkCreate(t, other, map[string]any{"subject": "Olga's", "comment": map[string]any{"body": "mine"}})

		path := fmt.Sprintf("/api/v2/tickets/show_many.json?ids=%d,%d,999999,%d", ids[2], ids[0], pID(t, olgas))
		code, body := a.do(t, a.Agent, "GET", path, nil)
		pStatus(t, "show_many", code, body, http.StatusOK)
		if got := pIDs(t, body, "tickets"); !slices.Equal(got, []int64{ids[0], ids[2], pID(t, olgas)}) || pNum(body, "count") != 3 {
			t.Errorf("show_many = %v", body)
		}
		// End-users only get the tickets they may see.
		code, body = a.do(t, a.EndUser, "GET", path, nil)
		pStatus(t, "show_many end-user", code, body, http.StatusOK)
		if got := pIDs(t, body, "tickets"); !slices.Equal(got, []int64{ids[0], ids[2]}) {
			t.Errorf("end-user show_many = %v", got)
		}

		many := make([]string, 101)
		for i := range many {
			many[i] = fmt.Sprint(i + 1)
		}
		for _, tc := range []struct {
			query, errName string
		}{
			{"ids=" + strings.Join(many, ","), "TooManyValues"},
			{"ids=", "InvalidParameter"},
			{"", "InvalidParameter"},
			{"ids=1,x", "InvalidParameter"},
			{"ids=-1", "InvalidParameter"},
		} {
			code, body := a.do(t, a.Agent, "GET", "/api/v2/tickets/show_many?"+tc.query, nil)
			pStatus(t, "show_many "+tc.query[:min(len(tc.query), 20)], code, body, http.StatusBadRequest)
			if body["error"] != tc.errName || body["description"] == "" {
				t.Errorf("show_many %q error = %v", tc.query[:min(len(tc.query), 20)], body)
			}
		}
		// Exactly 100 ids is fine.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets/show_many?ids="+strings.Join(many[:100], ","), nil)
		pStatus(t, "show_many 100", code, body, http.StatusOK)
		if pNum(body, "count") != 4 {
			t.Errorf("show_many of 100 ids = %v", body["count"])
		}
	})
}

func TestTicketSideloads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "Acme"}})
		pStatus(t, "create org", code, body, http.StatusCreated)
		orgID := pID(t, pObj(t, body, "organization"))
		a.omCreate(t, a.EndUser.ID, orgID) // a ticket's organization is one of its requester's

		tk := a.tkCreate(t, a.Agent, map[string]any{
			"subject": "With everything", "requester_id": a.EndUser.ID, "assignee_id": a.Agent.ID,
			"group_id": a.SupportGroupID, "organization_id": orgID, "comment": map[string]any{"body": "x"},
		})
		plain := a.tkCreate(t, a.Agent, map[string]any{"subject": "Plain", "comment": map[string]any{"body": "y"}})
		id := pID(t, tk)

		check := func(what string, body map[string]any, wantUsers []int64, wantGroups, wantOrgs []int64) {
			t.Helper()
			if got := pIDs(t, body, "users"); !slices.Equal(got, wantUsers) {
				t.Errorf("%s: users = %v, want %v", what, got, wantUsers)
			}
			if got := pIDs(t, body, "groups"); !slices.Equal(got, wantGroups) {
				t.Errorf("%s: groups = %v, want %v", what, got, wantGroups)
			}
			if got := pIDs(t, body, "organizations"); !slices.Equal(got, wantOrgs) {
				t.Errorf("%s: organizations = %v, want %v", what, got, wantOrgs)
			}
			for _, u := range pList(t, body, "users") {
				if u["url"] != fmt.Sprintf("%s/api/v2/users/%d.json", a.URL, pID(t, u)) {
					t.Errorf("%s: sideloaded user url = %v", what, u["url"])
				}
			}
		}
		users := []int64{a.Agent.ID, a.EndUser.ID}
		slices.Sort(users)

		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, ".json?include=users,groups,organizations"), nil)
		pStatus(t, "show include", code, body, http.StatusOK)
		check("show", body, users, []int64{a.SupportGroupID}, []int64{orgID})

		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets.json?include=users%2C%20groups,organizations", nil)
		pStatus(t, "list include", code, body, http.StatusOK)
		check("list", body, users, []int64{a.SupportGroupID}, []int64{orgID})

		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/show_many?ids=%d&include=users,groups,organizations", pID(t, plain)), nil)
		pStatus(t, "show_many include", code, body, http.StatusOK)
		check("plain", body, []int64{a.Agent.ID}, nil, nil)

		// Without include there are no sideloads; an unknown one is a 400.
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, ""), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		if _, ok := body["users"]; ok {
			t.Errorf("users sideloaded without include: %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, "?include=secrets"), nil)
		pStatus(t, "unknown include", code, body, http.StatusBadRequest)
	})
}

// --- conversation -----------------------------------------------------------

func TestTicketCommentsAndAudits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		id := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Q", "comment": map[string]any{"body": "question"}}))

		code, body := a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{
			"comment": map[string]any{"body": "internal: customer is VIP", "public": false},
		}))
		pStatus(t, "internal note", code, body, http.StatusOK)
		if got := pObj(t, body, "ticket"); got["status"] != "open" {
			t.Errorf("status after internal note = %v", got["status"])
		}
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{
			"comment": map[string]any{"html_body": "<p>Public <b>answer</b></p>"},
		}))
		pStatus(t, "public reply", code, body, http.StatusOK)

		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, "/comments.json"), nil)
		pStatus(t, "agent comments", code, body, http.StatusOK)
		cs := pList(t, body, "comments")
		if len(cs) != 3 || cs[0]["body"] != "question" || cs[1]["public"] != false || cs[2]["public"] != true ||
			pNum(cs[0], "author_id") != a.EndUser.ID || pNum(cs[1], "author_id") != a.Agent.ID || cs[0]["type"] != "Comment" {
			t.Fatalf("agent sees comments %v", cs)
		}
		if cs[2]["plain_body"] != "Public answer" || !strings.Contains(cs[2]["html_body"].(string), "<b>answer</b>") {
			t.Errorf("html comment = %v", cs[2])
		}

		code, body = a.do(t, a.EndUser, "GET", tkTicketPath(id, "/comments"), nil)
		pStatus(t, "end-user comments", code, body, http.StatusOK)
		cs = pList(t, body, "comments")
		if len(cs) != 2 {
			t.Fatalf("end-user sees %d comments: %v", len(cs), cs)
		}
		for _, c := range cs {
			if c["public"] != true || strings.Contains(fmt.Sprint(c), "VIP") {
				t.Errorf("end-user sees internal note: %v", c)
			}
		}
		// Newest first, and cursor paging over comments.
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, "/comments?sort_order=desc"), nil)
		pStatus(t, "comments desc", code, body, http.StatusOK)
		if cs := pList(t, body, "comments"); cs[0]["public"] != true || cs[2]["body"] != "question" {
			t.Errorf("comments desc = %v", cs)
		}
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, "/comments?page[size]=2"), nil)
		pStatus(t, "comments cursor", code, body, http.StatusOK)
		if len(pList(t, body, "comments")) != 2 || pObj(t, body, "meta")["has_more"] != true {
			t.Fatalf("comments page 1 = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, pObj(t, body, "links")["next"]), nil)
		pStatus(t, "comments page 2", code, body, http.StatusOK)
		if len(pList(t, body, "comments")) != 1 || pObj(t, body, "meta")["has_more"] != false || pObj(t, body, "links")["next"] != nil {
			t.Errorf("comments page 2 = %v", body)
		}

		// Audits: staff only.
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, "/audits.json"), nil)
		pStatus(t, "audits", code, body, http.StatusOK)
		audits := pList(t, body, "audits")
		if len(audits) != 3 || pNum(audits[0], "ticket_id") != id || !tkHasEvent(tkEvents(t, audits[0]), "Create", "status", "new") {
			t.Errorf("audits = %v", audits)
		}
		if !tkHasEvent(tkEvents(t, audits[1]), "Change", "status", "open") {
			t.Errorf("second audit = %v", audits[1])
		}
		code, body = a.do(t, a.EndUser, "GET", tkTicketPath(id, "/audits"), nil)
		pStatus(t, "end-user audits", code, body, http.StatusForbidden)
		if body["error"] != "Forbidden" {
			t.Errorf("end-user audits = %v", body)
		}
		// End-users cannot add internal notes.
		code, body = a.do(t, a.EndUser, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"comment": map[string]any{"body": "psst", "public": false}}))
		pStatus(t, "end-user internal note", code, body, http.StatusForbidden)

		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets/999999/comments", nil)
		pNotFound(t, "comments of unknown", code, body)
	})
}

// TestTicketLongConversation pages through more comments and audits than
// fit on one page, following next_page as URL-following clients do.
func TestTicketLongConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		id := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Chatty", "comment": map[string]any{"body": "c0"}}))
		ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: a.Agent.ID, Role: desk.RoleAgent, Email: a.Agent.Email})
		for i := 1; i <= 104; i++ {
			if _, _, err := a.srv.Tickets.Update(ctx, id, ticket.Input{Comment: &ticket.CommentInput{Body: fmt.Sprintf("c%d", i)}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct{ path, key string }{
			{tkTicketPath(id, "/comments.json"), "comments"},
			{tkTicketPath(id, "/comments?per_page=30"), "comments"},
			{tkTicketPath(id, "/comments?page[size]=50"), "comments"},
			{tkTicketPath(id, "/audits.json"), "audits"},
			{tkTicketPath(id, "/audits?page[size]=40"), "audits"},
		} {
			seen := map[int64]bool{}
			path := tc.path
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatalf("%s: paging never ends", tc.path)
				}
				code, body := a.do(t, a.Agent, "GET", path, nil)
				pStatus(t, path, code, body, http.StatusOK)
				for _, id := range pIDs(t, body, tc.key) {
					if seen[id] {
						t.Fatalf("%s: %s %d seen twice", tc.path, tc.key, id)
					}
					seen[id] = true
				}
				next := body["next_page"]
				if links, ok := body["links"].(map[string]any); ok {
					next = links["next"]
					if pObj(t, body, "meta")["has_more"] != (next != nil) {
						t.Errorf("%s: has_more %v with links.next %v", tc.path, pObj(t, body, "meta")["has_more"], next)
					}
				}
				if next == nil {
					break
				}
				path = a.pPath(t, next)
			}
			if len(seen) != 105 {
				t.Errorf("%s: walked %d %s, want 105", tc.path, len(seen), tc.key)
			}
		}
		// Offset page numbers beyond the first are refused rather than
		// answered with the first page again.
		for _, path := range []string{tkTicketPath(id, "/comments?page=2"), tkTicketPath(id, "/audits?page=2"), tkTicketPath(id, "/audits?page[before]="+encodeCursor(50))} {
			code, body := a.do(t, a.Agent, "GET", path, nil)
			pStatus(t, path, code, body, http.StatusBadRequest)
		}
	})
}

func TestTicketMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		target := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Target", "comment": map[string]any{"body": "target body"}}))
		source := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Source", "comment": map[string]any{"body": "source body"}}))

		code, body := a.do(t, a.EndUser, "POST", tkTicketPath(target, "/merge"), map[string]any{"ids": []int64{source}})
		pStatus(t, "end-user merge", code, body, http.StatusForbidden)

		code, body = a.do(t, a.Agent, "POST", tkTicketPath(target, "/merge.json"), map[string]any{
			"ids": []int64{source}, "target_comment": "Merged the duplicate.", "source_comment": "Closed as duplicate.",
		})
		pStatus(t, "merge", code, body, http.StatusOK)
		if js := pObj(t, body, "job_status"); js["status"] != "completed" {
			t.Errorf("merge job_status = %v", js)
		}

		code, body = a.do(t, a.Agent, "GET", tkTicketPath(source, ""), nil)
		pStatus(t, "source", code, body, http.StatusOK)
		if st := pObj(t, body, "ticket")["status"]; st != "closed" {
			t.Errorf("source status = %v", st)
		}
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(target, "/comments"), nil)
		pStatus(t, "target comments", code, body, http.StatusOK)
		var bodies []string
		for _, c := range pList(t, body, "comments") {
			bodies = append(bodies, c["body"].(string))
		}
		if !slices.Contains(bodies, "source body") || !slices.Contains(bodies, "Merged the duplicate.") || !slices.Contains(bodies, "target body") {
			t.Errorf("target comments = %q", bodies)
		}
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(source, "/comments"), nil)
		pStatus(t, "source comments", code, body, http.StatusOK)
		if cs := pList(t, body, "comments"); cs[len(cs)-1]["body"] != "Closed as duplicate." {
			t.Errorf("source comments = %v", cs)
		}

		// Closed tickets cannot be merged again; a ticket not into itself.
		code, body = a.do(t, a.Agent, "POST", tkTicketPath(target, "/merge"), map[string]any{"ids": []int64{source}})
		pInvalid(t, "merge closed", code, body, "ids")
		code, body = a.do(t, a.Agent, "POST", tkTicketPath(target, "/merge"), map[string]any{"ids": []int64{target}})
		pInvalid(t, "merge into itself", code, body, "ids")
		code, body = a.do(t, a.Agent, "POST", tkTicketPath(target, "/merge"), map[string]any{"ids": []int64{}})
		pInvalid(t, "merge nothing", code, body, "ids")
		code, body = a.do(t, a.Agent, "POST", "/api/v2/tickets/999999/merge", map[string]any{"ids": []int64{target}})
		pNotFound(t, "merge into unknown", code, body)
	})
}

// TestMergeCommentsKeepCallerRights: an agent whose role may merge but not
// write public comments cannot publish text to the customer through a
// merge: its target_comment and source_comment become internal notes.
func TestMergeCommentsKeepCallerRights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		r, err := a.srv.People.CreateCustomRole(sys, people.CustomRoleInput{Name: ptrTo("Merger"),
			Configuration: map[string]json.RawMessage{"ticket_access": json.RawMessage(`"all"`), "merge_tickets": json.RawMessage(`true`)}})
		if err != nil {
			t.Fatal(err)
		}
		merger := a.addUser(t, "Mia Merger", "merger@example.com", desk.RoleAgent)
		if _, err := a.srv.People.UpdateUser(sys, merger.ID, people.UserInput{CustomRoleID: &r.ID}); err != nil {
			t.Fatal(err)
		}
		target := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Target", "comment": map[string]any{"body": "target body"}}))
		source := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Source", "comment": map[string]any{"body": "source body"}}))
		code, body := a.do(t, merger, "POST", tkTicketPath(target, "/merge"), map[string]any{
			"ids": []int64{source}, "target_comment": "Text for the customer", "target_comment_is_public": true,
			"source_comment": "Text on the source", "source_comment_is_public": true,
		})
		pStatus(t, "merge", code, body, http.StatusOK)
		for id, text := range map[int64]string{target: "Text for the customer", source: "Text on the source"} {
			code, body = a.do(t, a.Admin, "GET", tkTicketPath(id, "/comments"), nil)
			pStatus(t, "comments as admin", code, body, http.StatusOK)
			found := false
			for _, c := range pList(t, body, "comments") {
				if c["body"] == text {
					found = true
					if c["public"] != false {
						t.Errorf("ticket %d: merge text %q is public", id, text)
					}
				}
			}
			if !found {
				t.Errorf("ticket %d: merge text %q missing", id, text)
			}
			code, body = a.do(t, a.EndUser, "GET", tkTicketPath(id, "/comments"), nil)
			pStatus(t, "comments as requester", code, body, http.StatusOK)
			for _, c := range pList(t, body, "comments") {
				if c["body"] == text {
					t.Errorf("ticket %d: the requester reads %q", id, text)
				}
			}
		}
	})
}

func TestTicketTags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		id := pID(t, a.tkCreate(t, a.Agent, map[string]any{"subject": "Tagged", "tags": []string{"a"}, "comment": map[string]any{"body": "x"}}))

		for _, tc := range []struct {
			method string
			tags   []string
			want   []string
		}{
			{"GET", nil, []string{"a"}},
			{"PUT", []string{"B", "c"}, []string{"a", "b", "c"}},
			// POST sets (replaces) the tags, as Zendesk's does.
			{"POST", []string{"d e", "A"}, []string{"d", "e", "a"}},
			{"PUT", []string{"a", "b", "c"}, []string{"d", "e", "a", "b", "c"}},
			{"DELETE", []string{"a", "d", "zz"}, []string{"e", "b", "c"}},
			{"GET", nil, []string{"e", "b", "c"}},
		} {
			var reqBody any
			if tc.tags != nil {
				reqBody = map[string]any{"tags": tc.tags}
			}
			code, body := a.do(t, a.Agent, tc.method, tkTicketPath(id, "/tags.json"), reqBody)
			pStatus(t, tc.method+" tags", code, body, http.StatusOK)
			if got := tkStrings(body["tags"]); !slices.Equal(got, tc.want) {
				t.Errorf("%s %v: tags = %v, want %v", tc.method, tc.tags, got, tc.want)
			}
		}
		code, body := a.do(t, a.Agent, "GET", tkTicketPath(id, ""), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		tk := pObj(t, body, "ticket")
		if got := tkStrings(tk["tags"]); !slices.Equal(got, []string{"e", "b", "c"}) {
			t.Errorf("ticket tags = %v", got)
		}

		// safe_update: a stale stamp is a conflict on every verb and changes
		// nothing; the stamp the API returned is accepted (Zendesk's example
		// sends safe_update as a string).
		for _, m := range []string{"POST", "PUT", "DELETE"} {
			code, body = a.do(t, a.Agent, m, tkTicketPath(id, "/tags.json"),
				map[string]any{"tags": []string{"b"}, "safe_update": "true", "updated_stamp": "2001-01-01T00:00:00Z"})
			pStatus(t, m+" stale safe_update", code, body, http.StatusConflict)
		}
		code, body = a.do(t, a.Agent, "POST", tkTicketPath(id, "/tags.json"),
			map[string]any{"tags": []string{"fresh"}, "safe_update": true, "updated_stamp": tk["updated_at"]})
		pStatus(t, "fresh safe_update", code, body, http.StatusOK)
		if got := tkStrings(body["tags"]); !slices.Equal(got, []string{"fresh"}) {
			t.Errorf("fresh safe_update tags = %v", got)
		}
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, "/tags.json"), map[string]any{"tags": []string{"x"}, "safe_update": "maybe"})
		pInvalid(t, "bad safe_update", code, body, "safe_update")
		// POST with an empty list clears the tags; the earlier ones return.
		code, body = a.do(t, a.Agent, "POST", tkTicketPath(id, "/tags.json"), map[string]any{"tags": []string{}})
		pStatus(t, "clear tags", code, body, http.StatusOK)
		if got := tkStrings(body["tags"]); len(got) != 0 {
			t.Errorf("cleared tags = %v", got)
		}
		a.do(t, a.Agent, "POST", tkTicketPath(id, "/tags.json"), map[string]any{"tags": []string{"b", "c", "e"}})
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tags", nil)
		pStatus(t, "tags list", code, body, http.StatusOK)
		if n := len(pList(t, body, "tags")); n != 3 {
			t.Errorf("tags list = %v", body)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/tags", nil)
		pStatus(t, "end-user tags list", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, "/tags"), map[string]any{"tags": []string{"bad,tag"}})
		pInvalid(t, "bad tag", code, body, "tags")
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets/999999/tags", nil)
		pNotFound(t, "tags of unknown", code, body)
	})
}

func TestTicketDeleteRestoreDestroy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		ids := a.tkCreateN(t, 2)
		id := ids[0]

		code, body := a.do(t, a.EndUser, "DELETE", tkTicketPath(id, ""), nil)
		pStatus(t, "end-user delete", code, body, http.StatusForbidden)

		resp, raw := a.request(t, a.Agent, "DELETE", tkTicketPath(id, ".json"), nil)
		if resp.StatusCode != http.StatusNoContent || len(raw) != 0 {
			t.Fatalf("delete: %d %q", resp.StatusCode, raw)
		}
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, ""), nil)
		pNotFound(t, "show deleted", code, body)
		code, body = a.do(t, a.Agent, "DELETE", tkTicketPath(id, ""), nil)
		pNotFound(t, "delete again", code, body)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		if got := pIDs(t, body, "tickets"); !slices.Equal(got, ids[1:]) {
			t.Errorf("list after delete = %v", got)
		}

		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets.json", nil)
		pStatus(t, "deleted list", code, body, http.StatusOK)
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, []int64{id}) || pNum(body, "count") != 1 {
			t.Errorf("deleted list = %v", body)
		}
		// Zendesk's own shape for deleted tickets: who deleted it, when,
		// and the status it had.
		dt := pList(t, body, "deleted_tickets")[0]
		actor, _ := dt["actor"].(map[string]any)
		if dt["subject"] != "Ticket 1" || dt["previous_state"] != "new" || dt["deleted_at"] == nil ||
			actor == nil || actor["id"] != float64(a.Agent.ID) || actor["name"] != "Alan Agent" || dt["description"] == nil {
			t.Errorf("deleted ticket = %v", dt)
		}
		if _, ok := dt["status"]; ok {
			t.Errorf("deleted ticket has the live ticket's shape: %v", dt)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/deleted_tickets", nil)
		pStatus(t, "end-user deleted list", code, body, http.StatusForbidden)

		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/deleted_tickets/%d/restore.json", id), nil)
		pStatus(t, "restore", code, body, http.StatusOK)
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, ""), nil)
		pStatus(t, "show restored", code, body, http.StatusOK)
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/deleted_tickets/%d/restore", id), nil)
		pNotFound(t, "restore live ticket", code, body)
		// Deletion and restoration are in the audit trail.
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, "/audits"), nil)
		pStatus(t, "audits of restored", code, body, http.StatusOK)
		var trail []string
		for _, au := range pList(t, body, "audits") {
			for _, ev := range au["events"].([]any) {
				if e := ev.(map[string]any); e["field_name"] == "deleted" {
					trail = append(trail, fmt.Sprintf("%v→%v", e["previous_value"], e["value"]))
				}
			}
		}
		if !slices.Equal(trail, []string{"false→true", "true→false"}) {
			t.Errorf("audit trail of deletion = %q", trail)
		}
		// A restored ticket is searchable again.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/search?query=type:ticket%20%22Ticket%201%22", nil)
		pStatus(t, "search restored", code, body, http.StatusOK)
		if pNum(body, "count") != 1 {
			t.Errorf("search restored = %v", body)
		}

		// Permanent deletion: only from the deleted list, admins only.
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/deleted_tickets/%d", id), nil)
		pNotFound(t, "destroy live ticket", code, body)
		code, _ = a.do(t, a.Agent, "DELETE", tkTicketPath(id, ""), nil)
		pStatus(t, "delete again", code, nil, http.StatusNoContent)
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/deleted_tickets/%d", id), nil)
		pStatus(t, "agent destroy", code, body, http.StatusForbidden)
		// Zendesk answers a permanent deletion with a job status.
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/deleted_tickets/%d.json", id), nil)
		pStatus(t, "destroy", code, body, http.StatusOK)
		a.jobDone(t, a.Admin, pObj(t, body, "job_status"))
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets", nil)
		pStatus(t, "deleted list after destroy", code, body, http.StatusOK)
		if len(pList(t, body, "deleted_tickets")) != 0 {
			t.Errorf("deleted list after destroy = %v", body)
		}
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/deleted_tickets/%d/restore", id), nil)
		pNotFound(t, "restore destroyed", code, body)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/deleted_tickets/%d", id), nil)
		pNotFound(t, "destroy twice", code, body)
	})
}

// --- bulk jobs --------------------------------------------------------------

func TestTicketBulkJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)

		// poll fetches a job status until it completes, running the queue
		// between polls instead of waiting for a background runner.
		poll := func(u testUser, js map[string]any) map[string]any {
			t.Helper()
			id, _ := js["id"].(string)
			wantURL := a.URL + "/api/v2/job_statuses/" + id + ".json"
			if id == "" || js["url"] != wantURL {
				t.Fatalf("job_status = %v, want url %s", js, wantURL)
			}
			for range 10 {
				code, body := a.do(t, u, "GET", a.pPath(t, js["url"]), nil)
				pStatus(t, "job status", code, body, http.StatusOK)
				st := pObj(t, body, "job_status")
				if st["status"] == "completed" {
					if pNum(st, "progress") != pNum(st, "total") {
						t.Errorf("completed job progress = %v", st)
					}
					return st
				}
				if st["status"] != "queued" && st["status"] != "working" {
					t.Fatalf("job status = %v", st)
				}
				a.tkRunJobs(t)
			}
			t.Fatal("job never completed")
			return nil
		}
		results := func(st map[string]any) []map[string]any { return pList(t, st, "results") }

		code, body := a.do(t, a.Agent, "POST", "/api/v2/tickets/create_many.json", map[string]any{"tickets": []map[string]any{
			{"subject": "Bulk 1", "comment": map[string]any{"body": "one"}, "requester_id": a.EndUser.ID},
			{"subject": "Bulk 2", "comment": map[string]any{"body": "two"}, "status": "bogus"},
			{"subject": "Bulk 3", "comment": map[string]any{"body": "three"}, "priority": "high"},
		}})
		pStatus(t, "create_many", code, body, http.StatusOK)
		js := pObj(t, body, "job_status")
		if js["status"] != "queued" || pNum(js, "total") != 3 {
			t.Errorf("create_many job_status = %v", js)
		}
		// Another user's job is not found; an admin may look.
		code, body = a.do(t, a.EndUser, "GET", a.pPath(t, js["url"]), nil)
		pNotFound(t, "someone else's job", code, body)
		st := poll(a.Agent, js)
		rs := results(st)
		if len(rs) != 3 || rs[0]["success"] != true || rs[1]["success"] != false || rs[2]["success"] != true || rs[1]["error"] == nil {
			t.Fatalf("create_many results = %v", rs)
		}
		created := []int64{pNum(rs[0], "id"), pNum(rs[2], "id")}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/show_many?ids=%d,%d", created[0], created[1]), nil)
		pStatus(t, "created tickets", code, body, http.StatusOK)
		if tks := pList(t, body, "tickets"); len(tks) != 2 || tks[0]["subject"] != "Bulk 1" || tks[1]["priority"] != "high" {
			t.Errorf("created tickets = %v", tks)
		}
		code, body = a.do(t, a.Admin, "GET", a.pPath(t, js["url"]), nil)
		pStatus(t, "admin sees job", code, body, http.StatusOK)

		// update_many, both forms.
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/update_many.json?ids=%d,%d", created[0], created[1]),
			tkBody(map[string]any{"status": "pending", "additional_tags": []string{"bulk"}}))
		pStatus(t, "update_many ids", code, body, http.StatusOK)
		st = poll(a.Agent, pObj(t, body, "job_status"))
		for _, r := range results(st) {
			if r["success"] != true || r["status"] != "Updated" {
				t.Errorf("update_many result = %v", r)
			}
		}
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/tickets/update_many", map[string]any{"tickets": []map[string]any{
			{"id": created[0], "priority": "low"},
			{"id": 999999, "priority": "low"},
		}})
		pStatus(t, "update_many each", code, body, http.StatusOK)
		rs = results(poll(a.Agent, pObj(t, body, "job_status")))
		if len(rs) != 2 || rs[0]["success"] != true || rs[1]["success"] != false || pNum(rs[1], "id") != 999999 {
			t.Errorf("update_many each results = %v", rs)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/show_many?ids=%d,%d", created[0], created[1]), nil)
		pStatus(t, "updated tickets", code, body, http.StatusOK)
		tks := pList(t, body, "tickets")
		if tks[0]["status"] != "pending" || tks[0]["priority"] != "low" || !slices.Contains(tkStrings(tks[1]["tags"]), "bulk") {
			t.Errorf("updated tickets = %v", tks)
		}
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/tickets/update_many", map[string]any{"tickets": []map[string]any{{"priority": "low"}}})
		pInvalid(t, "update_many without id", code, body, "id")

		// destroy_many.
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/tickets/destroy_many.json?ids=%d,%d", created[0], created[1]), nil)
		pStatus(t, "destroy_many", code, body, http.StatusOK)
		for _, r := range results(poll(a.Agent, pObj(t, body, "job_status"))) {
			if r["success"] != true || r["status"] != "Deleted" {
				t.Errorf("destroy_many result = %v", r)
			}
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets", nil)
		pStatus(t, "deleted", code, body, http.StatusOK)
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, created) {
			t.Errorf("deleted after destroy_many = %v", got)
		}

		// Limits and empty requests.
		many := make([]map[string]any, 101)
		for i := range many {
			many[i] = map[string]any{"comment": map[string]any{"body": "x"}}
		}
		code, body = a.do(t, a.Agent, "POST", "/api/v2/tickets/create_many", map[string]any{"tickets": many})
		pInvalid(t, "create_many 101", code, body, "tickets")
		code, body = a.do(t, a.Agent, "POST", "/api/v2/tickets/create_many", map[string]any{"tickets": []any{}})
		pInvalid(t, "create_many empty", code, body, "tickets")
		code, body = a.do(t, a.Agent, "DELETE", "/api/v2/tickets/destroy_many", nil)
		pStatus(t, "destroy_many without ids", code, body, http.StatusBadRequest)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/job_statuses/doesnotexist", nil)
		pNotFound(t, "unknown job", code, body)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/job_statuses/"+url.PathEscape("a'b;--"), nil)
		pNotFound(t, "garbage job id", code, body)
	})
}

// --- incremental export -----------------------------------------------------

func TestTicketIncrementalCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		ids := a.tkCreateN(t, 5)

		var got []int64
		path := "/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=2"
		var last map[string]any
		for range 10 {
			code, body := a.do(t, a.Agent, "GET", path, nil)
			pStatus(t, path, code, body, http.StatusOK)
			got = append(got, pIDs(t, body, "tickets")...)
			if _, ok := body["before_cursor"]; !ok {
				t.Errorf("no before_cursor key: %v", body)
			}
			last = body
			if body["end_of_stream"] == true {
				break
			}
			if body["after_cursor"] == nil {
				t.Fatalf("after_cursor missing before the end: %v", body)
			}
			path = a.pPath(t, body["after_url"])
			if !strings.Contains(path, "cursor="+body["after_cursor"].(string)) {
				t.Errorf("after_url = %v", body["after_url"])
			}
		}
		if !slices.Equal(got, ids) {
			t.Errorf("exported %v, want %v", got, ids)
		}
		if last["after_cursor"] == nil {
			t.Fatalf("last page has no after_cursor to resume from: %v", last)
		}

		// Resuming from the last cursor finds only later changes, including
		// deletions (status "deleted").
		resume := a.pPath(t, last["after_url"])
		code, body := a.do(t, a.Agent, "GET", resume, nil)
		pStatus(t, "resume", code, body, http.StatusOK)
		if len(pList(t, body, "tickets")) != 0 || body["end_of_stream"] != true || body["after_cursor"] != last["after_cursor"] {
			t.Errorf("resume with nothing new = %v", body)
		}
		time.Sleep(2 * time.Millisecond)
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(ids[1], ""), tkBody(map[string]any{"priority": "high"}))
		pStatus(t, "update", code, body, http.StatusOK)
		code, _ = a.do(t, a.Agent, "DELETE", tkTicketPath(ids[3], ""), nil)
		pStatus(t, "delete", code, nil, http.StatusNoContent)
		code, body = a.do(t, a.Agent, "GET", resume, nil)
		pStatus(t, "resume after changes", code, body, http.StatusOK)
		tks := pList(t, body, "tickets")
		if len(tks) != 2 || pID(t, tks[0]) != ids[1] || tks[0]["priority"] != "high" || pID(t, tks[1]) != ids[3] || tks[1]["status"] != "deleted" {
			t.Errorf("changes since cursor = %v", tks)
		}

		// An export that finds nothing still returns a cursor to resume from.
		time.Sleep(1100 * time.Millisecond) // start_time has whole seconds
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/incremental/tickets/cursor?start_time=%d", time.Now().Unix()), nil)
		pStatus(t, "export from now", code, body, http.StatusOK)
		if len(pList(t, body, "tickets")) != 0 || body["end_of_stream"] != true || body["after_url"] == nil {
			t.Fatalf("export from now = %v", body)
		}
		fromNow := a.pPath(t, body["after_url"])
		later := a.tkCreate(t, a.Agent, map[string]any{"subject": "Later", "comment": map[string]any{"body": "later"}})
		code, body = a.do(t, a.Agent, "GET", fromNow, nil)
		pStatus(t, "resume empty export", code, body, http.StatusOK)
		if got := pIDs(t, body, "tickets"); !slices.Equal(got, []int64{pID(t, later)}) {
			t.Errorf("resumed empty export = %v, want [%d]", got, pID(t, later))
		}

		for _, tc := range []struct {
			path string
			code int
		}{
			{"/api/v2/incremental/tickets/cursor", http.StatusBadRequest},
			{"/api/v2/incremental/tickets/cursor?start_time=abc", http.StatusBadRequest},
			{"/api/v2/incremental/tickets/cursor?start_time=-1", http.StatusBadRequest},
			{fmt.Sprintf("/api/v2/incremental/tickets/cursor?start_time=%d", time.Now().Add(time.Hour).Unix()), http.StatusBadRequest},
			{"/api/v2/incremental/tickets/cursor?cursor=garbage", http.StatusBadRequest},
			{"/api/v2/incremental/tickets/cursor?cursor=" + b64("inc:x:1"), http.StatusBadRequest},
		} {
			code, body := a.do(t, a.Agent, "GET", tc.path, nil)
			pStatus(t, tc.path, code, body, tc.code)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/incremental/tickets/cursor?start_time=0", nil)
		pStatus(t, "end-user export", code, body, http.StatusForbidden)
	})
}

// --- ticket fields ------------------------------------------------------------

func TestTicketFieldsCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		field := func(f map[string]any) map[string]any { return map[string]any{"ticket_field": f} }

		code, body := a.do(t, a.Agent, "POST", "/api/v2/ticket_fields", field(map[string]any{"type": "text", "title": "Serial"}))
		pStatus(t, "agent create", code, body, http.StatusForbidden)

		resp, raw := a.request(t, a.Admin, "POST", "/api/v2/ticket_fields.json", field(map[string]any{
			"type": "text", "title": "Serial number", "visible_in_portal": true, "editable_in_portal": true,
		}))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create field: %d %s", resp.StatusCode, raw)
		}
		var created map[string]any
		tkJSON(t, raw, &created)
		f := pObj(t, created, "ticket_field")
		textID := pID(t, f)
		wantURL := fmt.Sprintf("%s/api/v2/ticket_fields/%d.json", a.URL, textID)
		if resp.Header.Get("Location") != wantURL || f["url"] != wantURL || f["title"] != "Serial number" || f["type"] != "text" || f["active"] != true {
			t.Errorf("created field = %v (Location %q)", f, resp.Header.Get("Location"))
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", field(map[string]any{
			"type": "tagger", "title": "Product", "custom_field_options": []map[string]any{
				{"name": "Printer", "value": "printer"}, {"name": "Scanner", "value": "scanner"},
			},
		}))
		pStatus(t, "create dropdown", code, body, http.StatusCreated)
		dropID := pID(t, pObj(t, body, "ticket_field"))

		code, body = a.do(t, a.Agent, "GET", "/api/v2/ticket_fields.json", nil)
		pStatus(t, "agent list", code, body, http.StatusOK)
		if got := customFieldIDs(t, body); !slices.Equal(got, []int64{textID, dropID}) || pNum(body, "count") != 9 {
			t.Errorf("fields = %v", body)
		}
		// End-users see only the fields visible in the portal.
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/ticket_fields", nil)
		pStatus(t, "end-user list", code, body, http.StatusOK)
		if got := customFieldIDs(t, body); !slices.Equal(got, []int64{textID}) {
			t.Errorf("end-user fields = %v", got)
		}
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/ticket_fields/%d", dropID), nil)
		pNotFound(t, "end-user hidden field", code, body)

		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/ticket_fields/%d", textID), field(map[string]any{"title": "Nope"}))
		pStatus(t, "agent update", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/ticket_fields/%d.json", textID), field(map[string]any{"title": "Serial no."}))
		pStatus(t, "admin update", code, body, http.StatusOK)
		if got := pObj(t, body, "ticket_field"); got["title"] != "Serial no." || got["url"] != wantURL {
			t.Errorf("updated field = %v", got)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/ticket_fields/%d", textID), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		if got := pObj(t, body, "ticket_field"); got["title"] != "Serial no." {
			t.Errorf("stored field = %v", got)
		}
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/ticket_fields/%d", textID), field(map[string]any{"type": "integer"}))
		pInvalid(t, "change type", code, body, "type")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", field(map[string]any{"type": "hologram", "title": "X"}))
		pInvalid(t, "bad type", code, body, "type")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", field(map[string]any{"type": "text", "title": " "}))
		pInvalid(t, "blank title", code, body, "title")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{})
		pInvalid(t, "no ticket_field", code, body, "ticket_field")

		// Values on tickets; a dropdown value is also a tag.
		tk := a.tkCreate(t, a.Agent, map[string]any{"comment": map[string]any{"body": "x"}, "custom_fields": []map[string]any{
			{"id": textID, "value": "SN-42"}, {"id": dropID, "value": "printer"},
		}})
		if cf := fmt.Sprint(tk["custom_fields"]); !strings.Contains(cf, "SN-42") || !strings.Contains(cf, "printer") ||
			!slices.Contains(tkStrings(tk["tags"]), "printer") {
			t.Errorf("ticket with fields = %v", tk)
		}
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(pID(t, tk), ""), tkBody(map[string]any{"custom_fields": []map[string]any{{"id": dropID, "value": "laser"}}}))
		pInvalid(t, "bad dropdown value", code, body, "custom_fields")

		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/ticket_fields/%d", textID), nil)
		pStatus(t, "agent delete", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/ticket_fields/%d.json", textID), nil)
		pStatus(t, "admin delete", code, body, http.StatusNoContent)
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/ticket_fields/%d", textID), nil)
		pNotFound(t, "deleted field", code, body)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/ticket_fields/%d", textID), nil)
		pNotFound(t, "delete twice", code, body)
	})
}

// --- uploads and attachments ------------------------------------------------

func TestTicketUploadsAndAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		other := a.addUser(t, "Olga Other", "olga@other.test", desk.RoleEndUser)
		id := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Files", "comment": map[string]any{"body": "see"}}))

		upload := func(u testUser, name, content string) (token string, attID int64) {
			t.Helper()
			resp, raw := a.request(t, u, "POST", "/api/v2/uploads.json?filename="+url.QueryEscape(name), content)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("upload %s: %d %s", name, resp.StatusCode, raw)
			}
			var body map[string]any
			tkJSON(t, raw, &body)
			up := pObj(t, body, "upload")
			att := pObj(t, up, "attachment")
			token, _ = up["token"].(string)
			if token == "" || att["file_name"] != name || pNum(att, "size") != int64(len(content)) {
				t.Fatalf("upload = %v", up)
			}
			if att["content_url"] != fmt.Sprintf("%s/api/v2/attachments/%d/content", a.URL, pID(t, att)) {
				t.Errorf("content_url = %v", att["content_url"])
			}
			if len(pList(t, up, "attachments")) != 1 {
				t.Errorf("upload attachments = %v", up["attachments"])
			}
			return token, pID(t, att)
		}

		pubTok, pubID := upload(a.Agent, "a.txt", "hello, file")
		noteTok, noteID := upload(a.Agent, "secret.txt", "internal only")

		// A pending upload is its uploader's only.
		code, body := a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/attachments/%d", pubID), nil)
		pNotFound(t, "someone else's pending upload", code, body)

		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{
			"comment": map[string]any{"body": "Here is the file", "public": true, "uploads": []string{pubTok}},
		}))
		pStatus(t, "attach public", code, body, http.StatusOK)
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{
			"comment": map[string]any{"body": "Internal file", "public": false, "uploads": []string{noteTok}},
		}))
		pStatus(t, "attach internal", code, body, http.StatusOK)
		// A token is used once.
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{
			"comment": map[string]any{"body": "again", "uploads": []string{pubTok}},
		}))
		pInvalid(t, "reuse token", code, body, "uploads")

		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, "/comments"), nil)
		pStatus(t, "comments", code, body, http.StatusOK)
		cs := pList(t, body, "comments")
		atts := pList(t, cs[1], "attachments")
		if len(atts) != 1 || pID(t, atts[0]) != pubID || atts[0]["file_name"] != "a.txt" ||
			atts[0]["content_url"] != fmt.Sprintf("%s/api/v2/attachments/%d/content", a.URL, pubID) {
			t.Errorf("comment attachments = %v", atts)
		}

		content := func(u testUser, attID int64) (*http.Response, []byte) {
			t.Helper()
			return a.request(t, u, "GET", fmt.Sprintf("/api/v2/attachments/%d/content", attID), nil)
		}
		for _, tc := range []struct {
			who   string
			u     testUser
			attID int64
			want  int
			body  string
		}{
			{"agent, public", a.Agent, pubID, http.StatusOK, "hello, file"},
			{"agent, internal", a.Agent, noteID, http.StatusOK, "internal only"},
			{"admin, internal", a.Admin, noteID, http.StatusOK, "internal only"},
			{"requester, public", a.EndUser, pubID, http.StatusOK, "hello, file"},
			{"requester, internal note", a.EndUser, noteID, http.StatusNotFound, ""},
			{"other customer, public", other, pubID, http.StatusNotFound, ""},
			{"other customer, internal", other, noteID, http.StatusNotFound, ""},
			{"unknown attachment", a.Agent, 999999, http.StatusNotFound, ""},
		} {
			resp, raw := content(tc.u, tc.attID)
			if resp.StatusCode != tc.want {
				t.Errorf("%s: %d, want %d (%s)", tc.who, resp.StatusCode, tc.want, raw)
				continue
			}
			if tc.want != http.StatusOK {
				var body map[string]any
				tkJSON(t, raw, &body)
				if body["error"] != "RecordNotFound" {
					t.Errorf("%s: body %v", tc.who, body)
				}
				continue
			}
			h := resp.Header
			if string(raw) != tc.body || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
				!strings.Contains(h.Get("Content-Disposition"), "filename=") || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
				t.Errorf("%s: %q with headers %v", tc.who, raw, h)
			}
		}
		// Metadata follows the same rules.
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/attachments/%d.json", pubID), nil)
		pStatus(t, "attachment metadata", code, body, http.StatusOK)
		if att := pObj(t, body, "attachment"); att["file_name"] != "a.txt" || pID(t, att) != pubID {
			t.Errorf("attachment = %v", att)
		}
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/attachments/%d", noteID), nil)
		pNotFound(t, "internal attachment metadata", code, body)
		code, body = a.do(t, other, "GET", fmt.Sprintf("/api/v2/attachments/%d", pubID), nil)
		pNotFound(t, "other customer's attachment metadata", code, body)

		// A hostile file name is cleaned; HTML is served as a download that
		// the browser must not sniff or render.
		_, htmlID := upload(a.Agent, "x.html", "<html><script>alert(1)</script></html>")
		resp, _ := content(a.Agent, htmlID)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("html attachment headers = %v", resp.Header)
		}
		resp, raw := a.request(t, a.Agent, "POST", "/api/v2/uploads?filename="+url.QueryEscape(`../../etc/"passwd`), "x")
		if resp.StatusCode != http.StatusCreated || strings.Contains(string(raw), "..") || strings.Contains(string(raw), `\"passwd`) {
			t.Errorf("path upload: %d %s", resp.StatusCode, raw)
		}
		code, body = a.do(t, a.Agent, "POST", "/api/v2/uploads", "x")
		pInvalid(t, "upload without filename", code, body, "filename")

		// Deleting an unused upload; unknown and garbage tokens are 404.
		tok, delID := upload(a.EndUser, "mine.txt", "mine")
		code, body = a.do(t, other, "DELETE", "/api/v2/uploads/"+tok, nil)
		pNotFound(t, "delete someone else's upload", code, body)
		code, body = a.do(t, a.EndUser, "DELETE", "/api/v2/uploads/"+tok+".json", nil)
		pStatus(t, "delete upload", code, body, http.StatusNoContent)
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/attachments/%d", delID), nil)
		pNotFound(t, "deleted upload", code, body)
		code, body = a.do(t, a.EndUser, "DELETE", "/api/v2/uploads/"+url.PathEscape("x' OR 1=1 --"), nil)
		pNotFound(t, "garbage token", code, body)
	})
}

// --- search -----------------------------------------------------------------

func TestTicketSearchHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		zg := pID(t, a.tkCreate(t, a.Agent, map[string]any{"subject": "Zgłoszenie reklamacyjne", "requester_id": a.EndUser.ID,
			"comment": map[string]any{"body": "Drukarka nie działa"}}))
		other := a.addUser(t, "Olga Other", "olga@other.test", desk.RoleEndUser)
		olgas := pID(t, a.tkCreate(t, other, map[string]any{"subject": "Zgłoszenie Olgi", "comment": map[string]any{"body": "też"}}))
		a.tkCreate(t, a.Agent, map[string]any{"subject": "Unrelated", "comment": map[string]any{"body": "nothing"}})

		for _, tc := range []struct {
			who   string
			u     testUser
			path  string
			want  []int64
			count int64
		}{
			{"folded", a.Agent, "/api/v2/search?query=zgloszenie", []int64{zg, olgas}, 2},
			{"folded .json", a.Agent, "/api/v2/search.json?query=ZGŁOSZENIE", []int64{zg, olgas}, 2},
			{"body word", a.Agent, "/api/v2/search.json?query=" + url.QueryEscape("dziala"), []int64{zg}, 1},
			{"type and status", a.Agent, "/api/v2/search?query=" + url.QueryEscape("type:ticket status:new reklamacyjne"), []int64{zg}, 1},
			{"end-user sees own", a.EndUser, "/api/v2/search?query=zgloszenie", []int64{zg}, 1},
			{"other end-user", other, "/api/v2/search?query=zgloszenie", []int64{olgas}, 1},
			{"no match", a.Agent, "/api/v2/search?query=nonexistentword", nil, 0},
		} {
			code, body := a.do(t, tc.u, "GET", tc.path, nil)
			pStatus(t, tc.who, code, body, http.StatusOK)
			var got []int64
			for _, r := range pList(t, body, "results") {
				if r["result_type"] != "ticket" {
					t.Errorf("%s: result %v", tc.who, r)
					continue
				}
				if r["url"] != fmt.Sprintf("%s/api/v2/tickets/%d.json", a.URL, pID(t, r)) {
					t.Errorf("%s: result url %v", tc.who, r["url"])
				}
				got = append(got, pID(t, r))
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) || pNum(body, "count") != tc.count {
				t.Errorf("%s: results %v count %v, want %v", tc.who, got, body["count"], tc.want)
			}
			if _, ok := body["next_page"]; !ok {
				t.Errorf("%s: no next_page key", tc.who)
			}
			cpath := strings.Replace(tc.path, "/search", "/search/count", 1)
			code, body = a.do(t, tc.u, "GET", cpath, nil)
			pStatus(t, tc.who+" count", code, body, http.StatusOK)
			if pNum(body, "count") != tc.count {
				t.Errorf("%s: /search/count = %v, want %d", tc.who, body, tc.count)
			}
		}

		// Internal notes are searchable by agents only.
		code, body := a.do(t, a.Agent, "PUT", tkTicketPath(zg, ""), tkBody(map[string]any{"comment": map[string]any{"body": "poufnesłowo in a note", "public": false}}))
		pStatus(t, "internal note", code, body, http.StatusOK)
		for _, tc := range []struct {
			u    testUser
			want int64
		}{{a.Agent, 1}, {a.EndUser, 0}} {
			for _, path := range []string{"/api/v2/search?query=poufneslowo", "/api/v2/search/count?query=poufneslowo"} {
				code, body := a.do(t, tc.u, "GET", path, nil)
				pStatus(t, path, code, body, http.StatusOK)
				if pNum(body, "count") != tc.want {
					t.Errorf("%s as %s: count %v, want %d", path, tc.u.Email, body["count"], tc.want)
				}
			}
		}

		// Paging through search results.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/search.json?query=zgloszenie&per_page=1", nil)
		pStatus(t, "search page 1", code, body, http.StatusOK)
		if len(pList(t, body, "results")) != 1 || body["next_page"] == nil || body["previous_page"] != nil {
			t.Fatalf("search page 1 = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, body["next_page"]), nil)
		pStatus(t, "search page 2", code, body, http.StatusOK)
		if len(pList(t, body, "results")) != 1 || body["next_page"] != nil || body["previous_page"] == nil {
			t.Errorf("search page 2 = %v", body)
		}
		// Zendesk's limits: 1,000 results deep is a 422; cursors are refused.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/search?query=zgloszenie&page=11&per_page=100", nil)
		pStatus(t, "search too deep", code, body, http.StatusUnprocessableEntity)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/search?query=zgloszenie&page=20000&per_page=100", nil)
		pStatus(t, "search far too deep", code, body, http.StatusUnprocessableEntity)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/search?query=zgloszenie&page[size]=10", nil)
		pStatus(t, "search cursor", code, body, http.StatusBadRequest)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/search", nil)
		pInvalid(t, "search without query", code, body, "query")
	})
}

// TestTicketJSONSuffix checks that every ticket route answers the same with
// Zendesk's optional ".json" suffix.
func TestTicketJSONSuffix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		id := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Suffix", "comment": map[string]any{"body": "x"}}))
		for _, path := range []string{
			"/api/v2/tickets",
			"/api/v2/tickets/count",
			fmt.Sprintf("/api/v2/tickets/show_many?ids=%d", id),
			tkTicketPath(id, ""),
			tkTicketPath(id, "/comments"),
			tkTicketPath(id, "/audits"),
			tkTicketPath(id, "/tags"),
			tkTicketPath(id, "/incidents"),
			"/api/v2/deleted_tickets",
			fmt.Sprintf("/api/v2/users/%d/tickets/requested", a.EndUser.ID),
			fmt.Sprintf("/api/v2/users/%d/tickets/assigned", a.Agent.ID),
			fmt.Sprintf("/api/v2/groups/%d/tickets", a.SupportGroupID),
			"/api/v2/incremental/tickets/cursor?start_time=0",
			"/api/v2/ticket_fields",
			"/api/v2/tags",
			"/api/v2/search?query=suffix",
			"/api/v2/search/count?query=suffix",
		} {
			p, q, _ := strings.Cut(path, "?")
			if q != "" {
				q = "?" + q
			}
			code1, body1 := a.do(t, a.Agent, "GET", p+q, nil)
			code2, body2 := a.do(t, a.Agent, "GET", p+".json"+q, nil)
			if code1 != http.StatusOK || code2 != http.StatusOK {
				t.Errorf("GET %s: %d / .json %d (%v)", path, code1, code2, body2)
				continue
			}
			// Keys match (values such as next_page links may embed the path).
			if k1, k2 := tkKeys(body1), tkKeys(body2); !slices.Equal(k1, k2) {
				t.Errorf("GET %s: keys %v vs %v", path, k1, k2)
			}
		}
		code, body := a.do(t, a.Agent, "GET", "/api/v2/no_such_thing.json", nil)
		pNotFound(t, "unknown route", code, body)
	})
}

func tkKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
