package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/retention"
)

// TestBrowserRetentionAdmin: an admin adds a retention policy for closed
// tickets tagged "old", previews it (one old closed ticket would go, a
// recent one would not), runs a dry run (audited, nothing deleted), turns
// the policy off and deletes it. Every state of the page passes the
// accessibility check, in English and Polish.
func TestBrowserRetentionAdmin(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	ctx := context.Background()
	old := e.ticketFor(e.customer, "Old and closed", "old", "old")
	recent := e.ticketFor(e.customer, "Recent and closed", "recent", "old")
	for _, tk := range []*desk.Ticket{old, recent} {
		if _, err := e.app.DB.Exec(ctx, `UPDATE tickets SET status = 'closed' WHERE id = ?`, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.app.DB.Exec(ctx, `UPDATE tickets SET updated_at = 1, status_updated_at = 1 WHERE id = ?`, old.ID); err != nil {
		t.Fatal(err)
	}

	ad := b.tab("admin")
	ad.signIn(e.base, "/agent/signin", e.admin.Email)
	ad.open(e.base + "/agent/admin/retention")
	ad.waitText("No retention policies")
	ad.accessible("the empty retention page")
	ad.do(
		chromedp.SetValue(chromedp.CSS(`#ret-kind`), "closed_tickets"),
		chromedp.SetValue(chromedp.CSS(`#ret-days`), "30"),
		chromedp.SetValue(chromedp.CSS(`#ret-tag`), "old"),
		chromedp.Click(chromedp.CSS(`form[action="/agent/admin/retention"][method="post"] button.primary`)),
	)
	ad.waitURL(`location.search.includes("m=created")`, "policy created")
	ad.accessible("the retention page with a policy")
	ps, err := e.app.Retention.List(e.sys)
	if err != nil || len(ps) != 1 || ps[0].Tag != "old" || ps[0].Days != 30 || !ps[0].Active {
		t.Fatalf("policies %+v %v", ps, err)
	}

	ad.do(chromedp.Click(chromedp.CSS(`form[action="/agent/admin/retention"][method="get"] button`)))
	ad.waitJS(`document.querySelector('#retention-report td[data-kind="closed_tickets"]') !== null`, "preview shown")
	if n := ad.eval(`document.querySelector('#retention-report td[data-kind="closed_tickets"]').textContent`); n != "1" {
		t.Fatalf("preview counts %q closed tickets, want 1", n)
	}
	ad.accessible("the retention preview")

	ad.do(chromedp.Click(chromedp.CSS(`form[action="/agent/admin/retention/dry-run"] button`)))
	ad.waitText("Dry run of")
	ad.accessible("the dry run result")
	es, err := audit.List(e.sys, e.app.DB, audit.Filter{Action: retention.AuditRun})
	if err != nil || len(es) != 1 || es[0].Data["dry_run"] != true {
		t.Fatalf("dry run audit %+v %v", es, err)
	}
	if _, err := e.app.Tickets.Get(e.sys, old.ID); err != nil {
		t.Fatalf("the dry run deleted the ticket: %v", err)
	}

	// Off, then gone.
	id := ps[0].ID
	sel := `form[action="/agent/admin/retention/` + itoa(id) + `"]`
	ad.do(
		chromedp.Click(chromedp.CSS(sel+` input[name=active]`)),
		chromedp.Click(chromedp.CSS(sel+` button`)),
	)
	ad.waitURL(`location.search.includes("m=updated")`, "policy saved")
	if p, err := e.app.Retention.Get(e.sys, id); err != nil || p.Active {
		t.Fatalf("policy after turning off %+v %v", p, err)
	}

	pl := "pl"
	if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: &pl}); err != nil {
		t.Fatal(err)
	}
	ad.open(e.base + "/agent/admin/retention?preview=1")
	ad.waitText("Przechowywanie danych")
	ad.accessible("the retention page in Polish")

	ad.do(chromedp.Click(chromedp.CSS(`form[action="/agent/admin/retention/` + itoa(id) + `/delete"] button`)))
	ad.waitURL(`location.search.includes("m=deleted")`, "policy deleted")
	if ps, err := e.app.Retention.List(e.sys); err != nil || len(ps) != 0 {
		t.Fatalf("policies after delete %+v %v", ps, err)
	}
}
