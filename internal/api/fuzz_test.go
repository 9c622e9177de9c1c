package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The fuzz targets call the handler directly (no listener) over one SQLite
// store set up once per process, outside f.Fuzz, so each input costs one
// request.

// fuzzAPI builds the seeded handler and a few tickets for reads to find.
func fuzzAPI(f *testing.F) (*testAPI, http.Handler) {
	f.Helper()
	// The requests come from 192.0.2.1 (httptest), not loopback: absolute
	// URLs need the public URL (httpx.PublicBase).
	a, h := newTestHandler(f, storetest.SQLite(f), func(s *Server) { s.PublicURL = "http://frontdesk.test" })
	for _, body := range []string{
		`{"ticket":{"subject":"Zgłoszenie printer","tags":["vip","%"],"comment":{"body":"first ' OR 1=1 --"}}}`,
		`{"ticket":{"subject":"Second","priority":"high","comment":{"body":"second"}}}`,
	} {
		for _, u := range []testUser{a.Agent, a.EndUser} {
			if rec := fuzzServe(h, u, "POST", "/api/v2/tickets", []byte(body)); rec.Code != http.StatusCreated {
				f.Fatalf("seed ticket: %d %s", rec.Code, rec.Body)
			}
		}
	}
	return a, h
}

// fuzzServe runs one request through h as u.
func fuzzServe(h http.Handler, u testUser, method, target string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://frontdesk.test/", bytes.NewReader(body))
	if i := strings.IndexByte(target, '?'); i >= 0 {
		req.URL.Path, req.URL.RawQuery = target[:i], target[i+1:]
	} else {
		req.URL.Path = target
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(u.Email+"/token", u.Token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// fuzzCheck fails on a 5xx or on a body that is not a JSON object.
func fuzzCheck(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
	}
	if rec.Code == http.StatusNoContent {
		return
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s: %d, body is not a JSON object: %v\n%s", what, rec.Code, err, rec.Body)
	}
}

func FuzzTicketCreateBody(f *testing.F) {
	for _, seed := range []string{
		``,
		`{`,
		`null`,
		`[]`,
		`{}`,
		`{"ticket":null}`,
		`{"ticket":{}}`,
		`{"ticket":{"subject":"Hi","comment":{"body":"Hello"}}}`,
		`{"ticket":{"subject":"Hi","comment":{"body":"Hello"}}}]`,
		`{"ticket":{"subject":5,"comment":{"body":"x"}}}`,
		`{"ticket":{"tags":"x","comment":{"body":"x"}}}`,
		`{"ticket":{"assignee_id":"abc","comment":{"body":"x"}}}`,
		`{"ticket":{"comment":"string"}}`,
		`{"ticket":{"custom_fields":{},"comment":{"body":"x"}}}`,
		`{"ticket":{"custom_fields":[{"id":1,"value":{"a":[1,2]}}],"comment":{"body":"x"}}}`,
		`{"ticket":{"status":"bogus","priority":"extreme","type":"bug","comment":{"body":"x"}}}`,
		`{"ticket":{"status":"closed","comment":{"body":"x"}}}`,
		`{"ticket":{"requester":{"name":"X","email":"not an email"},"comment":{"body":"x"}}}`,
		`{"ticket":{"requester":{"name":"Bob","email":"bob@example.com","locale_id":{"x":1}},"comment":{"body":"x"}}}`,
		`{"ticket":{"requester_id":-1,"comment":{"body":"x"}}}`,
		`{"ticket":{"requester_id":99999999999999999999,"comment":{"body":"x"}}}`,
		`{"ticket":{"assignee_id":2,"group_id":1,"comment":{"body":"x"}}}`,
		`{"ticket":{"problem_id":1,"type":"incident","comment":{"body":"x"}}}`,
		`{"ticket":{"due_at":"2030-01-01","type":"task","comment":{"body":"x"}}}`,
		`{"ticket":{"due_at":"garbage","comment":{"body":"x"}}}`,
		`{"ticket":{"subject":"' OR 1=1 --","tags":["%","_","\\"],"comment":{"body":"\"; DROP TABLE tickets; --"}}}`,
		`{"ticket":{"subject":"a\u0000b","comment":{"body":"x"}}}`,
		`{"ticket":{"tags":["a\u0000b"],"comment":{"body":"x"}}}`,
		`{"ticket":{"comment":{"html_body":"<p onclick=x>hi</p><script>alert(1)</script><a href=\"javascript:1\">l</a>"}}}`,
		`{"ticket":{"comment":{"html_body":"<script>only</script>"}}}`,
		`{"ticket":{"comment":{"body":"x","uploads":["nope"],"author_id":999,"public":false}}}`,
		`{"ticket":{"comment":{"body":"x"},"collaborator_ids":[1,2,3,1e30]}}`,
		`{"ticket":{"comment":{"body":"x"},"email_cc_ids":[-1],"follower_ids":[3]}}`,
		`{"ticket":{"description":"from description"}}`,
		`{"ticket":{"comment":{"body":"x"},"safe_update":true,"updated_stamp":"2020-01-01T00:00:00Z"}}`,
		"{\"ticket\":{\"subject\":\"\xff\xfe\",\"comment\":{\"body\":\"\xc3\x28\"}}}",
		strings.Repeat("[", 10000),
		`{"ticket":{"comment":{"body":"` + strings.Repeat("a", 70000) + `"}}}`,
		`{"ticket":{"subject":"` + strings.Repeat("s", 300) + `","comment":{"body":"x"}}}`,
	} {
		f.Add([]byte(seed))
	}
	a, h := fuzzAPI(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fuzzServe(h, a.Agent, "POST", "/api/v2/tickets", body)
		fuzzCheck(t, "POST /api/v2/tickets", rec)
		switch rec.Code {
		case http.StatusCreated, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("POST /api/v2/tickets: %d %s", rec.Code, rec.Body)
		}
		if rec.Code == http.StatusCreated && !strings.HasPrefix(rec.Header().Get("Location"), "http://frontdesk.test/api/v2/tickets/") {
			t.Fatalf("201 with Location %q", rec.Header().Get("Location"))
		}
	})
}

func FuzzSearchQuery(f *testing.F) {
	for _, seed := range []string{
		"", " ", "zgloszenie", "Zgłoszenie", "printer", `"printer"`, `"unterminated`, "*", "print*", "**", "-printer",
		"status<solved", "status:open priority>normal", "type:ticket", "type:user", "type:organization", "type:",
		"assignee:me", "requester:me", "tags:vip", "tags:%", "subject:%", "created>2024-01-01", "created<4hours",
		"created>9999999999999999days", "updated>2099-99-99", "order_by:created_at sort:desc", "order_by:' sort:\"",
		"' OR 1=1 --", `"; DROP TABLE tickets; --`, "%", "_", `\`, `\"`, "a\x00b", "\xff\xfe", "🎫",
		strings.Repeat("word ", 200), strings.Repeat("a", 5000), "status:", ":", "::", "<", ">", "-", "--",
		"custom_field_1:x", "group:Support", "organization:none", "has_attachment:true", "via:api",
	} {
		f.Add(seed)
	}
	a, h := fuzzAPI(f)
	f.Fuzz(func(t *testing.T, query string) {
		q := url.QueryEscape(query)
		for _, u := range []testUser{a.Agent, a.EndUser} {
			for _, path := range []string{"/api/v2/search?query=" + q, "/api/v2/search/count?query=" + q, "/api/v2/search.json?per_page=1&page=2&query=" + q} {
				fuzzCheck(t, "GET "+path, fuzzServe(h, u, "GET", path, nil))
			}
		}
	})
}

func FuzzListParams(f *testing.F) {
	type seed struct{ page, perPage, size, after, sort, include, raw string }
	for _, s := range []seed{
		{},
		{page: "1", perPage: "100"},
		{page: "0", perPage: "-1"},
		{page: "99999999999999999999", perPage: "100000"},
		{page: "101", perPage: "100"},
		{size: "x"},
		{size: "0", after: "garbage"},
		{size: "2", after: encodeCursor(1)},
		{size: "2", after: b64("id:-1")},
		{size: "2", after: b64("id:99999999999999999999")},
		{size: "100000", sort: "-id"},
		{sort: "' OR 1=1 --"},
		{sort: `"; DROP TABLE tickets; --`, include: "users,groups,organizations"},
		{sort: "-updated_at", include: "%"},
		{sort: "status", include: "users,,_,"},
		{include: `\`},
		{raw: "page[size]=1&page[before]=" + encodeCursor(3)},
		{raw: "page=%zz&per_page=%"},
		{raw: "sort_by=priority&sort_order=desc&page=2&per_page=1"},
		{raw: "ids=1,2,3&include=users"},
		{raw: ";;&&==&page[after]&page[size]"},
		{raw: "include=users&include=groups&page=1&page=2"},
	} {
		f.Add(s.page, s.perPage, s.size, s.after, s.sort, s.include, s.raw)
	}
	a, h := fuzzAPI(f)
	f.Fuzz(func(t *testing.T, page, perPage, size, after, sort, include, raw string) {
		q := url.Values{}
		for k, v := range map[string]string{"page": page, "per_page": perPage, "page[size]": size, "page[after]": after, "sort": sort, "include": include} {
			if v != "" {
				q.Set(k, v)
			}
		}
		enc := q.Encode()
		for _, u := range []testUser{a.Agent, a.EndUser} {
			for _, base := range []string{"/api/v2/tickets", "/api/v2/tickets.json", "/api/v2/deleted_tickets", "/api/v2/tickets/1/comments",
				"/api/v2/tickets/show_many", "/api/v2/users/1/tickets/requested", "/api/v2/tickets/1"} {
				fuzzCheck(t, "GET "+base+"?"+enc, fuzzServe(h, u, "GET", base+"?"+enc, nil))
				fuzzCheck(t, "GET "+base+"?"+raw, fuzzServe(h, u, "GET", base+"?"+raw, nil))
			}
		}
	})
}
