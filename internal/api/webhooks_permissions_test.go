package api

import (
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// The webhook rows of the permission matrix: every route needs
// manage_business_rules (owner and admin here; no fixture custom role has
// it), for reads too, as webhook definitions hold endpoints and the log
// holds ticket data.
func init() { matrix = append(matrix, webhookMatrix...) }

// newWebhook is a fresh webhook rules may call, with one logged invocation.
func (m *mx) newWebhook(t *testing.T) int64 {
	t.Helper()
	name, endpoint := m.uniq("Hook "), "https://hooks.example.com/"+m.uniq("h")
	w, err := m.a.srv.Webhooks.Create(m.sys, webhook.Input{Name: &name, Endpoint: &endpoint, Subscriptions: &[]string{webhook.SubConditional}})
	if err != nil {
		t.Fatalf("webhook: %v", err)
	}
	return w.ID
}

// newInvocation queues one delivery of a fresh webhook and returns both ids.
func (m *mx) newInvocation(t *testing.T) (int64, int64) {
	t.Helper()
	id := m.newWebhook(t)
	err := m.a.srv.DB.InTx(m.sys, func(tx *store.Tx) error { return m.a.srv.Webhooks.EnqueueTx(m.sys, tx, id, m.pub, `{}`, "trigger:1") })
	if err != nil {
		t.Fatal(err)
	}
	invs, _, err := m.a.srv.Webhooks.Invocations(m.sys, id, 1, 0)
	if err != nil || len(invs) != 1 {
		t.Fatalf("invocation: %v %v", invs, err)
	}
	return id, invs[0].ID
}

const (
	rulesRead   = "200 200 403 403 403 403 403 401 403"
	rulesCreate = "201 201 403 403 403 403 403 401 403"
	rulesUpdate = "204 204 403 403 403 403 403 401 403"
	// The test of a refused endpoint: validated (422) only for those
	// allowed to test at all.
	rulesTestRefused = "422 422 403 403 403 403 403 401 403"
)

var freshWebhook = fresh((*mx).newWebhook)

var webhookMatrix = []mcase{
	{route: "GET /api/v2/webhooks", want: rulesRead, req: path("/api/v2/webhooks")},
	{route: "POST /api/v2/webhooks", want: rulesCreate, req: func(_ *testing.T, m *mx, role string) (string, any) {
		return "/api/v2/webhooks", map[string]any{"webhook": map[string]any{"name": m.uniq("Hook " + role),
			"endpoint": "https://hooks.example.com/x", "subscriptions": []string{webhook.SubConditional}}}
	}},
	{route: "POST /api/v2/webhooks/test", want: rulesTestRefused, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/webhooks/test", map[string]any{"webhook": map[string]any{"endpoint": "http://169.254.169.254/latest/meta-data/"}}
	}},
	{route: "GET /api/v2/webhooks/{id}", want: rulesRead, req: idPath("/api/v2/webhooks/%d", freshWebhook, nil)},
	{route: "PUT /api/v2/webhooks/{id}", want: rulesUpdate, req: idPath("/api/v2/webhooks/%d", freshWebhook,
		map[string]any{"webhook": map[string]any{"status": "inactive"}})},
	{route: "PATCH /api/v2/webhooks/{id}", want: rulesUpdate, req: idPath("/api/v2/webhooks/%d", freshWebhook,
		map[string]any{"webhook": map[string]any{"description": "patched"}})},
	{route: "DELETE /api/v2/webhooks/{id}", want: adminDelete, req: idPath("/api/v2/webhooks/%d", freshWebhook, nil)},
	{route: "GET /api/v2/webhooks/{id}/signing_secret", want: rulesRead, req: idPath("/api/v2/webhooks/%d/signing_secret", freshWebhook, nil)},
	{route: "POST /api/v2/webhooks/{id}/signing_secret", want: rulesCreate, req: idPath("/api/v2/webhooks/%d/signing_secret", freshWebhook, nil)},
	{route: "GET /api/v2/webhooks/{id}/invocations", want: rulesRead, req: func(t *testing.T, m *mx, _ string) (string, any) {
		id, _ := m.newInvocation(t)
		return fmt.Sprintf("/api/v2/webhooks/%d/invocations", id), nil
	}},
	{route: "GET /api/v2/webhooks/{id}/invocations/{invocation_id}/attempts", want: rulesRead, req: func(t *testing.T, m *mx, _ string) (string, any) {
		id, inv := m.newInvocation(t)
		return fmt.Sprintf("/api/v2/webhooks/%d/invocations/%d/attempts", id, inv), nil
	}},
}
