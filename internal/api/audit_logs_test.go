package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The audit log's rows of the permission matrix: manage_security (admins
// here; no custom role of the fixture holds it) reads, export_data too
// exports. Nothing edits or deletes entries.
func init() { matrix = append(matrix, auditLogMatrix...) }

var auditEntry = fresh(func(m *mx, t *testing.T) int64 {
	return recordAudit(t, m.a.DB, "group.updated", "group", m.a.SupportGroupID)
})

var auditLogMatrix = []mcase{
	{route: "GET /api/v2/audit_logs", note: "manage_security", want: adminOnly, req: path("/api/v2/audit_logs")},
	{route: "GET /api/v2/audit_logs/{id}", note: "manage_security", want: adminOnly, req: idPath("/api/v2/audit_logs/%d", auditEntry, nil)},
	{route: "GET /api/v2/audit_logs/export", note: "manage_security and export_data", want: adminOnly, req: path("/api/v2/audit_logs/export?format=json")},
}

// recordAudit writes one entry as the system and returns its id.
func recordAudit(t *testing.T, db *store.DB, action, typ string, id int64) int64 {
	t.Helper()
	ctx := audit.WithClient(desk.SystemContext(context.Background()), "198.51.100.7", "test-agent")
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: typ, TargetID: id,
			Changes: map[string]audit.Change{"name": {Before: "Old", After: "=New"}}})
	}); err != nil {
		t.Fatal(err)
	}
	es, err := audit.List(desk.SystemContext(context.Background()), db, audit.Filter{Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("%v %v", es, err)
	}
	return es[0].ID
}

func TestAuditLogsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		// The admin's token is first used from the test's address now, an
		// entry of its own (api_token.new_ip), before the ones looked for.
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/audit_logs", nil); code != http.StatusOK {
			t.Fatalf("first request: %d", code)
		}
		g := recordAudit(t, db, "group.renamed", "group", a.SupportGroupID)
		u := recordAudit(t, db, "user.suspended", "user", a.EndUser.ID)

		code, body := a.do(t, a.Admin, "GET", "/api/v2/audit_logs.json", nil)
		if code != http.StatusOK {
			t.Fatalf("list: %d %v", code, body)
		}
		logs := body["audit_logs"].([]any)
		if len(logs) < 2 || pNum(logs[0].(map[string]any), "id") != u {
			t.Fatalf("newest first: %v", logs)
		}
		first := logs[0].(map[string]any)
		for k, want := range map[string]any{"action": "user.suspended", "source_type": "user", "source_id": float64(a.EndUser.ID),
			"ip_address": "198.51.100.7", "actor_id": float64(0), "actor_name": "System"} {
			if first[k] != want {
				t.Errorf("%s = %v, want %v", k, first[k], want)
			}
		}
		if !strings.Contains(first["change_description"].(string), "name: Old → =New") || first["source_label"] == "" ||
			!strings.HasSuffix(first["url"].(string), "/api/v2/audit_logs/"+itoa(u)+".json") {
			t.Errorf("entry %v", first)
		}

		// Filters, sort and paging.
		for q, want := range map[string][]int64{
			"?filter[source_type]=group&filter[action]=group.renamed":                                           {g},
			"?filter[action]=user.suspended":                                                                    {u},
			"?filter[source_type]=user&filter[ip_address]=198.51.100.7&filter[source_id]=" + itoa(a.EndUser.ID): {u},
			"?filter[ip_address]=198.51.100.7&sort=created_at":                                                  {g, u},
			"?filter[actor_id]=0&filter[action]=group.renamed":                                                  {g},
			"?filter[created_at][]=2000-01-01&filter[created_at][]=2000-01-02":                                  {},
		} {
			code, body := a.do(t, a.Admin, "GET", "/api/v2/audit_logs"+q, nil)
			if code != http.StatusOK {
				t.Fatalf("%s: %d %v", q, code, body)
			}
			var got []int64
			for _, l := range body["audit_logs"].([]any) {
				got = append(got, pNum(l.(map[string]any), "id"))
			}
			if len(got) != len(want) || (len(want) > 0 && (got[0] != want[0] || got[len(got)-1] != want[len(want)-1])) {
				t.Errorf("%s: %v, want %v", q, got, want)
			}
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/audit_logs?page[size]=1", nil)
		if code != http.StatusOK || len(body["audit_logs"].([]any)) != 1 || body["meta"].(map[string]any)["has_more"] != true {
			t.Fatalf("cursor page: %d %v", code, body)
		}
		next := body["links"].(map[string]any)["next"].(string)
		code, body = a.do(t, a.Admin, "GET", next[strings.Index(next, "/api/v2/"):], nil)
		if code != http.StatusOK || pNum(body["audit_logs"].([]any)[0].(map[string]any), "id") != g {
			t.Fatalf("next page: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/audit_logs?per_page=1&page=2", nil)
		if code != http.StatusOK || pNum(body, "count") < 2 || pNum(body["audit_logs"].([]any)[0].(map[string]any), "id") != g {
			t.Fatalf("offset page: %d %v", code, body)
		}

		// Bad input is a 4xx.
		for _, q := range []string{"?filter[actor_id]=x", "?filter[created_at][]=2020-01-01", "?filter[created_at][]=yesterday&filter[created_at][]=2020-01-01",
			"?sort=action", "?filter[source_id]=-1", "?filter[created_at][]=2020-02-01&filter[created_at][]=2020-01-01", "/export?format=xlsx"} {
			if code, body := a.do(t, a.Admin, "GET", "/api/v2/audit_logs"+q, nil); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
				t.Errorf("%s: %d %v", q, code, body)
			}
		}
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/audit_logs/999999", nil); code != http.StatusNotFound {
			t.Errorf("missing entry: %d", code)
		}
		// No route edits or deletes an entry.
		for _, m := range []string{"PUT", "DELETE", "POST"} {
			if code, _ := a.do(t, a.Admin, m, "/api/v2/audit_logs/"+itoa(g), map[string]any{}); code < 400 {
				t.Errorf("%s audit log: %d", m, code)
			}
		}

		// The export: CSV with neutralised cells, itself audited.
		resp, raw := a.request(t, a.Admin, "GET", "/api/v2/audit_logs/export?filter[action]=group.renamed", nil)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v %s", resp.StatusCode, resp.Header, raw)
		}
		recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
		if err != nil || len(recs) != 2 || !strings.Contains(recs[1][12], "=New") || strings.HasPrefix(recs[1][12], "=") {
			t.Fatalf("export csv %q %v", recs, err)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/audit_logs?filter[action]="+audit.ActionExported, nil)
		if code != http.StatusOK || len(body["audit_logs"].([]any)) != 1 ||
			pNum(body["audit_logs"].([]any)[0].(map[string]any), "actor_id") != a.Admin.ID {
			t.Errorf("export not audited: %v", body)
		}
	})
}
