package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/store"
)

// auditEntry records one entry as the system, from ip.
func (e *env) auditEntry(action, typ string, id int64, ip string) {
	e.t.Helper()
	ctx := audit.WithClient(e.sys, ip, "test-browser")
	if err := e.app.DB.InTx(ctx, func(tx *store.Tx) error {
		return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: typ, TargetID: id,
			Changes: map[string]audit.Change{"name": {Before: "Old", After: "=HYPERLINK(\"x\")"}}})
	}); err != nil {
		e.t.Fatal(err)
	}
}

func TestAuditPage(t *testing.T) {
	e := newEnv(t, "")
	e.auditEntry("user.suspended", "user", e.customer.ID, "192.0.2.10")
	e.auditEntry("group.renamed", "group", e.group.ID, "192.0.2.20")
	ad, ag := e.client(), e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ag.signIn("/agent/signin", e.agent.Email)

	r := ad.get("/agent/admin/audit")
	wantStatus(t, "audit page", r, http.StatusOK)
	for _, want := range []string{`id="audit-table"`, "user.suspended", "group.renamed", "Carol Customer", "192.0.2.20", `id="audit-export"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	r = ad.get("/agent/admin/audit?action=group.renamed")
	if !strings.Contains(r.Body, "192.0.2.20") || strings.Contains(r.Body, "192.0.2.10") {
		t.Errorf("action filter: %s", r.Body)
	}
	r = ad.get(fmt.Sprintf("/agent/admin/audit?target_type=user&target_id=%d&actor=0", e.customer.ID))
	if !strings.Contains(r.Body, "192.0.2.10") || strings.Contains(r.Body, "192.0.2.20") {
		t.Errorf("target filter")
	}
	if r = ad.get("/agent/admin/audit?from=2000-01-01&to=2000-01-02"); strings.Contains(r.Body, `id="audit-table"`) {
		t.Errorf("date range before every entry still lists entries")
	}
	wantStatus(t, "bad filter", ad.get("/agent/admin/audit?actor=me&from=yesterday"), http.StatusUnprocessableEntity)
	wantStatus(t, "reversed range", ad.get("/agent/admin/audit?from=2020-02-01&to=2020-01-01"), http.StatusUnprocessableEntity)

	// Agents without manage_security are refused.
	wantStatus(t, "agent", ag.get("/agent/admin/audit"), http.StatusForbidden)
	wantStatus(t, "agent verify", ag.post("/agent/admin/audit/verify", nil), http.StatusForbidden)
	wantStatus(t, "agent export", ag.post("/agent/admin/audit/export", url.Values{"format": {"csv"}}), http.StatusForbidden)

	// The chain check.
	r = ad.post("/agent/admin/audit/verify", nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="audit-verify-result"`) || !strings.Contains(r.Body, `class="flash"`) {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}

	// Export: a stale session must re-authenticate first.
	e.stale()
	r = ad.post("/agent/admin/audit/export", url.Values{"format": {"csv"}, "action": {"group.renamed"}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, `id="reauth-box"`) {
		t.Fatalf("stale export: %d", r.Status)
	}
	ad.reauth("/agent/admin/audit")
	r = ad.post("/agent/admin/audit/export", url.Values{"format": {"csv"}, "action": {"group.renamed"}})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", r.Status, r.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][6] != "group.renamed" {
		t.Fatalf("csv %q %v", recs, err)
	}
	if d := recs[1][12]; !strings.HasPrefix(d, "name: Old") {
		t.Errorf("description %q", d)
	}
	r = ad.post("/agent/admin/audit/export", url.Values{"format": {"json"}})
	var js []map[string]any
	if err := json.Unmarshal([]byte(r.Body), &js); err != nil || len(js) < 3 {
		t.Fatalf("json export: %v %s", err, r.Body)
	}
	es, err := audit.List(e.sys, e.app.DB, audit.Filter{Action: audit.ActionExported})
	if err != nil || len(es) != 2 || es[0].ActorID != e.admin.ID || es[0].IP == "" {
		t.Errorf("exports not audited: %+v %v", es, err)
	}

	// A tampered entry turns the check red and names the entry.
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET ip = '10.0.0.1' WHERE action = 'group.renamed'`} {
		if _, err := e.app.DB.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	bad, err := audit.List(e.sys, e.app.DB, audit.Filter{Action: "group.renamed"})
	if err != nil || len(bad) != 1 {
		t.Fatal(err)
	}
	r = ad.post("/agent/admin/audit/verify", nil)
	if !strings.Contains(r.Body, `class="alert" role="alert" id="audit-verify-result"`) || !strings.Contains(r.Body, fmt.Sprint(bad[0].ID)) {
		t.Errorf("tampering not shown: %s", r.Body)
	}
}
