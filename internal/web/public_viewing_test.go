package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestNoPublicTicketViewing holds the privacy default of issue P9: no
// ticket is reachable by URL without signing in. Shareable links are off
// by default (setting tickets.shareable_links; TestShareLinkPages covers
// turning them on): while off, every address that shows a ticket, its
// comments or its files sends a signed-out visitor to sign in (pages) or
// answers 401 (API), /shared/… answers 404, and none shows anything of it.
func TestNoPublicTicketViewing(t *testing.T) {
	e := newEnv(t, "")
	tk := e.ticketFor(e.customer, "Quokka secret subject", "quokka secret body")
	up, err := e.app.Tickets.CreateUpload(as(e.agent), "quokka.txt", strings.NewReader("quokka secret file"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.app.Tickets.Update(as(e.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "see file", Uploads: []string{up.Token}}}); err != nil {
		t.Fatal(err)
	}
	if on, err := e.app.Tickets.SharingEnabled(e.sys); on || err != nil {
		t.Fatalf("shareable links on by default: %v %v", on, err)
	}
	anon := e.client()
	for _, p := range []string{"/shared/" + strings.Repeat("A", 43), "/shared/x", "/shared/"} {
		if r := anon.get(p); r.Status != http.StatusNotFound || leaks(r.Body) {
			t.Errorf("GET %s signed out: %d, want 404 and nothing of the ticket", p, r.Status)
		}
	}
	for _, p := range []string{
		fmt.Sprintf("/requests/%d", tk.ID),
		fmt.Sprintf("/agent/tickets/%d", tk.ID),
		fmt.Sprintf("/attachments/%d", up.Attachment.ID),
		"/requests",
		"/agent/search?q=quokka",
	} {
		r := anon.get(p)
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "signin") {
			t.Errorf("GET %s signed out: %d %q, want a redirect to sign in", p, r.Status, r.Location)
		}
		if leaks(r.Body) {
			t.Errorf("GET %s signed out shows the ticket", p)
		}
	}
	for _, p := range []string{
		fmt.Sprintf("/api/v2/tickets/%d", tk.ID),
		fmt.Sprintf("/api/v2/tickets/%d/comments", tk.ID),
		fmt.Sprintf("/api/v2/requests/%d", tk.ID),
		fmt.Sprintf("/api/v2/attachments/%d", up.Attachment.ID),
		"/api/v2/search?query=quokka",
	} {
		r := anon.get(p)
		if r.Status != http.StatusUnauthorized || leaks(r.Body) {
			t.Errorf("GET %s without credentials: %d %.200s, want 401 and nothing of the ticket", p, r.Status, r.Body)
		}
	}
}

// leaks reports whether a response shows the test ticket's subject,
// comment or file.
func leaks(body string) bool {
	for _, secret := range []string{"secret subject", "secret body", "secret file"} {
		if strings.Contains(body, secret) {
			return true
		}
	}
	return false
}
