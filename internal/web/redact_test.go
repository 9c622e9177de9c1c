package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/ticket"
)

// The agent ticket page offers a no-JS redaction form under each comment:
// a string, the whole comment, or a file. A string that is not there is
// refused on the page; the customer's portal shows the redacted text. The
// admin settings page turns on redaction of card numbers in customers'
// messages.
func TestRedactOnTicketPage(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			tk := e.ticketFor(e.customer, "Account", "my password is tangerine42 please reset")
			cs, _, err := e.app.Tickets.Comments(e.sys, tk.ID, 0, 10, false)
			if err != nil || len(cs) != 1 {
				t.Fatalf("comments: %v", err)
			}
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			page := fmt.Sprintf("/agent/tickets/%d", tk.ID)
			action := fmt.Sprintf("%s/comments/%d/redact", page, cs[0].ID)
			r := ag.get(page)
			if !strings.Contains(r.Body, `action="`+action+`"`) || !strings.Contains(r.Body, `<label for="redact-text-`) {
				t.Fatalf("no redaction form on the ticket page: %s", r.Body)
			}
			if r = ag.post(action, url.Values{"text": {"not in it"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "is not in the comment") {
				t.Fatalf("absent text: %d %s", r.Status, r.Body)
			}
			if r = ag.post(action, url.Values{"text": {"tangerine42"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("redact: %d %s", r.Status, r.Body)
			}
			r = ag.get(page + "?m=redacted")
			if strings.Contains(r.Body, "tangerine42") || !strings.Contains(r.Body, "▇▇▇▇▇▇▇▇▇▇▇") || !strings.Contains(r.Body, "Redacted.") {
				t.Fatalf("page after redaction: %s", r.Body)
			}
			cu := e.client()
			cu.signIn("/signin", e.customer.Email)
			if r = cu.get(fmt.Sprintf("/requests/%d", tk.ID)); r.Status != http.StatusOK || strings.Contains(r.Body, "tangerine42") {
				t.Fatalf("portal keeps the redacted text: %d", r.Status)
			}
			// Customers cannot post to the agent route.
			if r = cu.post(action, url.Values{"whole": {"1"}}); r.Status == http.StatusSeeOther && !strings.Contains(r.Location, "signin") {
				t.Fatalf("customer redacts: %d %s", r.Status, r.Location)
			}
			// Whole comment.
			if r = ag.post(action, url.Values{"whole": {"1"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("redact whole: %d %s", r.Status, r.Body)
			}
			if got, _ := e.app.Tickets.Get(e.sys, tk.ID); strings.Contains(got.Description, "please") {
				t.Fatalf("description after whole redaction: %q", got.Description)
			}

			// The card-number setting, off by default, on from the admin page.
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			if r = ad.get("/agent/admin/settings"); !strings.Contains(r.Body, `name="redact_cards"`) || strings.Contains(r.Body, `aria-describedby="st-cards-hint" checked`) {
				t.Fatalf("card setting not shown off: %s", r.Body)
			}
			r = ad.post("/agent/admin/settings", url.Values{"helpdesk_name": {""}, "default_locale": {"en"}, "default_time_zone": {"UTC"}, "assign_on_solve": {"1"}, "redact_cards": {"1"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("save settings: %d %s", r.Status, r.Body)
			}
			if r = ad.get("/agent/admin/settings"); !strings.Contains(r.Body, `aria-describedby="st-cards-hint" checked`) {
				t.Fatal("card setting not shown on")
			}
			tk2, _, err := e.app.Tickets.Create(as(e.customer), ticket.Input{Subject: ptr("Payment"), Comment: &ticket.CommentInput{Body: "charge card 5555 5555 5555 4444 please"}})
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := e.app.Tickets.Get(e.sys, tk2.ID); strings.Contains(got.Description, "5555") {
				t.Fatalf("card number stored: %q", got.Description)
			}
		})
	}
}
