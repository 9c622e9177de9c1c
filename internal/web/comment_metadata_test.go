package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// A reply from the agent workspace records the browser's user agent and
// address in its audit's metadata, as the API does (Zendesk's
// metadata.system).
func TestWebReplyMetadata(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			tk := e.ticketFor(e.customer, "Metadata", "Hello")
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			path := fmt.Sprintf("/agent/tickets/%d", tk.ID)
			ag.get(path)
			if r := ag.post(path, url.Values{"body": {"Hi from the web"}, "public": {"1"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("reply: %d %s", r.Status, r.Body)
			}
			audits, _, err := e.app.Tickets.Audits(e.sys, tk.ID, 0, 10)
			if err != nil || len(audits) != 2 {
				t.Fatalf("audits %v %v", audits, err)
			}
			system, _ := audits[1].Metadata["system"].(map[string]any)
			if system["ip_address"] != "127.0.0.1" || system["client"] == "" || system["client"] == nil {
				t.Errorf("web reply metadata %v", audits[1].Metadata)
			}
			if audits[1].Via.Channel != "web" {
				t.Errorf("via %v", audits[1].Via)
			}
		})
	}
}
