package web_test

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// Deleting a webhook a trigger or an automation still calls is refused,
// and the webhook's page says which rules call it, in English and Polish.
func TestWebhookInUseNotDeleted(t *testing.T) {
	e := newEnv(t, "")
	wh, err := e.app.Webhooks.Create(e.sys, webhook.Input{Name: ptr("CRM"), Endpoint: ptr("https://hooks.example.com/crm"),
		Subscriptions: &[]string{webhook.SubConditional}})
	if err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := e.app.Rules.CreateTrigger(e.sys, rules.TriggerInput{Title: ptr("Tell the CRM"), Active: &off,
		Conditions: &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "open"}}},
		Actions:    &[]rules.Action{{Field: webhook.ActionField, Value: []any{fmt.Sprint(wh.ID), "{}"}}}}); err != nil {
		t.Fatal(err)
	}
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	path := fmt.Sprintf("/agent/admin/webhooks/%d/delete", wh.ID)
	for _, c := range []struct{ lang, want string }{
		{"en", "This webhook cannot be deleted while rules call it: trigger “Tell the CRM”. Remove it from their actions first."},
		{"pl", "Tego webhooka nie można usunąć, dopóki wywołują go reguły: wyzwalacz „Tell the CRM”. Najpierw usuń go z ich akcji."},
	} {
		r := ad.post(path, url.Values{"confirm": {"1"}}, "Accept-Language", c.lang)
		if body := html.UnescapeString(r.Body); r.Status != 422 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d, want the in-use message %q", c.lang, r.Status, c.want)
		}
	}
	if _, err := e.app.Webhooks.Get(e.sys, wh.ID); err != nil {
		t.Fatalf("the webhook was deleted: %v", err)
	}
}
