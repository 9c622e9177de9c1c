package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestNoPublicTicketViewing holds the privacy default of issue P9: no
// ticket is reachable by URL without signing in. Frontdesk has no public
// or shareable ticket links at all (so there is nothing to turn on); every
// address that shows a ticket, its comments or its files sends a signed-out
// visitor to sign in (pages) or answers 401 (API), and shows nothing of it.
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
	anon := e.client()
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
