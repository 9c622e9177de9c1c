package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

type hookReceiver struct {
	mu      sync.Mutex
	headers []http.Header
	bodies  [][]byte
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.headers, h.bodies = append(h.headers, r.Header.Clone()), append(h.bodies, b)
	h.mu.Unlock()
	w.Header().Set("X-Receiver", "yes")
	io.WriteString(w, `{"ok":true}`)
}

func TestWebhooksAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		// The receiver runs on 127.0.0.1: allow private addresses, as an
		// admin with an endpoint on their own network would.
		if err := settings.WebhooksAllowPrivate.Set(context.Background(), a.srv.Webhooks.Settings, true); err != nil {
			t.Fatal(err)
		}
		rc := &hookReceiver{}
		recv := httptest.NewServer(rc)
		defer recv.Close()

		// Bad input: 422 with details, nothing stored.
		for _, body := range []any{
			map[string]any{},
			map[string]any{"webhook": map[string]any{"name": "x", "endpoint": "ftp://example.com", "subscriptions": []string{"conditional_ticket_events"}}},
			map[string]any{"webhook": map[string]any{"name": "x", "endpoint": recv.URL, "subscriptions": []string{"zen:event-type:nope"}}},
			map[string]any{"webhook": map[string]any{"name": "x", "endpoint": recv.URL, "subscriptions": []string{"conditional_ticket_events"},
				"authentication": map[string]any{"type": "basic_auth", "add_position": "body", "data": map[string]any{"username": "u", "password": "p"}}}},
			`{"webhook": {"name": 5}}`,
		} {
			code, resp := a.do(t, a.Admin, "POST", "/api/v2/webhooks", body)
			if code != 422 && code != 400 {
				t.Fatalf("bad create %v: %d %v", body, code, resp)
			}
		}

		code, resp := a.do(t, a.Admin, "POST", "/api/v2/webhooks.json", map[string]any{"webhook": map[string]any{
			"name": "Ticket events", "endpoint": recv.URL + "/in", "http_method": "POST", "request_format": "json", "status": "active",
			"subscriptions":  []string{webhook.EventTicketCreated, webhook.EventTicketStatusChanged},
			"authentication": map[string]any{"type": "basic_auth", "add_position": "header", "data": map[string]any{"username": "fd", "password": "s3cret"}},
		}})
		if code != 201 {
			t.Fatalf("create: %d %v", code, resp)
		}
		wh := resp["webhook"].(map[string]any)
		id := wh["id"].(string)
		auth := wh["authentication"].(map[string]any)
		if auth["type"] != "basic_auth" || auth["data"].(map[string]any)["username"] != "fd" || strings.Contains(fmt.Sprint(resp), "s3cret") {
			t.Fatalf("created %v", wh)
		}
		if code, _ := a.do(t, a.Agent, "GET", "/api/v2/webhooks/"+id, nil); code != 403 {
			t.Fatalf("agent read a webhook: %d", code)
		}
		if code, _ := a.do(t, a.Admin, "PUT", "/api/v2/webhooks/"+id, map[string]any{"webhook": map[string]any{"description": "All new tickets"}}); code != 204 {
			t.Fatalf("update: %d", code)
		}
		code, resp = a.do(t, a.Admin, "GET", "/api/v2/webhooks?filter[name_contains]=ticket", nil)
		if code != 200 || len(resp["webhooks"].([]any)) != 1 || resp["webhooks"].([]any)[0].(map[string]any)["description"] != "All new tickets" {
			t.Fatalf("list: %d %v", code, resp)
		}
		_, resp = a.do(t, a.Admin, "GET", "/api/v2/webhooks/"+id+"/signing_secret", nil)
		secret := resp["signing_secret"].(map[string]any)["secret"].(string)
		code, resp = a.do(t, a.Admin, "POST", "/api/v2/webhooks/"+id+"/signing_secret", nil)
		if code != 201 || resp["signing_secret"].(map[string]any)["secret"] == secret {
			t.Fatalf("reset: %d %v", code, resp)
		}
		secret = resp["signing_secret"].(map[string]any)["secret"].(string)

		// A ticket created through the API reaches the endpoint, signed.
		code, resp = a.do(t, a.Agent, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
			"subject": "Printer on fire", "comment": map[string]any{"body": "Help"}, "requester_id": a.EndUser.ID}})
		if code != 201 {
			t.Fatalf("ticket: %d %v", code, resp)
		}
		ticketID := int64(resp["ticket"].(map[string]any)["id"].(float64))
		for {
			found, err := a.srv.Jobs.RunOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !found {
				break
			}
		}
		if len(rc.bodies) != 1 {
			t.Fatalf("%d deliveries", len(rc.bodies))
		}
		if err := webhook.Verify(secret, rc.headers[0], rc.bodies[0], time.Now(), 0); err != nil {
			t.Fatalf("signature: %v", err)
		}
		var ev map[string]any
		json.Unmarshal(rc.bodies[0], &ev)
		if ev["type"] != webhook.EventTicketCreated || ev["subject"] != fmt.Sprintf("zen:ticket:%d", ticketID) ||
			ev["detail"].(map[string]any)["subject"] != "Printer on fire" || !strings.HasPrefix(rc.headers[0].Get("Authorization"), "Basic ") {
			t.Fatalf("delivered %s %v", rc.bodies[0], rc.headers[0])
		}
		code, resp = a.do(t, a.Admin, "GET", "/api/v2/webhooks/"+id+"/invocations?page[size]=10", nil)
		invs := resp["invocations"].([]any)
		if code != 200 || len(invs) != 1 || invs[0].(map[string]any)["status"] != "success" || invs[0].(map[string]any)["latest_completion_status"] != "200" {
			t.Fatalf("invocations: %d %v", code, resp)
		}
		inv := invs[0].(map[string]any)["id"].(string)
		code, resp = a.do(t, a.Admin, "GET", "/api/v2/webhooks/"+id+"/invocations/"+inv+"/attempts", nil)
		if code != 200 || len(resp["attempts"].([]any)) != 1 || resp["attempts"].([]any)[0].(map[string]any)["status"] != "success" {
			t.Fatalf("attempts: %d %v", code, resp)
		}
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/webhooks/"+id+"/invocations/999999/attempts", nil); code != 404 {
			t.Fatalf("attempts of another invocation: %d", code)
		}

		// Test an unsaved definition with a custom payload.
		code, resp = a.do(t, a.Admin, "POST", "/api/v2/webhooks/test", map[string]any{
			"webhook": map[string]any{"endpoint": recv.URL + "/t", "http_method": "PUT", "request_format": "json"},
			"request": map[string]any{"payload": `{"ping":1}`}})
		r, _ := resp["response"].(map[string]any)
		if code != 200 || r["status"] != float64(200) || r["body"] != `{"ok":true}` || len(rc.bodies) != 2 || string(rc.bodies[1]) != `{"ping":1}` {
			t.Fatalf("test: %d %v", code, resp)
		}
		// Test the saved webhook by id.
		code, resp = a.do(t, a.Admin, "POST", "/api/v2/webhooks/test?webhook_id="+id, map[string]any{})
		if code != 200 || len(rc.bodies) != 3 || webhook.Verify(secret, rc.headers[2], rc.bodies[2], time.Now(), 0) != nil {
			t.Fatalf("test by id: %d %v", code, resp)
		}
		if code, _ := a.do(t, a.Admin, "DELETE", "/api/v2/webhooks/"+id, nil); code != 204 {
			t.Fatalf("delete: %d", code)
		}
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/webhooks/"+id, nil); code != 404 {
			t.Fatalf("deleted: %d", code)
		}
	})
}

// A trigger whose action is notification_webhook delivers its rendered
// body (placeholder values JSON-escaped) by a job after the ticket change
// commits. The action's shape is validated when the trigger is saved; the
// webhook itself when the rule fires (skipped when it is gone, inactive or
// not subscribed to conditional_ticket_events).
func TestTriggerCallsWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		if err := settings.WebhooksAllowPrivate.Set(context.Background(), a.srv.Webhooks.Settings, true); err != nil {
			t.Fatal(err)
		}
		rc := &hookReceiver{}
		recv := httptest.NewServer(rc)
		defer recv.Close()
		code, resp := a.do(t, a.Admin, "POST", "/api/v2/webhooks", map[string]any{"webhook": map[string]any{
			"name": "Chat", "endpoint": recv.URL, "subscriptions": []string{webhook.SubConditional}}})
		if code != 201 {
			t.Fatalf("webhook: %d %v", code, resp)
		}
		wid := resp["webhook"].(map[string]any)["id"].(string)
		code, resp = a.do(t, a.Admin, "POST", "/api/v2/triggers", map[string]any{"trigger": map[string]any{
			"title":      "Tell the chat",
			"conditions": map[string]any{"all": []any{map[string]any{"field": "update_type", "operator": "is", "value": "Create"}}},
			"actions": []any{map[string]any{"field": "notification_webhook",
				"value": []any{wid, `{"text": "New ticket {{ticket.id}}: {{ticket.title}}"}`}}},
		}})
		if code != 201 {
			t.Fatalf("trigger: %d %v", code, resp)
		}
		code, bad := a.do(t, a.Admin, "POST", "/api/v2/triggers", map[string]any{"trigger": map[string]any{
			"title":      "Bad",
			"conditions": map[string]any{"all": []any{map[string]any{"field": "update_type", "operator": "is", "value": "Create"}}},
			"actions":    []any{map[string]any{"field": "notification_webhook", "value": "just a string"}},
		}})
		if code != 422 {
			t.Fatalf("a malformed notification_webhook saved: %d %v", code, bad)
		}
		code, resp = a.do(t, a.Agent, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
			"subject": `Printer "HP" on fire`, "comment": map[string]any{"body": "Help"}, "requester_id": a.EndUser.ID}})
		if code != 201 {
			t.Fatalf("ticket: %d %v", code, resp)
		}
		tid := int64(resp["ticket"].(map[string]any)["id"].(float64))
		if len(rc.bodies) != 0 {
			t.Fatal("delivered before the job ran")
		}
		for {
			found, err := a.srv.Jobs.RunOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !found {
				break
			}
		}
		if len(rc.bodies) != 1 {
			t.Fatalf("%d deliveries", len(rc.bodies))
		}
		var got map[string]string
		if err := json.Unmarshal(rc.bodies[0], &got); err != nil || got["text"] != fmt.Sprintf(`New ticket %d: Printer "HP" on fire`, tid) {
			t.Fatalf("delivered %s (%v)", rc.bodies[0], err)
		}
		_, resp = a.do(t, a.Admin, "GET", "/api/v2/webhooks/"+wid+"/invocations", nil)
		inv := resp["invocations"].([]any)[0].(map[string]any)
		if !strings.HasPrefix(inv["source"].(string), "trigger:") || inv["ticket_id"] != float64(tid) {
			t.Fatalf("invocation %v", inv)
		}
		// A trigger naming a webhook that does not exist is refused when saved.
		code, bad = a.do(t, a.Admin, "POST", "/api/v2/triggers", map[string]any{"trigger": map[string]any{
			"title":      "Gone",
			"conditions": map[string]any{"all": []any{map[string]any{"field": "update_type", "operator": "is", "value": "Create"}}},
			"actions":    []any{map[string]any{"field": "notification_webhook", "value": []any{"987654", "{}"}}},
		}})
		if code != 422 || bad["error"] != "RecordInvalid" || !strings.Contains(fmt.Sprint(bad["details"]), "names no webhook 987654") {
			t.Fatalf("a trigger calling a missing webhook: %d %v", code, bad)
		}
		// The webhook the trigger calls cannot be deleted; the answer names the trigger.
		code, bad = a.do(t, a.Admin, "DELETE", "/api/v2/webhooks/"+wid, nil)
		if code != 422 || bad["error"] != "RecordInvalid" || !strings.Contains(fmt.Sprint(bad["details"]), `"Tell the chat"`) {
			t.Fatalf("delete of a webhook in use: %d %v", code, bad)
		}
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/webhooks/"+wid, nil); code != 200 {
			t.Fatalf("the refused delete removed the webhook: %d", code)
		}
	})
}
