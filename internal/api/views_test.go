package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/views"
)

// Views and macros (p8-views) in the permission matrix. Staff use them;
// any staff member keeps personal ones (so creating answers 201 for every
// agent: theirs is personal); shared ones change only with
// manage_business_rules (admins here). End-users get 403.
const (
	staffCreate = "201 201 201 201 201 201 403 401 201"
	// Applying a macro to the public ticket: the light agent may not change
	// its priority; "assigned" does not see the ticket.
	macroApply = "200 200 200 403 200 404 403 401 200"
)

// newView makes a shared view of every unsolved ticket.
func (m *mx) newView(t *testing.T) int64 {
	t.Helper()
	v, err := m.a.srv.Views.Create(m.sys, views.Input{Title: ptrTo(m.uniq("View ")), All: json.RawMessage(`[{"field":"status","operator":"less_than","value":"solved"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// newMacro makes a shared macro that raises the priority.
func (m *mx) newMacro(t *testing.T) int64 {
	t.Helper()
	mc, err := m.a.srv.Macros.Create(m.sys, macros.Input{Title: ptrTo(m.uniq("Macro ")), Actions: json.RawMessage(`[{"field":"priority","value":"high"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	return mc.ID
}

var (
	freshView  = fresh((*mx).newView)
	freshMacro = fresh((*mx).newMacro)
	viewBody   = map[string]any{"view": map[string]any{"title": "Matrix view", "all": []any{map[string]any{"field": "status", "operator": "is", "value": "open"}}}}
)

func init() {
	matrix = append(matrix,
		mcase{route: "GET /api/v2/views", want: staffOK, req: path("/api/v2/views")},
		mcase{route: "POST /api/v2/views", want: staffCreate, req: func(*testing.T, *mx, string) (string, any) { return "/api/v2/views", viewBody }},
		mcase{route: "GET /api/v2/views/active", want: staffOK, req: path("/api/v2/views/active")},
		mcase{route: "GET /api/v2/views/compact", want: staffOK, req: path("/api/v2/views/compact")},
		mcase{route: "GET /api/v2/views/show_many", want: staffOK, req: idPath("/api/v2/views/show_many?ids=%d", freshView, nil)},
		mcase{route: "GET /api/v2/views/count_many", want: staffOK, req: idPath("/api/v2/views/count_many?ids=%d", freshView, nil)},
		mcase{route: "PUT /api/v2/views/update_many", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/views/update_many", map[string]any{"views": []any{map[string]any{"id": m.newView(t), "position": 7, "active": false}}}
		}},
		mcase{route: "POST /api/v2/views/preview", want: staffOK, req: func(*testing.T, *mx, string) (string, any) { return "/api/v2/views/preview", viewBody }},
		mcase{route: "POST /api/v2/views/preview/count", want: staffOK, req: func(*testing.T, *mx, string) (string, any) { return "/api/v2/views/preview/count", viewBody }},
		mcase{route: "GET /api/v2/views/{id}", want: staffOK, req: idPath("/api/v2/views/%d", freshView, nil)},
		mcase{route: "PUT /api/v2/views/{id}", want: adminOnly, req: idPath("/api/v2/views/%d", freshView, map[string]any{"view": map[string]any{"title": "Renamed"}})},
		mcase{route: "DELETE /api/v2/views/{id}", want: adminDelete, req: idPath("/api/v2/views/%d", freshView, nil)},
		mcase{route: "GET /api/v2/views/{id}/execute", want: staffOK, req: idPath("/api/v2/views/%d/execute", freshView, nil), check: expectPrivateRow},
		mcase{route: "GET /api/v2/views/{id}/tickets", want: staffOK, req: idPath("/api/v2/views/%d/tickets", freshView, nil), check: expectPrivate("tickets")},
		mcase{route: "GET /api/v2/views/{id}/count", want: staffOK, req: idPath("/api/v2/views/%d/count", freshView, nil)},

		mcase{route: "GET /api/v2/macros", want: staffOK, req: path("/api/v2/macros?include=usage_7d")},
		mcase{route: "POST /api/v2/macros", want: staffCreate, req: func(*testing.T, *mx, string) (string, any) {
			return "/api/v2/macros", map[string]any{"macro": map[string]any{"title": "Matrix macro", "actions": []any{map[string]any{"field": "status", "value": "open"}}}}
		}},
		mcase{route: "GET /api/v2/macros/active", want: staffOK, req: path("/api/v2/macros/active")},
		mcase{route: "GET /api/v2/macros/search", want: staffOK, req: path("/api/v2/macros/search?query=macro")},
		mcase{route: "GET /api/v2/macros/categories", want: staffOK, req: path("/api/v2/macros/categories")},
		mcase{route: "GET /api/v2/macros/show_many", want: staffOK, req: idPath("/api/v2/macros/show_many?ids=%d", freshMacro, nil)},
		mcase{route: "PUT /api/v2/macros/update_many", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/macros/update_many", map[string]any{"macros": []any{map[string]any{"id": m.newMacro(t), "position": 3}}}
		}},
		mcase{route: "GET /api/v2/macros/{id}", want: staffOK, req: idPath("/api/v2/macros/%d", freshMacro, nil)},
		mcase{route: "PUT /api/v2/macros/{id}", want: adminOnly, req: idPath("/api/v2/macros/%d", freshMacro, map[string]any{"macro": map[string]any{"active": false}})},
		mcase{route: "DELETE /api/v2/macros/{id}", want: adminDelete, req: idPath("/api/v2/macros/%d", freshMacro, nil)},
		mcase{route: "GET /api/v2/macros/{id}/apply", want: staffOK, req: idPath("/api/v2/macros/%d/apply", freshMacro, nil)},
		mcase{route: "GET /api/v2/tickets/{ticket_id}/macros/{id}/apply", want: macroApply, req: func(t *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/tickets/%d/macros/%d/apply", m.newTicket(t, false, "macro"), m.newMacro(t)), nil
		}},
	)
}

// expectPrivateRow checks a view execution lists the private ticket only
// for those who may see it.
func expectPrivateRow(t *testing.T, m *mx, role string, body map[string]any) {
	rows, _ := body["rows"].([]any)
	found := false
	for _, r := range rows {
		if row, _ := r.(map[string]any); int64(pNum(row, "ticket_id")) == m.priv {
			found = true
		}
	}
	if found != m.canSeePrivate[role] {
		t.Errorf("%s: private ticket in view rows = %v, want %v", role, found, m.canSeePrivate[role])
	}
}

func TestViewsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(t.Context())
		for i := range 5 {
			if _, _, err := a.srv.Tickets.Create(sys, ticket.Input{Subject: ptrTo(fmt.Sprintf("T%d", i)), Comment: &ticket.CommentInput{Body: "b"},
				RequesterID: desk.SetID(a.EndUser.ID), Priority: desk.NullString{Set: true, Value: []string{"low", "high"}[i%2]}}); err != nil {
				t.Fatal(err)
			}
		}
		resp, body := a.request(t, a.Admin, "POST", "/api/v2/views.json", map[string]any{"view": map[string]any{
			"title": "New tickets", "all": []any{map[string]any{"field": "status", "operator": "is", "value": "new"}},
			"output": map[string]any{"columns": []any{"subject", "requester", "priority"}, "sort_by": "priority", "sort_order": "asc"}}})
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") == "" {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		var created struct {
			View struct {
				ID         int64 `json:"id"`
				Conditions struct {
					All []map[string]any `json:"all"`
					Any []any            `json:"any"`
				} `json:"conditions"`
				Execution struct {
					Columns []map[string]any `json:"columns"`
					SortBy  string           `json:"sort_by"`
				} `json:"execution"`
				Restriction any `json:"restriction"`
			} `json:"view"`
		}
		if err := json.Unmarshal(body, &created); err != nil {
			t.Fatal(err)
		}
		v := created.View
		if len(v.Conditions.All) != 1 || v.Conditions.Any == nil || len(v.Execution.Columns) != 3 || v.Execution.SortBy != "priority" || v.Restriction != nil {
			t.Fatalf("view shape: %s", body)
		}
		// Execute, two to a page.
		resp, body = a.request(t, a.Agent, "GET", fmt.Sprintf("/api/v2/views/%d/execute.json?per_page=2", v.ID), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("execute: %d %s", resp.StatusCode, body)
		}
		var ex struct {
			Rows     []map[string]any `json:"rows"`
			Columns  []map[string]any `json:"columns"`
			Count    int              `json:"count"`
			NextPage *string          `json:"next_page"`
		}
		if err := json.Unmarshal(body, &ex); err != nil {
			t.Fatal(err)
		}
		if ex.Count != 5 || len(ex.Rows) != 2 || ex.NextPage == nil || !strings.Contains(*ex.NextPage, "page=2") || len(ex.Columns) != 3 {
			t.Fatalf("execute page: %s", body)
		}
		if ex.Rows[0]["priority"] != "low" || ex.Rows[0]["requester_id"] == nil || ex.Rows[0]["ticket"] == nil {
			t.Fatalf("row: %v", ex.Rows[0])
		}
		resp, body = a.request(t, a.Agent, "GET", fmt.Sprintf("/api/v2/views/%d/execute?page=3&per_page=2", v.ID), nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"next_page":null`) {
			t.Fatalf("last page: %d %s", resp.StatusCode, body)
		}
		resp, body = a.request(t, a.Agent, "GET", fmt.Sprintf("/api/v2/views/count_many?ids=%d,999999", v.ID), nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"value":5`) || strings.Contains(string(body), "999999") {
			t.Fatalf("count_many: %d %s", resp.StatusCode, body)
		}
		// Bad input is a 4xx, never a 500.
		for _, c := range []struct {
			method, path string
			body         any
			want         int
		}{
			{"POST", "/api/v2/views", map[string]any{"view": map[string]any{"title": "x", "all": "status"}}, 422},
			{"POST", "/api/v2/views", map[string]any{"view": map[string]any{"title": "x", "all": []any{map[string]any{"field": "status", "operator": "is", "value": "bogus"}}}}, 422},
			{"POST", "/api/v2/views", map[string]any{}, 422},
			{"POST", "/api/v2/views/preview", map[string]any{"view": map[string]any{"output": map[string]any{"columns": []any{"subject"}}}}, 422},
			{"GET", fmt.Sprintf("/api/v2/views/%d/execute?sort_by=password", v.ID), nil, 422},
			{"GET", fmt.Sprintf("/api/v2/views/%d/execute?page[size]=2", v.ID), nil, 400},
			{"GET", "/api/v2/views/count_many?ids=" + strings.Repeat("1,", 100) + "1", nil, 400},
			{"GET", "/api/v2/views/424242", nil, 404},
		} {
			resp, body := a.request(t, a.Admin, c.method, c.path, c.body)
			if resp.StatusCode != c.want {
				t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, resp.StatusCode, c.want, body)
			}
		}
	})
}

func TestMacrosAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(t.Context())
		tk, _, err := a.srv.Tickets.Create(sys, ticket.Input{Subject: ptrTo("Help"), Comment: &ticket.CommentInput{Body: "b"}, RequesterID: desk.SetID(a.EndUser.ID)})
		if err != nil {
			t.Fatal(err)
		}
		resp, body := a.request(t, a.Admin, "POST", "/api/v2/macros", map[string]any{"macro": map[string]any{"title": "Triage::Urgent",
			"actions": []any{map[string]any{"field": "priority", "value": "urgent"}, map[string]any{"field": "comment_value", "value": "On it, {{ticket.requester.first_name}}."}}}})
		if resp.StatusCode != 201 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		var mc struct {
			Macro struct {
				ID int64 `json:"id"`
			} `json:"macro"`
		}
		_ = json.Unmarshal(body, &mc)
		resp, body = a.request(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d/macros/%d/apply.json", tk.ID, mc.Macro.ID), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("apply: %d %s", resp.StatusCode, body)
		}
		var res struct {
			Result struct {
				Ticket  map[string]any `json:"ticket"`
				Comment map[string]any `json:"comment"`
			} `json:"result"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatal(err)
		}
		if res.Result.Ticket["priority"] != "urgent" || res.Result.Comment["body"] == nil || !strings.HasPrefix(res.Result.Comment["body"].(string), "On it, ") {
			t.Fatalf("apply result: %s", body)
		}
		got, _ := a.srv.Tickets.Get(sys, tk.ID)
		if got.Priority != nil {
			t.Fatalf("apply saved the ticket: priority %v", *got.Priority)
		}
		resp, body = a.request(t, a.Agent, "GET", "/api/v2/macros/search?query=urgent", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Triage::Urgent") {
			t.Fatalf("search: %d %s", resp.StatusCode, body)
		}
		resp, body = a.request(t, a.Agent, "GET", "/api/v2/macros/categories", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"Triage"`) {
			t.Fatalf("categories: %d %s", resp.StatusCode, body)
		}
		resp, body = a.request(t, a.Agent, "GET", fmt.Sprintf("/api/v2/macros/%d?include=usage_7d,usage_30d", mc.Macro.ID), nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"usage_7d":0`) {
			t.Fatalf("usage: %d %s", resp.StatusCode, body)
		}
		for _, c := range []struct {
			method, path string
			body         any
			want         int
		}{
			{"POST", "/api/v2/macros", map[string]any{"macro": map[string]any{"title": "x", "actions": []any{map[string]any{"field": "status", "value": "bogus"}}}}, 422},
			{"POST", "/api/v2/macros", map[string]any{"macro": map[string]any{"title": "x", "actions": "status"}}, 422},
			{"GET", "/api/v2/macros/search", nil, 422},
			{"GET", fmt.Sprintf("/api/v2/tickets/%d/macros/424242/apply", tk.ID), nil, 404},
			{"GET", fmt.Sprintf("/api/v2/tickets/424242/macros/%d/apply", mc.Macro.ID), nil, 404},
		} {
			resp, body := a.request(t, a.Admin, c.method, c.path, c.body)
			if resp.StatusCode != c.want {
				t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, resp.StatusCode, c.want, body)
			}
		}
	})
}
