package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/people"
)

// TestBrowserAuditLog: an admin filters the audit log by action and by
// target, checks the chain, and finds every state of the page accessible,
// in English and Polish. Runs on every store.
func TestBrowserAuditLog(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			e.auditEntry("user.suspended", "user", e.customer.ID, "192.0.2.10")
			e.auditEntry("group.renamed", "group", e.group.ID, "192.0.2.20")

			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			ad.open(e.base + "/agent/admin/audit")
			ad.waitText("Audit log")
			ad.accessible("the audit log")
			rows := `document.querySelectorAll("#audit-table tbody tr").length`
			all := ad.eval(`String(` + rows + `)`)

			ad.do(
				chromedp.SetValue(chromedp.CSS(`#af-action`), "group.renamed"),
				chromedp.Click(chromedp.CSS(`#audit-apply`)),
			)
			ad.waitURL(`location.search.includes("action=group.renamed")`, "the action filter in the URL")
			ad.waitJS(rows+` === 1 && document.querySelector("#audit-table tbody").innerText.includes("192.0.2.20")`, "one group.renamed row")
			if got := ad.eval(`document.querySelector("#af-action").value`); got != "group.renamed" {
				t.Errorf("the filter does not stay selected: %q", got)
			}
			ad.accessible("the filtered audit log")

			ad.do(
				chromedp.SetValue(chromedp.CSS(`#af-action`), ""),
				chromedp.SetValue(chromedp.CSS(`#af-type`), "user"),
				chromedp.SetValue(chromedp.CSS(`#af-target`), id(e.customer.ID)),
				chromedp.Click(chromedp.CSS(`#audit-apply`)),
			)
			ad.waitURL(`location.search.includes("target_type=user")`, "the target filter in the URL")
			ad.waitJS(`[...document.querySelectorAll("#audit-table tbody tr")].every(r => r.innerText.includes("user"))`, "only user entries")
			if ad.eval(`String(document.querySelector("#audit-table tbody").innerText.includes("192.0.2.10"))`) != "true" {
				t.Error("the user entry is missing")
			}

			// A bad filter is explained beside its field.
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#af-actor`), "someone"),
				chromedp.Click(chromedp.CSS(`#audit-apply`)),
			)
			ad.waitText("Enter a user ID")
			ad.accessible("the audit log with a bad filter")

			ad.open(e.base + "/agent/admin/audit")
			ad.waitJS(rows+` === `+all, "every row again")
			ad.do(chromedp.Click(chromedp.CSS(`#audit-verify`)))
			ad.waitText("The audit log is intact")
			ad.accessible("the audit log after the check")
			ad.noScriptRan("the audit log")

			// Polish.
			pl := "pl"
			if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: &pl}); err != nil {
				t.Fatal(err)
			}
			ad.open(e.base + "/agent/admin/audit?action=user.suspended")
			ad.waitText("Dziennik audytu")
			ad.accessible("the audit log in Polish")
		})
	}
}
