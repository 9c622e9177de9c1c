package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
)

// TestMailboxPages: an admin adds a support address, checks its relay
// for real (a go-smtp server), disables it; bad input is a 422 that keeps
// the form; the password never appears on the page (p7-out).
func TestMailboxPages(t *testing.T) {
	e := newEnv(t, "")
	relay := mailtest.StartSMTP(t, nil, "relay", "pa55-relay")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ad.get("/agent/admin/mailboxes")
	r := ad.post("/agent/admin/mailboxes", url.Values{"email": {"not-an-address"}, "name": {"Pomoc"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="Pomoc"`) {
		t.Fatalf("bad address: %d", r.Status)
	}
	r = ad.post("/agent/admin/mailboxes", url.Values{"email": {"pomoc@example.com"}, "name": {"Pomoc"},
		"smtp_host": {relay.Host}, "smtp_port": {strconv.Itoa(relay.Port)}, "smtp_security": {"none"},
		"smtp_username": {"relay"}, "smtp_password": {"pa55-relay"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	page := ad.get("/agent/admin/mailboxes").Body
	if !strings.Contains(page, "pomoc@example.com") || strings.Contains(page, "pa55-relay") {
		t.Fatal("the new address is missing, or its password is shown")
	}
	ms, err := e.app.Mailboxes.List(e.sys)
	if err != nil || len(ms) != 1 {
		t.Fatal(ms, err)
	}
	id := strconv.FormatInt(ms[0].ID, 10)
	r = ad.post("/agent/admin/mailboxes/"+id+"/check", nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Checked and working") {
		t.Fatalf("check: %d %s", r.Status, r.Body)
	}
	if r = ad.post("/agent/admin/mailboxes/"+id+"/enabled", url.Values{"enabled": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.Status)
	}
	if m, _ := e.app.Mailboxes.Get(e.sys, ms[0].ID); m.Enabled {
		t.Fatal("still enabled")
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if r := ag.post("/agent/admin/mailboxes/"+id+"/enabled", url.Values{"enabled": {"1"}}); r.Status != http.StatusForbidden {
		t.Fatalf("agent toggled a mailbox: %d", r.Status)
	}
}
