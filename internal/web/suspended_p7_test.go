package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// TestSuspendedPage: mail from a blocked address waits on the agents'
// suspended page (English and Polish); Accept makes it a ticket, Reject
// deletes it; customers cannot reach the page (p7-in).
func TestSuspendedPage(t *testing.T) {
	e := newEnv(t, "")
	addr := "help@example.com"
	if _, err := e.app.Mailboxes.Create(e.sys, mailbox.Input{Address: &addr}); err != nil {
		t.Fatal(err)
	}
	if err := settings.BlockedSenders.Set(e.sys, e.app.Settings, "blocked.example"); err != nil {
		t.Fatal(err)
	}
	for _, subj := range []string{"Keep me", "Drop me"} {
		raw := "From: Blocked <b@blocked.example>\r\nTo: help@example.com\r\nSubject: " + subj + "\r\nMessage-ID: <" + strings.ReplaceAll(subj, " ", "") + "@blocked.example>\r\n\r\nText of " + subj + "\r\n"
		if res, err := e.app.Inbound.Ingest(context.Background(), ingest.Delivery{}, strings.NewReader(raw)); err != nil || res.Outcome != ingest.Suspended {
			t.Fatalf("ingest: %+v %v", res, err)
		}
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	page := ag.get("/agent/suspended")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Keep me") || !strings.Contains(page.Body, "Drop me") ||
		!strings.Contains(page.Body, "is blocked") || !strings.Contains(page.Body, `aria-current="page"`) {
		t.Fatalf("page %d", page.Status)
	}
	if pl := ag.get("/agent/suspended", "Accept-Language", "pl"); !strings.Contains(pl.Body, "Wstrzymana poczta") || !strings.Contains(pl.Body, "Akceptuj") {
		t.Fatal("no Polish page")
	}
	ids := regexp.MustCompile(`/agent/suspended/(\d+)/recover`).FindAllStringSubmatch(page.Body, -1)
	if len(ids) != 2 {
		t.Fatalf("forms: %v", ids)
	}
	keep, drop := ids[1][1], ids[0][1] // newest first
	if r := ag.post("/agent/suspended/"+keep+"/recover", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.Status)
	}
	if r := ag.post("/agent/suspended/"+drop+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("reject: %d", r.Status)
	}
	after := ag.get("/agent/suspended?m=rejected")
	if strings.Contains(after.Body, "Keep me") || strings.Contains(after.Body, "Drop me") || !strings.Contains(after.Body, "Nothing is waiting") {
		t.Fatal("the queue is not empty")
	}
	var n int
	if err := e.app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets WHERE subject = 'Keep me'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("accepted mail made %d tickets (%v)", n, err)
	}
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	if r := cu.get("/agent/suspended"); r.Status == http.StatusOK {
		t.Fatal("a customer sees the queue")
	}
	if r := cu.post("/agent/suspended/"+keep+"/recover", nil); r.Status < 400 && r.Status != http.StatusSeeOther || r.Status == http.StatusOK {
		t.Fatalf("customer recover: %d", r.Status)
	}
}
