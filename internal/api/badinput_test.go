package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Every request in this file goes through biAPI, which fails the test on
// any 5xx: bad input must never be an internal error.

type biAPI struct {
	*testAPI
	// frozen, when set, is the snapshot every rejected write (a non-GET
	// answered with 4xx) is checked against: it must have changed nothing.
	frozen *string
}

func newBadInputAPI(t *testing.T, db *store.DB) *biAPI { return &biAPI{testAPI: newTestAPI(t, db)} }

// freeze records the store's state; until the test ends, each rejected
// write is followed by a check that the state is still the same.
func (b *biAPI) freeze(t *testing.T) {
	t.Helper()
	s := b.snapshot(t)
	b.frozen = &s
}

// raw sends a request (see testAPI.request) and fails on a 5xx.
func (b *biAPI) raw(t *testing.T, u testUser, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	resp, data := b.request(t, u, method, path, body)
	if resp.StatusCode >= 500 {
		t.Errorf("%s %s: %d %s", method, trimForLog(path), resp.StatusCode, data)
	}
	return resp, data
}

// do is raw plus JSON decoding; error answers must be JSON objects with
// "error" (and, except 401, "description").
func (b *biAPI) do(t *testing.T, u testUser, method, path string, body any) (int, map[string]any) {
	t.Helper()
	resp, data := b.raw(t, u, method, path, body)
	if len(bytes.TrimSpace(data)) == 0 {
		return resp.StatusCode, nil
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: %d, body is not a JSON object: %v\n%s", method, trimForLog(path), resp.StatusCode, err, data)
	}
	if b.frozen != nil && method != "GET" && resp.StatusCode >= 400 {
		b.unchanged(t, method+" "+trimForLog(path), *b.frozen)
	}
	if resp.StatusCode >= 400 {
		if _, ok := m["error"].(string); !ok {
			t.Errorf("%s %s: %d without an error name: %v", method, trimForLog(path), resp.StatusCode, m)
		}
		if d, _ := m["description"].(string); d == "" && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s: %d without a description: %v", method, trimForLog(path), resp.StatusCode, m)
		}
	}
	return resp.StatusCode, m
}

func trimForLog(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// snapshot captures every ticket (live and deleted) with its comments and
// tags, as the admin sees them, so a rejected write can be shown to have
// changed nothing.
func (b *biAPI) snapshot(t *testing.T) string {
	t.Helper()
	var out strings.Builder
	for _, list := range []string{"/api/v2/tickets?per_page=100", "/api/v2/deleted_tickets?per_page=100"} {
		code, body := b.do(t, b.Admin, "GET", list, nil)
		pStatus(t, "snapshot "+list, code, body, http.StatusOK)
		js, _ := json.Marshal(body)
		out.Write(js)
		if strings.Contains(list, "deleted") {
			continue
		}
		for _, id := range pIDs(t, body, "tickets") {
			code, cs := b.do(t, b.Admin, "GET", tkTicketPath(id, "/comments"), nil)
			pStatus(t, "snapshot comments", code, cs, http.StatusOK)
			js, _ := json.Marshal(cs)
			out.Write(js)
		}
	}
	code, body := b.do(t, b.Admin, "GET", "/api/v2/ticket_fields", nil)
	pStatus(t, "snapshot fields", code, body, http.StatusOK)
	js, _ := json.Marshal(body)
	out.Write(js)
	return out.String()
}

// unchanged fails when the store differs from before.
func (b *biAPI) unchanged(t *testing.T, what, before string) {
	t.Helper()
	if after := b.snapshot(t); after != before {
		t.Errorf("%s changed the store:\nbefore %s\nafter  %s", what, trimForLog(before), trimForLog(after))
	}
}

// seed creates the end-user's ticket, with an agent reply, for updates to
// aim at.
func (b *biAPI) seed(t *testing.T) int64 {
	t.Helper()
	code, body := b.do(t, b.EndUser, "POST", "/api/v2/tickets", tkBody(map[string]any{"subject": "Seed", "tags": []string{"seed"}, "comment": map[string]any{"body": "seed body"}}))
	pStatus(t, "seed", code, body, http.StatusCreated)
	id := pID(t, pObj(t, body, "ticket"))
	code, body = b.do(t, b.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"comment": map[string]any{"body": "reply"}}))
	pStatus(t, "seed reply", code, body, http.StatusOK)
	return id
}

// isClientError accepts 400 (malformed) or 422 (invalid).
func isClientError(code int) bool {
	return code == http.StatusBadRequest || code == http.StatusUnprocessableEntity
}

func TestBadInputMalformedJSON(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBadInputAPI(t, db)
		id := b.seed(t)
		b.freeze(t)

		endpoints := []struct{ method, path string }{
			{"POST", "/api/v2/tickets"},
			{"PUT", tkTicketPath(id, "")},
			{"PUT", tkTicketPath(id, ".json")},
			{"POST", tkTicketPath(id, "/merge")},
			{"PUT", tkTicketPath(id, "/tags")},
			{"DELETE", tkTicketPath(id, "/tags")},
			{"POST", "/api/v2/tickets/create_many"},
			{"PUT", fmt.Sprintf("/api/v2/tickets/update_many?ids=%d", id)},
			{"POST", "/api/v2/ticket_fields"},
		}
		for _, body := range []string{
			`{`,
			`{"ticket":`,
			`{"ticket":{"subject":"x"}`,
			`not json`,
			`{"ticket":{"subject":"x",}}`,
			`{'ticket':{}}`,
			`{"ticket":{"subject":"x"}} {"ticket":{}}`,
			`{"ticket":{"subject":"x"}}]`,
			"\x00",
			"\xff\xfe{}",
			`{"ticket":{"subject":"x"}}` + "\x00",
			`[]`,
			`"ticket"`,
			`42`,
			`{"ticket":{"comment":{"body":"` + strings.Repeat("[", 10) + `"}}}}}`,
			strings.Repeat("[", 100000),
			strings.Repeat(`{"a":`, 50000),
		} {
			for _, e := range endpoints {
				code, resp := b.do(t, b.Admin, e.method, e.path, body)
				if code != http.StatusBadRequest {
					t.Errorf("%s %s with %q: %d, want 400 (%v)", e.method, e.path, trimForLog(body), code, resp)
					continue
				}
				if name := resp["error"]; name != "InvalidJSON" && name != "InvalidParameter" {
					t.Errorf("%s %s with %q: error %v", e.method, e.path, trimForLog(body), name)
				}
			}
		}
		// An empty body is a 400 too.
		for _, e := range endpoints {
			code, resp := b.do(t, b.Admin, e.method, e.path, "")
			if code != http.StatusBadRequest {
				t.Errorf("%s %s with no body: %d (%v)", e.method, e.path, code, resp)
			}
		}
		// Valid JSON without the envelope: 422 naming the missing key.
		code, resp := b.do(t, b.Admin, "POST", "/api/v2/tickets", `{}`)
		pInvalid(t, "no ticket key", code, resp, "ticket")
		code, resp = b.do(t, b.Admin, "POST", "/api/v2/tickets", `{"ticket":null}`)
		pInvalid(t, "null ticket", code, resp, "ticket")
		code, resp = b.do(t, b.Admin, "POST", "/api/v2/tickets", `null`)
		pInvalid(t, "null body", code, resp, "ticket")
		code, resp = b.do(t, b.Admin, "PUT", tkTicketPath(id, ""), `{"tickets":{}}`)
		pInvalid(t, "wrong envelope", code, resp, "ticket")
		b.unchanged(t, "malformed JSON", *b.frozen)
	})
}

func TestBadInputBodyTooLarge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBadInputAPI(t, db)
		id := b.seed(t)
		b.freeze(t)

		huge := strings.Repeat("a", MaxBody+1)
		for _, tc := range []struct {
			method, path, body string
		}{
			{"POST", "/api/v2/tickets", `{"ticket":{"subject":"x","comment":{"body":"` + huge + `"}}}`},
			{"PUT", tkTicketPath(id, ""), `{"ticket":{"comment":{"body":"` + huge + `"}}}`},
			{"POST", "/api/v2/tickets", `{"ticket":{"comment":{"body":"x"}}}` + strings.Repeat(" ", MaxBody)},
			{"POST", "/api/v2/tickets/create_many", `{"tickets":[{"comment":{"body":"` + huge + `"}}]}`},
			{"PUT", "/api/v2/tickets/update_many", `{"tickets":[{"id":1,"comment":{"body":"` + huge + `"}}]}`},
			{"PUT", tkTicketPath(id, "/tags"), `{"tags":["` + huge + `"]}`},
			{"POST", "/api/v2/ticket_fields", `{"ticket_field":{"type":"text","title":"` + huge + `"}}`},
		} {
			code, resp := b.do(t, b.Admin, tc.method, tc.path, tc.body)
			if code != http.StatusRequestEntityTooLarge || resp["error"] != "RequestTooLarge" {
				t.Errorf("%s %s with %d bytes: %d %v", tc.method, tc.path, len(tc.body), code, resp)
			}
		}
		// Just under the limit is decoded (and then refused by the
		// service's own comment limit, with a 422).
		body := `{"ticket":{"comment":{"body":"` + strings.Repeat("a", MaxBody-100) + `"}}}`
		code, resp := b.do(t, b.Admin, "PUT", tkTicketPath(id, ""), body)
		pInvalid(t, "long comment", code, resp, "comment")
		b.unchanged(t, "oversize bodies", *b.frozen)
	})
}

func TestBadInputWrongTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBadInputAPI(t, db)
		id := b.seed(t)
		b.freeze(t)

		for _, tc := range []struct {
			name  string
			field string // the details key naming the field
			json  string // the ticket object's members, besides a valid comment
		}{
			{"subject number", "subject", `"subject": 5`},
			{"subject object", "subject", `"subject": {"a":1}`},
			{"tags string", "tags", `"tags": "x"`},
			{"tags numbers", "tags", `"tags": [1, 2]`},
			{"additional_tags number", "additional_tags", `"additional_tags": 5`},
			{"assignee_id word", "assignee_id", `"assignee_id": "abc"`},
			{"assignee_id negative", "assignee_id", `"assignee_id": -1`},
			{"assignee_id fraction", "assignee_id", `"assignee_id": 1.5`},
			{"assignee_id huge", "assignee_id", `"assignee_id": 99999999999999999999`},
			{"assignee_id bool", "assignee_id", `"assignee_id": true`},
			{"assignee_id list", "assignee_id", `"assignee_id": [1]`},
			{"requester_id word", "requester_id", `"requester_id": "me"`},
			{"group_id sql", "group_id", `"group_id": "1 OR 1=1"`},
			{"organization_id object", "organization_id", `"organization_id": {}`},
			{"problem_id exp", "problem_id", `"problem_id": 1e400`},
			{"status bool", "status", `"status": true`},
			{"priority number", "priority", `"priority": 5`},
			{"type list", "type", `"type": ["question"]`},
			{"external_id object", "external_id", `"external_id": {}`},
			{"due_at word", "due_at", `"due_at": "tomorrow-ish"`},
			{"due_at number", "due_at", `"due_at": 1700000000`},
			{"custom_fields object", "custom_fields", `"custom_fields": {}`},
			{"custom_fields string", "custom_fields", `"custom_fields": "x"`},
			{"custom field id word", "id", `"custom_fields": [{"id": "x", "value": 1}]`},
			{"custom field id huge", "id", `"custom_fields": [{"id": 99999999999999999999, "value": 1}]`},
			{"collaborator_ids string", "collaborator_ids", `"collaborator_ids": "1,2"`},
			{"email_cc_ids huge", "email_cc_ids", `"email_cc_ids": [1e30]`},
			{"requester string", "requester", `"requester": "bob@example.com"`},
			{"safe_update string", "safe_update", `"safe_update": "yes"`},
			{"updated_stamp word", "updated_stamp", `"updated_stamp": "yesterday"`},
		} {
			for _, target := range []struct{ method, path string }{{"POST", "/api/v2/tickets"}, {"PUT", tkTicketPath(id, "")}} {
				body := `{"ticket":{"comment":{"body":"typed"},` + tc.json + `}}`
				code, resp := b.do(t, b.Agent, target.method, target.path, body)
				pInvalidSoft(t, target.method+" "+tc.name, code, resp, tc.field)
			}
		}
		// The comment itself.
		for _, tc := range []struct {
			name, field, json string
		}{
			{"comment string", "comment", `"comment": "string"`},
			{"comment list", "comment", `"comment": ["a"]`},
			{"comment body number", "body", `"comment": {"body": 5}`},
			{"comment public string", "public", `"comment": {"body": "x", "public": "no"}`},
			{"comment uploads string", "uploads", `"comment": {"body": "x", "uploads": "tok"}`},
			{"comment author word", "author_id", `"comment": {"body": "x", "author_id": "boss"}`},
		} {
			for _, target := range []struct{ method, path string }{{"POST", "/api/v2/tickets"}, {"PUT", tkTicketPath(id, "")}} {
				code, resp := b.do(t, b.Agent, target.method, target.path, `{"ticket":{`+tc.json+`}}`)
				pInvalidSoft(t, target.method+" "+tc.name, code, resp, tc.field)
			}
		}
		// Other bodies.
		for _, tc := range []struct {
			method, path, field, body string
		}{
			{"POST", tkTicketPath(id, "/merge"), "ids", `{"ids": "1,2"}`},
			{"POST", tkTicketPath(id, "/merge"), "ids", `{"ids": ["x"]}`},
			{"PUT", tkTicketPath(id, "/tags"), "tags", `{"tags": "x"}`},
			{"PUT", tkTicketPath(id, "/tags"), "tags", `{"tags": [null, 1]}`},
			{"POST", "/api/v2/tickets/create_many", "tickets", `{"tickets": {"subject": "x"}}`},
			{"PUT", "/api/v2/tickets/update_many", "id", `{"tickets": [{"id": "abc"}]}`},
			{"PUT", "/api/v2/tickets/update_many", "tickets", `{"tickets": 5}`},
			{"POST", "/api/v2/ticket_fields", "title", `{"ticket_field": {"type": "text", "title": 5}}`},
			{"POST", "/api/v2/ticket_fields", "position", `{"ticket_field": {"type": "text", "title": "x", "position": "first"}}`},
			{"POST", "/api/v2/ticket_fields", "custom_field_options", `{"ticket_field": {"type": "tagger", "title": "x", "custom_field_options": {}}}`},
		} {
			code, resp := b.do(t, b.Admin, tc.method, tc.path, tc.body)
			pInvalidSoft(t, tc.method+" "+tc.path+" "+tc.body, code, resp, tc.field)
		}
		b.unchanged(t, "wrong types", *b.frozen)
	})
}

func TestBadInputInvalidValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBadInputAPI(t, db)
		id := b.seed(t)
		b.freeze(t)

		comment := map[string]any{"body": "hello"}
		for _, tc := range []struct {
			name   string
			field  string
			fields map[string]any
			update bool // also try as an update of the seeded (open) ticket
		}{
			{"status", "status", map[string]any{"status": "bogus"}, true},
			{"status sql", "status", map[string]any{"status": "open' OR '1'='1"}, true},
			{"closed on create", "status", map[string]any{"status": "closed"}, false},
			{"priority", "priority", map[string]any{"priority": "extreme"}, true},
			{"priority case", "priority", map[string]any{"priority": "%"}, true},
			{"type", "type", map[string]any{"type": "bug"}, true},
			{"requester email", "requester", map[string]any{"requester": map[string]any{"name": "X", "email": "not an email"}}, false},
			{"requester email sql", "requester", map[string]any{"requester": map[string]any{"name": "X", "email": "x' OR 1=1 --"}}, false},
			{"requester email empty", "requester", map[string]any{"requester": map[string]any{"name": "X", "email": ""}}, false},
			{"requester_id unknown", "requester_id", map[string]any{"requester_id": 999999}, true},
			{"assignee end-user", "assignee_id", map[string]any{"assignee_id": b.EndUser.ID}, true},
			{"assignee unknown", "assignee_id", map[string]any{"assignee_id": 999999}, true},
			{"assignee_email unknown", "assignee_email", map[string]any{"assignee_email": "nobody@nowhere.test"}, true},
			{"group unknown", "group_id", map[string]any{"group_id": 999999}, true},
			{"organization unknown", "organization_id", map[string]any{"organization_id": 999999}, true},
			{"problem not a problem", "problem_id", map[string]any{"problem_id": id, "type": "incident"}, false},
			{"due_at on a question", "due_at", map[string]any{"due_at": "2030-01-01T00:00:00Z", "type": "question"}, true},
			{"subject too long", "subject", map[string]any{"subject": strings.Repeat("s", 256)}, true},
			{"subject NUL", "subject", map[string]any{"subject": "a\x00b"}, true},
			{"tag with comma", "tags", map[string]any{"tags": []string{"a,b"}}, true},
			{"tag with NUL", "tags", map[string]any{"tags": []string{"a\x00b"}}, true},
			{"tag too long", "tags", map[string]any{"tags": []string{strings.Repeat("t", 81)}}, true},
			{"too many tags", "tags", map[string]any{"tags": manyTags(101)}, true},
			{"unknown custom field", "custom_fields", map[string]any{"custom_fields": []map[string]any{{"id": 999999, "value": "x"}}}, true},
			{"unknown cc", "email_cc_ids", map[string]any{"email_cc_ids": []int64{999999}}, true},
			{"end-user as follower", "follower_ids", map[string]any{"follower_ids": []int64{b.EndUser.ID}}, true},
			{"external_id too long", "external_id", map[string]any{"external_id": strings.Repeat("e", 256)}, true},
			{"unknown upload", "uploads", map[string]any{"comment": map[string]any{"body": "x", "uploads": []string{"nope' OR 1=1"}}}, true},
			{"unknown author", "author_id", map[string]any{"comment": map[string]any{"body": "x", "author_id": 999999}}, true},
		} {
			fields := map[string]any{"comment": comment}
			for k, v := range tc.fields {
				fields[k] = v
			}
			code, resp := b.do(t, b.Agent, "POST", "/api/v2/tickets", tkBody(fields))
			pInvalid(t, "create "+tc.name, code, resp, tc.field)
			if tc.update {
				upd := map[string]any{}
				for k, v := range tc.fields {
					upd[k] = v
				}
				code, resp = b.do(t, b.Agent, "PUT", tkTicketPath(id, ""), tkBody(upd))
				pInvalid(t, "update "+tc.name, code, resp, tc.field)
			}
		}
		code, resp := b.do(t, b.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"status": "new"}))
		pInvalid(t, "status back to new", code, resp, "status")
		// Blank descriptions and comments.
		code, resp = b.do(t, b.Agent, "POST", "/api/v2/tickets", tkBody(map[string]any{"subject": "no body"}))
		pInvalid(t, "no description", code, resp, "description")
		code, resp = b.do(t, b.Agent, "POST", "/api/v2/tickets", tkBody(map[string]any{"comment": map[string]any{"body": " \n\t "}}))
		pInvalid(t, "blank description", code, resp, "description")
		code, resp = b.do(t, b.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"comment": map[string]any{"body": "  "}}))
		pInvalid(t, "blank comment", code, resp, "comment")
		code, resp = b.do(t, b.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"comment": map[string]any{"html_body": "<script>x</script>"}}))
		pInvalid(t, "comment that sanitizes to nothing", code, resp, "comment")

		// End-users: no properties, no one else's name.
		code, resp = b.do(t, b.EndUser, "POST", "/api/v2/tickets", tkBody(map[string]any{"requester_id": b.Agent.ID, "comment": comment}))
		pStatus(t, "end-user for someone else", code, resp, http.StatusForbidden)
		code, resp = b.do(t, b.EndUser, "POST", "/api/v2/tickets", tkBody(map[string]any{"requester": map[string]any{"email": "boss@example.com"}, "comment": comment}))
		pStatus(t, "end-user requester email", code, resp, http.StatusForbidden)
		code, resp = b.do(t, b.EndUser, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"status": "pending"}))
		pStatus(t, "end-user status", code, resp, http.StatusForbidden)
		code, resp = b.do(t, b.EndUser, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"comment": map[string]any{"body": "as agent", "author_id": b.Agent.ID}}))
		pStatus(t, "end-user as another author", code, resp, http.StatusForbidden)
		b.unchanged(t, "invalid values", *b.frozen)
	})
}

func manyTags(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%d", i)
	}
	return out
}

func TestBadInputOtherCustomersTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBadInputAPI(t, db)
		other := b.addUser(t, "Olga Other", "olga@other.test", desk.RoleEndUser)
		theirs := b.seed(t) // Erin's
		code, up := b.do(t, b.Agent, "POST", "/api/v2/uploads?filename=private.txt", "private data")
		pStatus(t, "upload", code, up, http.StatusCreated)
		tok := pObj(t, up, "upload")["token"]
		attID := pID(t, pObj(t, pObj(t, up, "upload"), "attachment"))
		code, resp := b.do(t, b.Agent, "PUT", tkTicketPath(theirs, ""), tkBody(map[string]any{"comment": map[string]any{"body": "file", "uploads": []any{tok}}}))
		pStatus(t, "attach", code, resp, http.StatusOK)
		b.freeze(t)

		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"GET", tkTicketPath(theirs, ""), nil},
			{"GET", tkTicketPath(theirs, ".json"), nil},
			{"PUT", tkTicketPath(theirs, ""), tkBody(map[string]any{"comment": map[string]any{"body": "let me in"}})},
			{"PUT", tkTicketPath(theirs, ""), tkBody(map[string]any{"subject": "hijacked"})},
			{"DELETE", tkTicketPath(theirs, ""), nil},
			{"GET", tkTicketPath(theirs, "/comments"), nil},
			{"GET", tkTicketPath(theirs, "/audits"), nil},
			{"GET", tkTicketPath(theirs, "/tags"), nil},
			{"PUT", tkTicketPath(theirs, "/tags"), map[string]any{"tags": []string{"x"}}},
			{"DELETE", tkTicketPath(theirs, "/tags"), map[string]any{"tags": []string{"seed"}}},
			{"GET", tkTicketPath(theirs, "/incidents"), nil},
			{"GET", fmt.Sprintf("/api/v2/attachments/%d", attID), nil},
			{"GET", fmt.Sprintf("/api/v2/attachments/%d/content", attID), nil},
		} {
			code, resp := b.do(t, other, tc.method, tc.path, tc.body)
			pNotFound(t, "other customer "+tc.method+" "+tc.path, code, resp)
		}
		// Lists and searches leave the ticket out.
		for _, path := range []string{
			"/api/v2/tickets", fmt.Sprintf("/api/v2/tickets/show_many?ids=%d", theirs),
			fmt.Sprintf("/api/v2/users/%d/tickets/requested", b.EndUser.ID), "/api/v2/search?query=seed",
		} {
			code, resp := b.do(t, other, "GET", path, nil)
			pStatus(t, "other customer "+path, code, resp, http.StatusOK)
			if strings.Contains(fmt.Sprint(resp), "seed body") || strings.Contains(fmt.Sprint(resp), "Seed") {
				t.Errorf("other customer sees the ticket in %s: %v", path, resp)
			}
		}
		code, resp = b.do(t, other, "GET", "/api/v2/search/count?query=seed", nil)
		pStatus(t, "other customer search count", code, resp, http.StatusOK)
		if pNum(resp, "count") != 0 {
			t.Errorf("other customer search count = %v", resp)
		}
		b.unchanged(t, "another customer's requests", *b.frozen)
	})
}

func TestBadInputNonNumericIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBadInputAPI(t, db)
		b.seed(t)
		b.freeze(t)
		for _, id := range []string{
			"abc", "1;DROP", "1%3BDROP%20TABLE%20tickets", "-1", "0", "1.5", "1e3", "0x1", "99999999999999999999",
			"%27%20OR%201=1%20--", "%25", "_", "%5C", "1%00", "%20", "+1", "١",
		} {
			for _, tc := range []struct {
				method, suffix string
				body           any
			}{
				{"GET", "", nil},
				{"GET", ".json", nil},
				{"PUT", "", tkBody(map[string]any{"subject": "x"})},
				{"DELETE", "", nil},
				{"GET", "/comments", nil},
				{"GET", "/audits", nil},
				{"GET", "/tags", nil},
				{"POST", "/merge", map[string]any{"ids": []int{1}}},
			} {
				path := "/api/v2/tickets/" + id + tc.suffix
				code, resp := b.do(t, b.Admin, tc.method, path, tc.body)
				if code != http.StatusNotFound {
					t.Errorf("%s %s: %d, want 404 (%v)", tc.method, path, code, resp)
				}
			}
			for _, path := range []string{"/api/v2/attachments/" + id, "/api/v2/attachments/" + id + "/content", "/api/v2/ticket_fields/" + id,
				"/api/v2/job_statuses/" + id, "/api/v2/users/" + id + "/tickets/requested"} {
				code, resp := b.do(t, b.Admin, "GET", path, nil)
				if code != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404 (%v)", path, code, resp)
				}
			}
			for _, tc := range []struct{ method, path string }{
				{"PUT", "/api/v2/deleted_tickets/" + id + "/restore"},
				{"DELETE", "/api/v2/deleted_tickets/" + id},
				{"DELETE", "/api/v2/uploads/" + id},
				{"DELETE", "/api/v2/ticket_fields/" + id},
			} {
				code, resp := b.do(t, b.Admin, tc.method, tc.path, nil)
				if code != http.StatusNotFound {
					t.Errorf("%s %s: %d, want 404 (%v)", tc.method, tc.path, code, resp)
				}
			}
		}
		b.unchanged(t, "non-numeric ids", *b.frozen)
	})
}

func TestBadInputPagingParams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBadInputAPI(t, db)
		id := b.seed(t)
		// 101 more tickets, made through the service for speed.
		ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: b.Agent.ID, Role: desk.RoleAgent, Email: b.Agent.Email})
		for i := range 101 {
			body := fmt.Sprintf("bulk %d", i)
			if _, _, err := b.srv.Tickets.Create(ctx, ticket.Input{Comment: &ticket.CommentInput{Body: body}}); err != nil {
				t.Fatal(err)
			}
		}

		// Huge sizes are clamped to 100.
		for _, q := range []string{"per_page=100000", "per_page=101", "per_page=2147483648", "page[size]=100000"} {
			code, resp := b.do(t, b.Agent, "GET", "/api/v2/tickets?"+q, nil)
			pStatus(t, q, code, resp, http.StatusOK)
			if n := len(pList(t, resp, "tickets")); n != 100 {
				t.Errorf("%s: %d tickets, want 100", q, n)
			}
			next := resp["next_page"]
			if next == nil {
				next = pObj(t, resp, "links")["next"]
			}
			if u, _ := url.Parse(fmt.Sprint(next)); u == nil || (u.Query().Get("per_page") != "100" && u.Query().Get("page[size]") != "100") {
				t.Errorf("%s: next = %v, want the clamped size", q, next)
			}
		}

		for _, base := range []string{"/api/v2/tickets", "/api/v2/deleted_tickets", tkTicketPath(id, "/comments"),
			fmt.Sprintf("/api/v2/users/%d/tickets/requested", b.EndUser.ID), "/api/v2/search?query=bulk&x=1"} {
			sep := "?"
			if strings.Contains(base, "?") {
				sep = "&"
			}
			for _, q := range []string{
				"page=0", "page=-1", "page=abc", "page=1.5", "page=%27", "page=99999999999999999999",
				"per_page=0", "per_page=-1", "per_page=x", "per_page=%25",
				"page[size]=x", "page[size]=0", "page[size]=-1", "page[size]=1e2",
				"page[after]=garbage", "page[after]=%27%20OR%201=1%20--", "page[after]=" + b64("id:x"), "page[after]=" + b64("id:-5"),
				"page[after]=" + b64("id:99999999999999999999"), "page[after]=%00", "page[before]=!!!",
			} {
				if strings.Contains(base, "search") && strings.HasPrefix(q, "page[") {
					continue // search refuses cursors outright (400), tested elsewhere
				}
				path := base + sep + q
				code, resp := b.do(t, b.Agent, "GET", path, nil)
				if code != http.StatusBadRequest {
					t.Errorf("GET %s: %d, want 400 (%v)", path, code, trimForLog(fmt.Sprint(resp)))
				}
			}
		}
		// Sorting: unknown fields and metacharacters are refused, not run.
		for _, s := range []string{"' OR 1=1 --", `"; DROP TABLE tickets; --`, "%", "_", `\`, "id desc", "id;", "subject", "-", "--id"} {
			code, resp := b.do(t, b.Agent, "GET", "/api/v2/tickets?sort="+url.QueryEscape(s), nil)
			if code != http.StatusOK && !isClientError(code) {
				t.Errorf("sort=%q: %d %v", s, code, resp)
			}
			if code == http.StatusOK && pNum(resp, "count") != 102 {
				t.Errorf("sort=%q changed the result: %v", s, resp["count"])
			}
			code, resp = b.do(t, b.Agent, "GET", "/api/v2/tickets?sort_by="+url.QueryEscape(s)+"&sort_order="+url.QueryEscape(s), nil)
			if code != http.StatusOK && !isClientError(code) {
				t.Errorf("sort_by=%q: %d %v", s, code, resp)
			}
		}
		code, resp := b.do(t, b.Agent, "GET", "/api/v2/tickets?per_page=1", nil)
		pStatus(t, "still there", code, resp, http.StatusOK)
		if pNum(resp, "count") != 102 {
			t.Errorf("count after hostile paging = %v", resp["count"])
		}
	})
}

func TestBadInputSQLMetacharacters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBadInputAPI(t, db)
		nasty := []string{
			`' OR 1=1 --`,
			`"; DROP TABLE tickets; --`,
			`%`,
			`_`,
			`\`,
			`\'; SELECT pg_sleep(5); --`,
			`Robert'); DROP TABLE tickets;--`,
			`1' UNION SELECT token_hash FROM api_tokens --`,
			`%' AND '1'='1`,
			`\x00\n\r\t`,
			`$1 ? ?? :name @p1`,
			`Zgłoszenie 🎫 <b>bold</b> &amp;`,
		}
		var ids []int64
		for _, s := range nasty {
			code, resp := b.do(t, b.Agent, "POST", "/api/v2/tickets", tkBody(map[string]any{
				"subject": s, "external_id": s, "comment": map[string]any{"body": "body " + s},
			}))
			pStatus(t, "create "+s, code, resp, http.StatusCreated)
			tk := pObj(t, resp, "ticket")
			ids = append(ids, pID(t, tk))
			if tk["subject"] != strings.TrimSpace(s) || tk["external_id"] != s || tk["description"] != "body "+s {
				t.Errorf("created %q = subject %q, external_id %q, description %q", s, tk["subject"], tk["external_id"], tk["description"])
			}
		}
		// Stored verbatim: read back one by one, in lists and in comments.
		for i, s := range nasty {
			code, resp := b.do(t, b.Agent, "GET", tkTicketPath(ids[i], ""), nil)
			pStatus(t, "show", code, resp, http.StatusOK)
			if tk := pObj(t, resp, "ticket"); tk["subject"] != strings.TrimSpace(s) || tk["external_id"] != s {
				t.Errorf("stored %q = %v", s, tk)
			}
			code, resp = b.do(t, b.Agent, "GET", tkTicketPath(ids[i], "/comments"), nil)
			pStatus(t, "comments", code, resp, http.StatusOK)
			if c := pList(t, resp, "comments")[0]; c["body"] != "body "+s {
				t.Errorf("comment of %q = %q", s, c["body"])
			}
		}
		code, resp := b.do(t, b.Agent, "GET", "/api/v2/tickets", nil)
		pStatus(t, "list", code, resp, http.StatusOK)
		if got := pIDs(t, resp, "tickets"); !slices.Equal(got, ids) {
			t.Errorf("list = %v, want %v", got, ids)
		}

		// Tags: lower-cased and split on spaces as in Zendesk, otherwise verbatim.
		tagIn := []string{`'`, `%`, `_`, `\`, `--`, `';drop-table-tickets;--`, `"quoted"`, `1=1`, `a%b_c\d`}
		code, resp = b.do(t, b.Agent, "PUT", tkTicketPath(ids[0], ""), tkBody(map[string]any{"tags": tagIn}))
		pStatus(t, "nasty tags", code, resp, http.StatusOK)
		if got := tkStrings(pObj(t, resp, "ticket")["tags"]); !slices.Equal(got, tagIn) {
			t.Errorf("tags = %q, want %q", got, tagIn)
		}
		code, resp = b.do(t, b.Agent, "GET", tkTicketPath(ids[0], "/tags"), nil)
		pStatus(t, "tags", code, resp, http.StatusOK)
		if got := tkStrings(resp["tags"]); !slices.Equal(got, tagIn) {
			t.Errorf("stored tags = %q", got)
		}
		// Removing "%" removes only that tag, not everything LIKE it.
		code, resp = b.do(t, b.Agent, "DELETE", tkTicketPath(ids[0], "/tags"), map[string]any{"tags": []string{"%", "_"}})
		pStatus(t, "remove % tag", code, resp, http.StatusOK)
		if got := tkStrings(resp["tags"]); !slices.Equal(got, []string{`'`, `\`, `--`, `';drop-table-tickets;--`, `"quoted"`, `1=1`, `a%b_c\d`}) {
			t.Errorf("after removing %% and _: %q", got)
		}

		// Searching for them: never a 500, and wildcards match only
		// themselves (a "%" search must not find every ticket).
		for _, s := range append(slices.Clone(nasty), `*`, `"`, `subject:%`, `tags:%`, `tags:_`, `status<%`, `order_by:' sort:"`, `-%`, `%*`, `requester:%`, `a*`, "\\", `""`, `\"`) {
			for _, path := range []string{"/api/v2/search?query=", "/api/v2/search/count?query="} {
				code, resp := b.do(t, b.Agent, "GET", path+url.QueryEscape(s), nil)
				if code != http.StatusOK && code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
					t.Errorf("search %q: %d %v", s, code, resp)
					continue
				}
				if code == http.StatusOK && pNum(resp, "count") >= int64(len(nasty)) {
					t.Errorf("search %q matched everything: count %v", s, resp["count"])
				}
			}
		}
		// Bad ids and includes.
		for _, s := range nasty {
			for _, path := range []string{
				"/api/v2/tickets/show_many?ids=" + url.QueryEscape(s),
				"/api/v2/tickets/show_many?ids=1," + url.QueryEscape(s),
				"/api/v2/tickets?include=" + url.QueryEscape(s),
				tkTicketPath(ids[0], "?include="+url.QueryEscape(s)),
				"/api/v2/tickets?page[after]=" + url.QueryEscape(s),
				"/api/v2/incremental/tickets/cursor?cursor=" + url.QueryEscape(s),
				"/api/v2/incremental/tickets/cursor?start_time=" + url.QueryEscape(s),
				// p6-incremental
				"/api/v2/incremental/tickets?start_time=" + url.QueryEscape(s),
				"/api/v2/incremental/tickets?start_time=0&cursor=" + url.QueryEscape(s),
				"/api/v2/incremental/tickets?start_time=0&include=" + url.QueryEscape(s),
				"/api/v2/incremental/ticket_events?start_time=" + url.QueryEscape(s),
				"/api/v2/incremental/ticket_events?start_time=0&include=" + url.QueryEscape(s),
				"/api/v2/incremental/users?start_time=" + url.QueryEscape(s),
				"/api/v2/incremental/users/cursor?cursor=" + url.QueryEscape(s),
				"/api/v2/incremental/organizations?start_time=0&cursor=" + url.QueryEscape(s),
			} {
				code, resp := b.do(t, b.Agent, "GET", path, nil)
				if code != http.StatusBadRequest {
					t.Errorf("GET %s: %d, want 400 (%v)", path, code, resp)
				}
			}
			code, resp := b.do(t, b.Agent, "DELETE", "/api/v2/tickets/destroy_many?ids="+url.QueryEscape(s), nil)
			if code != http.StatusBadRequest {
				t.Errorf("destroy_many ids=%q: %d %v", s, code, resp)
			}
		}
		// Field titles and options are stored verbatim too.
		for _, s := range nasty[:9] {
			code, resp := b.do(t, b.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "text", "title": s}})
			pStatus(t, "field "+s, code, resp, http.StatusCreated)
			if f := pObj(t, resp, "ticket_field"); f["title"] != strings.TrimSpace(s) {
				t.Errorf("field title %q = %q", s, f["title"])
			}
		}
		// Everything is still there.
		code, resp = b.do(t, b.Admin, "GET", "/api/v2/tickets/count", nil)
		pStatus(t, "count", code, resp, http.StatusOK)
		if n := pNum(pObj(t, resp, "count"), "value"); n != int64(len(nasty)) {
			t.Errorf("ticket count = %d, want %d", n, len(nasty))
		}
	})
}

func TestBadInputHostileHTML(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b := newBadInputAPI(t, db)
		id := b.seed(t)

		for _, tc := range []struct {
			name, html string
			keep       []string // in the plain body
			keepHTML   []string // in the sanitized html_body
		}{
			{"script", `<p>Hello</p><script>alert(document.cookie)</script>`, []string{"Hello"}, []string{"<p>Hello</p>"}},
			{"event handlers", `<img src="https://example.com/x.png" onerror="alert(1)"><p onclick="steal()" onmouseover=x>Click me</p>`, []string{"Click me"}, []string{"Click me"}},
			{"javascript url", `<a href="javascript:alert(1)">link text</a> <a href=" JaVaScRiPt:alert(2)">two</a>`, []string{"link text", "two"}, []string{"link text"}},
			{"encoded javascript", `<a href="&#106;&#97;vascript:alert(1)">enc</a><a href="java&#x09;script:alert(1)">tab</a>`, []string{"enc", "tab"}, nil},
			{"data and vbscript", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a><a href="vbscript:msgbox(1)">vb</a>`, []string{"data", "vb"}, nil},
			{"svg", `<svg onload="alert(1)"><script>alert(2)</script></svg>ok`, []string{"ok"}, nil},
			{"iframe and object", `<iframe src="https://evil.example"></iframe><object data="x.swf"></object><embed src="x">text`, []string{"text"}, nil},
			{"style", `<div style="background:url(javascript:alert(1))">styled</div><style>body{}</style>`, []string{"styled"}, nil},
			{"form", `<form action="https://evil.example"><input name="password"><button>Go</button></form>`, nil, nil},
			{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.example">after`, []string{"after"}, nil},
			{"broken markup", `<scr<script>ipt>alert(1)</scr</script>ipt><img src=x onerror=alert(1)//`, nil, nil},
			{"safe link", `<a href="https://example.com/help">help</a>`, []string{"help"}, []string{`href="https://example.com/help"`}},
		} {
			code, resp := b.do(t, b.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"comment": map[string]any{"html_body": tc.html, "public": true}}))
			if code == http.StatusUnprocessableEntity && len(tc.keep) == 0 {
				continue // nothing left after sanitizing: refused as blank, also fine
			}
			pStatus(t, tc.name, code, resp, http.StatusOK)
			var ev map[string]any
			for _, e := range tkEvents(t, pObj(t, resp, "audit")) {
				if e["type"] == "Comment" {
					ev = e
				}
			}
			code, list := b.do(t, b.Agent, "GET", tkTicketPath(id, "/comments?sort_order=desc&per_page=1"), nil)
			pStatus(t, "comments", code, list, http.StatusOK)
			c := pList(t, list, "comments")[0]
			for _, where := range []struct {
				what  string
				html  any
				plain any
			}{{"stored", c["html_body"], c["body"]}, {"audit", ev["html_body"], ev["body"]}} {
				h, _ := where.html.(string)
				lower := strings.ToLower(h)
				for _, bad := range []string{"<script", "onerror", "onclick", "onload", "onmouseover", "javascript:", "vbscript:", "data:text",
					"<iframe", "<object", "<embed", "<svg", "<style", "<form", "<input", "<meta", "style="} {
					if strings.Contains(lower, bad) {
						t.Errorf("%s: %s html_body keeps %q: %s", tc.name, where.what, bad, h)
					}
				}
				for _, k := range tc.keepHTML {
					if !strings.Contains(h, k) {
						t.Errorf("%s: %s html_body lost %q: %s", tc.name, where.what, k, h)
					}
				}
				plain, _ := where.plain.(string)
				for _, k := range tc.keep {
					if !strings.Contains(plain, k) {
						t.Errorf("%s: %s body lost %q: %q", tc.name, where.what, k, plain)
					}
				}
				if strings.Contains(plain, "<script") {
					t.Errorf("%s: %s plain body keeps markup: %q", tc.name, where.what, plain)
				}
			}
			if c["plain_body"] != c["body"] {
				t.Errorf("%s: plain_body %q != body %q", tc.name, c["plain_body"], c["body"])
			}
		}

		// A plain-text body is kept verbatim and escaped in html_body.
		text := `Use <script>alert(1)</script> & "quotes" & 'apostrophes' in a plain body`
		code, resp := b.do(t, b.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"comment": map[string]any{"body": text}}))
		pStatus(t, "plain body", code, resp, http.StatusOK)
		code, list := b.do(t, b.Agent, "GET", tkTicketPath(id, "/comments?sort_order=desc"), nil)
		pStatus(t, "comments", code, list, http.StatusOK)
		c := pList(t, list, "comments")[0]
		if c["body"] != text || strings.Contains(c["html_body"].(string), "<script") || !strings.Contains(c["html_body"].(string), "&lt;script&gt;") {
			t.Errorf("plain comment = body %q html %q", c["body"], c["html_body"])
		}
		// Hostile subjects are data: returned verbatim as JSON strings.
		code, resp = b.do(t, b.Agent, "POST", "/api/v2/tickets", tkBody(map[string]any{"subject": `<img src=x onerror=alert(1)>`, "comment": map[string]any{"body": "x"}}))
		pStatus(t, "html subject", code, resp, http.StatusCreated)
		if s := pObj(t, resp, "ticket")["subject"]; s != `<img src=x onerror=alert(1)>` {
			t.Errorf("subject = %q", s)
		}
	})
}

// pInvalidSoft is pInvalid reporting with Errorf, so one table run shows
// every failing row.
func pInvalidSoft(t *testing.T, what string, code int, body map[string]any, field string) {
	t.Helper()
	if code != http.StatusUnprocessableEntity || body["error"] != "RecordInvalid" {
		t.Errorf("%s: %d %v, want 422 RecordInvalid", what, code, body)
		return
	}
	details, _ := body["details"].(map[string]any)
	entries, _ := details[field].([]any)
	if len(entries) == 0 {
		t.Errorf("%s: details has no %q: %v", what, field, body)
		return
	}
	if e, _ := entries[0].(map[string]any); e["description"] == "" || e["error"] != "InvalidValue" {
		t.Errorf("%s: detail entry incomplete: %v", what, e)
	}
}
