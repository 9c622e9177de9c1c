package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

var sharedURL = regexp.MustCompile(`/shared/([A-Za-z0-9_-]{43})\b`)

// setSharingFromAdmin saves Admin → Settings with shareable links on or off.
func setSharingFromAdmin(t *testing.T, ad *client, on bool) {
	t.Helper()
	ad.get("/agent/admin/settings")
	form := url.Values{"helpdesk_name": {""}, "default_locale": {"en"}, "default_time_zone": {"UTC"}, "assign_on_solve": {"1"}}
	if on {
		form.Set("shareable_links", "1")
	}
	if r := ad.post("/agent/admin/settings", form); r.Status != http.StatusSeeOther {
		t.Fatalf("save settings: %d %s", r.Status, r.Body)
	}
}

// TestShareLinkPages: with sharing off (the default) the ticket page has
// no share box and making a link is refused; an admin turns it on (an
// audited change, with a warning on the page); the agent makes a link
// whose URL is shown once; the signed-out page shows the public
// conversation only, escaped, not indexed, not cached, with no Referer;
// revoking the link or turning sharing off makes it 404.
func TestShareLinkPages(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			tk := e.ticketFor(e.customer, `Quokka <script>alert("subject")</script>`, "My quokka question")
			e.note(tk.ID, "quokka internal note")
			if _, _, err := e.app.Tickets.Update(as(e.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: `Answer <img src=x onerror=alert(1)>`}}); err != nil {
				t.Fatal(err)
			}
			path := fmt.Sprintf("/agent/tickets/%d", tk.ID)
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			if r := ag.get(path); r.Status != 200 || strings.Contains(r.Body, "share-links") {
				t.Fatalf("share box with sharing off: %d", r.Status)
			}
			ag.get(path)
			if r := ag.post(path+"/share-links", nil); r.Status != http.StatusForbidden || sharedURL.MatchString(r.Body) {
				t.Fatalf("create with sharing off: %d", r.Status)
			}

			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			if r := ad.get("/agent/admin/settings"); !strings.Contains(r.Body, `name="shareable_links"`) || strings.Contains(r.Body, `aria-describedby="st-share-hint" checked`) ||
				!strings.Contains(r.Body, "Warning:") {
				t.Fatalf("setting not shown off with its warning")
			}
			setSharingFromAdmin(t, ad, true)
			if r := ad.get("/agent/admin/settings"); !strings.Contains(r.Body, `aria-describedby="st-share-hint" checked`) {
				t.Fatal("setting not shown on")
			}
			es, err := audit.List(e.sys, e.app.DB, audit.Filter{Action: settings.AuditChanged})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, en := range es {
				if c, ok := en.Changes[settings.KeyShareableLinks]; ok && c.Before == nil && c.After == "true" && en.ActorID == e.admin.ID {
					found = true
				}
			}
			if !found {
				t.Fatalf("no audit entry turning shareable links on: %+v", es)
			}

			ag.get(path)
			r := ag.post(path+"/share-links", nil)
			m := sharedURL.FindStringSubmatch(r.Body)
			if r.Status != 200 || m == nil || r.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Fatalf("create: %d %q %v", r.Status, r.Header.Get("Referrer-Policy"), m != nil)
			}
			token := m[1]
			if r := ag.get(path); strings.Contains(r.Body, token) || !strings.Contains(r.Body, "/revoke") {
				t.Fatal("the token is shown again, or the link is not listed")
			}

			anon := e.client()
			r = anon.get("/shared/" + token)
			if r.Status != 200 {
				t.Fatalf("shared page: %d %s", r.Status, r.Body)
			}
			for h, want := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src") {
				t.Error("no CSP on the shared page")
			}
			for _, want := range []string{`<meta name="robots" content="noindex, nofollow">`, "My quokka question", "Alan Agent",
				"&lt;script&gt;", "&lt;img src=x onerror=alert(1)&gt;", `lang="en"`} {
				if !strings.Contains(r.Body, want) {
					t.Errorf("shared page lacks %q", want)
				}
			}
			for _, leak := range []string{"internal note", e.customer.Email, e.agent.Email, `<script>alert("subject")`, "<img src=x"} {
				if strings.Contains(r.Body, leak) {
					t.Errorf("shared page shows %q", leak)
				}
			}
			// Polish, for a Polish browser.
			if r := anon.get("/shared/"+token, "Accept-Language", "pl"); !strings.Contains(r.Body, `lang="pl"`) || !strings.Contains(r.Body, "udostępniony link") {
				t.Error("the shared page is not in Polish")
			}
			// Forged tokens.
			for _, bad := range []string{strings.Repeat("A", 43), token[:42], token + "x", "%27%20OR%201%3D1"} {
				if r := anon.get("/shared/" + bad); r.Status != http.StatusNotFound || strings.Contains(r.Body, "quokka") {
					t.Errorf("token %q: %d", bad, r.Status)
				}
			}

			// Revoke from the page.
			links, err := e.app.Tickets.ShareLinks(as(e.agent), tk.ID)
			if err != nil || len(links) != 1 {
				t.Fatalf("links %v %v", links, err)
			}
			ag.get(path)
			if r := ag.post(fmt.Sprintf("%s/share-links/%d/revoke", path, links[0].ID), nil); r.Status != http.StatusSeeOther {
				t.Fatalf("revoke: %d %s", r.Status, r.Body)
			}
			if r := anon.get("/shared/" + token); r.Status != http.StatusNotFound || strings.Contains(r.Body, "quokka") {
				t.Errorf("revoked link: %d", r.Status)
			}

			// A second link works until sharing is turned off.
			ag.get(path)
			m = sharedURL.FindStringSubmatch(ag.post(path+"/share-links", nil).Body)
			if m == nil {
				t.Fatal("no second link")
			}
			if r := anon.get("/shared/" + m[1]); r.Status != 200 {
				t.Fatalf("second link: %d", r.Status)
			}
			setSharingFromAdmin(t, ad, false)
			if r := anon.get("/shared/" + m[1]); r.Status != http.StatusNotFound || strings.Contains(r.Body, "quokka") {
				t.Errorf("sharing off: %d", r.Status)
			}
			if r := ag.get(path); strings.Contains(r.Body, "share-links") {
				t.Error("share box shown with sharing off")
			}
		})
	}
}
