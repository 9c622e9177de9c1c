package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRetentionAdminAccess: the retention page and its forms need
// manage_security: agents get 403 and change nothing; an admin's invalid
// policy is re-shown with the problem (422), not stored.
func TestRetentionAdminAccess(t *testing.T) {
	e := newEnv(t, "")
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	wantStatus(t, "agent page", ag.get("/agent/admin/retention"), http.StatusForbidden)
	ag.get("/agent")
	wantStatus(t, "agent create", ag.post("/agent/admin/retention", url.Values{"kind": {"closed_tickets"}, "days": {"30"}}), http.StatusForbidden)
	wantStatus(t, "agent dry run", ag.post("/agent/admin/retention/dry-run", nil), http.StatusForbidden)

	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ad.get("/agent/admin/retention")
	r := ad.post("/agent/admin/retention", url.Values{"kind": {"closed_tickets"}, "days": {"0"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "from 1 to") {
		t.Fatalf("invalid policy: %d", r.Status)
	}
	if ps, err := e.app.Retention.List(e.sys); err != nil || len(ps) != 0 {
		t.Fatalf("policies %v %v", ps, err)
	}
	r = ad.post("/agent/admin/retention", url.Values{"kind": {"suspended_tickets"}, "days": {"14"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d", r.Status)
	}
	if ps, err := e.app.Retention.List(e.sys); err != nil || len(ps) != 1 || ps[0].Days != 14 {
		t.Fatalf("policies %v %v", ps, err)
	}
}
