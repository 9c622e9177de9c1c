package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestBrowserShareLink: with shareable links on, an agent makes a link on
// the ticket page; the new link's field holds the full address and its
// Copy button works; a signed-out visitor opens it and sees the public
// conversation (an injected script in the subject and a reply does not
// run); the agent revokes it and the page is gone. Both pages pass the
// accessibility check. Runs on every store.
func TestBrowserShareLink(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			if err := settings.ShareableLinks.Set(e.sys, e.app.Settings, true); err != nil {
				t.Fatal(err)
			}
			tk := e.ticketFor(e.customer, `Kettle <img src=x onerror="window.__xss=1">`, "The kettle whistles")
			e.note(tk.ID, "kettle internal note")
			if _, _, err := e.app.Tickets.Update(as(e.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: `Try <script>window.__xss=2</script> descaling`}}); err != nil {
				t.Fatal(err)
			}
			ag := b.tab("agent")
			ag.signIn(e.base, "/agent/signin", e.agent.Email)
			ag.open(fmt.Sprintf("%s/agent/tickets/%d", e.base, tk.ID))
			ag.waitText("Share link")
			ag.do(chromedp.Click(chromedp.CSS(`#share-create`)))
			// app.js, a deferred script, turns the field's path into the full
			// address: read it only once the page has loaded (CI read the path).
			ag.waitJS(`!!document.querySelector("#share-new-url") && document.readyState === "complete"`, "the new link")
			link := ag.eval(`document.querySelector("#share-new-url").value`)
			if !strings.HasPrefix(link, e.base+"/shared/") {
				t.Fatalf("the new link's field holds %q", link)
			}
			ag.waitJS(`!document.querySelector("#share-copy").hidden`, "the copy button")
			ag.do(chromedp.Click(chromedp.CSS(`#share-copy`)))
			ag.waitJS(`document.querySelector("#share-copy").textContent === "Copied"`, "copied")
			ag.accessible("the ticket page with a new share link")
			ag.noScriptRan("the ticket page")

			anon := b.tab("visitor")
			anon.open(link)
			anon.waitText("The kettle whistles")
			anon.waitText("descaling")
			if txt := anon.text(); strings.Contains(txt, "internal note") || strings.Contains(txt, e.agent.Email) {
				t.Fatalf("the shared page shows too much: %s", txt)
			}
			anon.accessible("the shared ticket page")
			anon.noScriptRan("the shared ticket page")

			ag.open(fmt.Sprintf("%s/agent/tickets/%d", e.base, tk.ID))
			ag.do(chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button[type=submit]`)))
			ag.waitText("The share link was revoked.")
			anon.open(link)
			anon.waitJS(`!document.body.innerText.includes("kettle whistles") && document.querySelector("h1") !== null`, "the revoked link's page")
			if txt := anon.text(); strings.Contains(txt, "whistles") {
				t.Fatalf("the revoked link still shows the ticket: %s", txt)
			}
		})
	}
}
