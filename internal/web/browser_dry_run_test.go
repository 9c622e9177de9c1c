package web_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/rules"
)

// TestBrowserTriggerDryRun: an admin follows the link from the triggers
// page, types a ticket number and sees the two passes of a chain and a
// loop notice, with the keyboard and in both languages; every page passes
// the accessibility check. Runs on every store.
func TestBrowserTriggerDryRun(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			tk := e.ticketFor(e.customer, "Dry run", "Start", "start")
			mk := func(title, tag, add string) {
				if _, err := e.app.Rules.CreateTrigger(e.sys, rules.TriggerInput{Title: &title,
					Conditions: &rules.Conditions{All: []rules.Condition{{Field: "current_tags", Operator: "includes", Value: tag}}},
					Actions:    &[]rules.Action{{Field: "current_tags", Value: add}}}); err != nil {
					t.Fatal(err)
				}
			}
			mk("Then tag b", "a1", "b1")
			mk("Tag a", "start", "a1")

			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			ad.open(e.base + "/agent/admin/triggers")
			ad.waitText("Which triggers would fire on a ticket?")
			ad.do(chromedp.Click(chromedp.CSS(`a[href="/agent/admin/triggers/dry-run"]`)))
			ad.waitText("Trigger dry run")
			ad.accessible("the dry run form")
			ad.do(
				chromedp.Focus(chromedp.CSS(`#dry-ticket`)),
				chromedp.SendKeys(chromedp.CSS(`#dry-ticket`), fmt.Sprint(tk.ID)+"\r"),
			)
			ad.waitText("Pass 2:")
			ad.waitJS(`document.querySelector(".dry-passes li:first-child").innerText.includes("Tag a") && document.querySelector(".dry-passes li:nth-child(2)").innerText.includes("Then tag b")`, "the passes in order")
			ad.waitJS(`document.querySelector(".dry-final").innerText.includes("start a1 b1")`, "the tags after the triggers")
			ad.accessible("the dry run result")

			// A loop: enough chained triggers to pass the bound, each after
			// the one it follows, so each pass fires one.
			loopTk := e.ticketFor(e.customer, "Loop", "Start", "l0")
			for i := rules.MaxPasses + 1; i >= 1; i-- {
				mk(fmt.Sprintf("Loop %d", i), fmt.Sprintf("l%d", i-1), fmt.Sprintf("l%d", i))
			}
			pl := "pl"
			if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: &pl}); err != nil {
				t.Fatal(err)
			}
			ad.open(fmt.Sprintf("%s/agent/admin/triggers/dry-run?ticket_id=%d", e.base, loopTk.ID))
			ad.waitText("Próba wyzwalaczy")
			ad.waitText("Te wyzwalacze wciąż uruchamiają się nawzajem")
			ad.waitText(fmt.Sprintf("Przebieg %d:", rules.MaxPasses))
			ad.accessible("the dry run loop (pl)")
		})
	}
}
