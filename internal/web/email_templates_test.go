package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/notify"
)

// TestEmailTemplatePages: an admin sees every template in both languages,
// previews a change with a sample ticket, sees errors before anything is
// saved, saves, and resets to the built-in text. The preview never runs
// the template's own scripts.
func TestEmailTemplatePages(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			list := ad.get("/agent/admin/email-templates")
			if list.Status != http.StatusOK || strings.Count(list.Body, `href="/agent/admin/email-templates/ticket.`) != 2*len(notify.Kinds()) {
				t.Fatalf("list: %d", list.Status)
			}
			path := "/agent/admin/email-templates/ticket.assigned/pl"
			page := ad.get(path)
			if page.Status != http.StatusOK || !strings.Contains(page.Body, "Przypisano do Ciebie: {{.Subject}}") || !strings.Contains(page.Body, "Drukarka się pali") {
				t.Fatalf("edit page: %d", page.Status)
			}

			form := url.Values{"subject": {"Dla Ciebie: {{.Subject}}"}, "text_body": {"Zgłoszenie {{.TicketID}}"},
				"html_body": {"<p>Zgłoszenie <b>{{.TicketID}}</b></p><script>alert(1)</script>"}, "action": {"preview"}}
			r := ad.post(path, form)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, "Dla Ciebie: Drukarka się pali") || !strings.Contains(r.Body, "<b>1234</b>") ||
				strings.Contains(r.Body, "<script>alert(1)") {
				t.Fatalf("preview: %d", r.Status)
			}
			if got, _ := (&notify.Templates{DB: e.app.DB}).Get(e.sys, notify.KindAssigned, "pl"); got.Custom {
				t.Fatal("a preview saved the template")
			}

			bad := url.Values{"subject": {"Dla Ciebie: {{.Subjekt}}"}, "text_body": {"{{if}}"}, "html_body": {"<p>x</p>"}, "action": {"save"}}
			r = ad.post(path, bad)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Subjekt") || !strings.Contains(r.Body, `aria-invalid="true"`) {
				t.Fatalf("broken template: %d", r.Status)
			}
			if got, _ := (&notify.Templates{DB: e.app.DB}).Get(e.sys, notify.KindAssigned, "pl"); got.Custom {
				t.Fatal("a broken template was saved")
			}

			form.Set("action", "save")
			if r = ad.post(path, form); r.Status != http.StatusSeeOther {
				t.Fatalf("save: %d %s", r.Status, r.Body)
			}
			got, _ := (&notify.Templates{DB: e.app.DB}).Get(e.sys, notify.KindAssigned, "pl")
			if !got.Custom || got.Source.Subject != "Dla Ciebie: {{.Subject}}" {
				t.Fatalf("saved: %+v", got)
			}
			if r := ad.get("/agent/admin/email-templates"); strings.Count(r.Body, "Customised") != 1 {
				t.Fatal("the list does not mark the customised template")
			}
			if r = ad.post(path+"/reset", nil); r.Status != http.StatusSeeOther {
				t.Fatalf("reset: %d", r.Status)
			}
			if got, _ := (&notify.Templates{DB: e.app.DB}).Get(e.sys, notify.KindAssigned, "pl"); got.Custom {
				t.Fatal("still customised after reset")
			}
			for _, p := range []string{"/agent/admin/email-templates/ticket.nope/pl", "/agent/admin/email-templates/ticket.assigned/de"} {
				if r := ad.get(p); r.Status != http.StatusNotFound {
					t.Errorf("GET %s: %d", p, r.Status)
				}
			}
		})
	}
}
