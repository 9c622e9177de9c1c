package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/retention"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The retention rows of the permission matrix: every route needs
// manage_security (admins here; no fixture custom role holds it). The run
// row is a dry run, so the matrix deletes nothing.
func init() { matrix = append(matrix, retentionMatrix...) }

var freshRetentionPolicy = fresh(func(m *mx, t *testing.T) int64 {
	k, days := retention.KindClosedTickets, 3650
	p, err := m.a.srv.Retention.Create(m.sys, retention.Input{Kind: &k, Days: &days})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
})

var retentionMatrix = []mcase{
	{route: "GET /api/v2/retention_policies", note: "manage_security", want: adminOnly, req: path("/api/v2/retention_policies")},
	{route: "POST /api/v2/retention_policies", note: "manage_security", want: "201 201 403 403 403 403 403 401 403",
		req: func(_ *testing.T, _ *mx, _ string) (string, any) {
			return "/api/v2/retention_policies", map[string]any{"retention_policy": map[string]any{"kind": "suspended_tickets", "days": 3650}}
		}},
	{route: "GET /api/v2/retention_policies/preview", note: "manage_security", want: adminOnly, req: path("/api/v2/retention_policies/preview")},
	{route: "POST /api/v2/retention_policies/run", note: "manage_security (a dry run here)", want: adminOnly,
		req: func(_ *testing.T, _ *mx, _ string) (string, any) {
			return "/api/v2/retention_policies/run", map[string]any{"dry_run": true}
		}},
	{route: "GET /api/v2/retention_policies/{id}", note: "manage_security", want: adminOnly, req: idPath("/api/v2/retention_policies/%d", freshRetentionPolicy, nil)},
	{route: "PUT /api/v2/retention_policies/{id}", note: "manage_security", want: adminOnly, req: idPath("/api/v2/retention_policies/%d", freshRetentionPolicy,
		map[string]any{"retention_policy": map[string]any{"days": 4000}})},
	{route: "DELETE /api/v2/retention_policies/{id}", note: "manage_security", want: adminDelete, req: idPath("/api/v2/retention_policies/%d", freshRetentionPolicy, nil)},
}

// TestRetentionPoliciesAPI: create, read, change and delete a policy; bad
// input is 422 with details; preview and dry run count an old closed
// ticket without deleting it, and a real run through the API deletes it.
func TestRetentionPoliciesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/retention_policies", map[string]any{"retention_policy": map[string]any{"kind": "closed_tickets", "days": 0}})
		if code != http.StatusUnprocessableEntity || body["error"] != "RecordInvalid" || body["details"].(map[string]any)["days"] == nil {
			t.Fatalf("bad days: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/retention_policies", map[string]any{})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("no object: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/retention_policies", map[string]any{"retention_policy": map[string]any{"kind": "closed_tickets", "days": 30, "tag": "old"}})
		if code != http.StatusCreated {
			t.Fatalf("create: %d %v", code, body)
		}
		pol := body["retention_policy"].(map[string]any)
		id := pNum(pol, "id")
		if pol["kind"] != "closed_tickets" || pol["tag"] != "old" || pol["active"] != true {
			t.Fatalf("created %v", pol)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/retention_policies/"+itoa(id), map[string]any{"retention_policy": map[string]any{"days": 60}})
		if code != http.StatusOK || pNum(body["retention_policy"].(map[string]any), "days") != 60 {
			t.Fatalf("update: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/retention_policies", nil)
		if code != http.StatusOK || pNum(body, "count") != 1 {
			t.Fatalf("list: %d %v", code, body)
		}

		// An old closed ticket tagged "old" (closed long ago: the test
		// stores it so, as no API closes a ticket in the past).
		code, body = a.do(t, a.Agent, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{"subject": "Old", "comment": map[string]any{"body": "old"}}})
		if code != http.StatusCreated {
			t.Fatalf("ticket: %d %v", code, body)
		}
		tid := pNum(body["ticket"].(map[string]any), "id")
		ctx := desk.SystemContext(context.Background())
		if _, err := db.Exec(ctx, `UPDATE tickets SET status = 'closed', updated_at = 1, status_updated_at = 1, tags = 'old' WHERE id = ?`, tid); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, 'old')`, tid); err != nil {
			t.Fatal(err)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/retention_policies/preview", nil)
		if code != http.StatusOK || pNum(body["retention_preview"].(map[string]any)["totals"].(map[string]any), "closed_tickets") != 1 {
			t.Fatalf("preview: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/retention_policies/run", nil)
		if code != http.StatusOK || body["retention_run"].(map[string]any)["dry_run"] != true {
			t.Fatalf("run without a body is a dry run: %d %v", code, body)
		}
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/tickets/"+itoa(tid), nil); code != http.StatusOK {
			t.Fatalf("a dry run deleted the ticket: %d", code)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/retention_policies/run", map[string]any{"dry_run": false})
		if code != http.StatusOK || pNum(body["retention_run"].(map[string]any)["totals"].(map[string]any), "closed_tickets") != 1 {
			t.Fatalf("run: %d %v", code, body)
		}
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/tickets/"+itoa(tid), nil); code != http.StatusNotFound {
			t.Fatalf("ticket after the run: %d", code)
		}
		if code, _ := a.do(t, a.Admin, "DELETE", "/api/v2/retention_policies/"+itoa(id), nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d", code)
		}
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/retention_policies/"+itoa(id), nil); code != http.StatusNotFound {
			t.Fatalf("deleted policy: %d", code)
		}
	})
}
