package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRedactComment: an agent opens a comment's Redact control on
// the ticket page, types a word and submits; the page comes back without
// the word, with the confirmation, and passes the accessibility check with
// the control open. Runs on every store.
func TestBrowserRedactComment(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			tk := e.ticketFor(e.customer, "Login", "my code is plumcrater77 thanks")
			cs, _, err := e.app.Tickets.Comments(e.sys, tk.ID, 0, 10, false)
			if err != nil || len(cs) != 1 {
				t.Fatalf("comments: %v", err)
			}
			ag := b.tab("agent")
			ag.signIn(e.base, "/agent/signin", e.agent.Email)
			ag.open(fmt.Sprintf("%s/agent/tickets/%d", e.base, tk.ID))
			ag.waitText("plumcrater77")
			sel := fmt.Sprintf("#comment-%d", cs[0].ID)
			ag.do(chromedp.Click(chromedp.CSS(sel + ` details.redact summary`)))
			ag.accessible("the ticket page with the redact control open")
			ag.do(
				chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#redact-text-%d", cs[0].ID)), "plumcrater77"),
				chromedp.Click(chromedp.CSS(sel+` form.redact-form button[type=submit]`)),
			)
			ag.waitText("Redacted.")
			if txt := ag.text(); strings.Contains(txt, "plumcrater77") || !strings.Contains(txt, "▇▇▇▇") {
				t.Fatalf("page after redaction: %s", txt)
			}
			ag.noScriptRan("the ticket page")
		})
	}
}
