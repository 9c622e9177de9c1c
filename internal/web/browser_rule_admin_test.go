package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/rules"
)

// TestBrowserRuleAdmin: an admin reorders automations from the keyboard
// (the order survives a reload), previews one, and creates, renames and
// deletes trigger categories — a category that holds a trigger is refused
// with the reason — first in English, then in Polish. Every page passes
// the accessibility check.
func TestBrowserRuleAdmin(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			a, c := nudge(t, e, "Nudge alpha"), nudge(t, e, "Nudge charlie")
			e.ticketFor(e.customer, "Waiting", "for a nudge")
			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			firstRow := `document.querySelector('table[data-rule-group] tbody tr').dataset.ruleId`
			// navigating runs steps that leave the page and waits for the
			// next one to load.
			navigating := func(what string, steps ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				ad.eval(`String(window.__before = true)`)
				ad.do(steps...)
				ad.waitJS(`!window.__before && document.readyState === "complete"`, what)
			}
			// pressMove focuses a row's move button and presses Enter.
			pressMove := func(id int64, dir string) {
				t.Helper()
				navigating("the move", chromedp.Focus(chromedp.CSS(fmt.Sprintf(`#rule-%d button[data-move=%s]`, id, dir))), chromedp.KeyEvent(kb.Enter))
			}
			order := func() string {
				return ad.eval(`Array.from(document.querySelectorAll('table[data-rule-group] tbody tr')).map(r => r.dataset.ruleId).join(',')`)
			}
			categoryRound := func(lang, created, renamed, refusal, deletedFlash string) {
				t.Helper()
				ad.open(e.base + "/agent/admin/trigger-categories")
				ad.waitJS(`document.querySelector('#category-new-name') !== null`, "the categories page")
				ad.accessible("the categories page (" + lang + ")")
				navigating("the create", chromedp.SetValue(chromedp.CSS(`#category-new-name`), created), chromedp.Click(chromedp.CSS(`#category-new button[type=submit]`)))
				ad.waitJS(`Array.from(document.querySelectorAll('#category-list input[name=name]')).some(i => i.value === `+jsString(created)+`)`, "the new category")
				cats, err := e.app.Rules.ListCategories(e.sys)
				if err != nil || len(cats) == 0 || cats[len(cats)-1].Name != created {
					t.Fatalf("stored categories %+v %v", cats, err)
				}
				cat := cats[len(cats)-1]
				in := `#category-name-` + cat.ID
				navigating("the rename", chromedp.SetValue(chromedp.CSS(in), renamed), chromedp.Click(chromedp.CSS(`#category-`+cat.ID+` .inline-form button`)))
				ad.waitJS(`document.querySelector(`+jsString(in)+`) && document.querySelector(`+jsString(in)+`).value === `+jsString(renamed), "the renamed category")
				ad.accessible("the categories page after a rename (" + lang + ")")
				// With a trigger in it, it is not deleted.
				title := "In " + renamed
				tr, err := e.app.Rules.CreateTrigger(e.sys, rules.TriggerInput{Title: &title, CategoryID: &cat.ID,
					Conditions: &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "hold"}}}, Actions: &[]rules.Action{{Field: "priority", Value: "low"}}})
				if err != nil {
					t.Fatal(err)
				}
				ad.open(e.base + "/agent/admin/trigger-categories")
				navigating("the refused delete", chromedp.Click(chromedp.CSS(`#category-`+cat.ID+` button[data-delete]`)))
				ad.waitText(refusal)
				ad.accessible("the refused delete (" + lang + ")")
				if _, err := e.app.Rules.GetCategory(e.sys, mustInt(t, cat.ID)); err != nil {
					t.Fatalf("the refused delete removed the category: %v", err)
				}
				// Emptied, it goes.
				if err := e.app.Rules.DeleteTrigger(e.sys, tr.ID); err != nil {
					t.Fatal(err)
				}
				ad.open(e.base + "/agent/admin/trigger-categories")
				navigating("the delete", chromedp.Focus(chromedp.CSS(`#category-`+cat.ID+` button[data-delete]`)), chromedp.KeyEvent(kb.Enter))
				ad.waitText(deletedFlash)
				if n := ad.eval(`String(document.querySelectorAll('#category-` + cat.ID + `').length)`); n != "0" {
					t.Errorf("%s: the deleted category is still listed", lang)
				}
			}

			// English.
			ad.open(e.base + "/agent/admin/automations")
			ad.waitText("New automation")
			ad.accessible("the automations page")
			if got := order(); got != fmt.Sprintf("%d,%d", a.ID, c.ID) {
				t.Fatalf("order %s", got)
			}
			pressMove(c.ID, "up")
			ad.waitJS(firstRow+` === "`+fmt.Sprint(c.ID)+`"`, "charlie first")
			ad.waitText("Rule saved.")
			ad.open(e.base + "/agent/admin/automations")
			ad.waitText("New automation")
			if got := order(); got != fmt.Sprintf("%d,%d", c.ID, a.ID) {
				t.Errorf("after a reload the order is %s", got)
			}
			ad.open(e.base + fmt.Sprintf("/agent/admin/automations/%d", a.ID))
			navigating("the preview", chromedp.Click(chromedp.CSS(`section[aria-labelledby=rule-preview-h] button`)))
			ad.waitJS(`document.querySelector('#rule-preview') !== null`, "the preview")
			if got := ad.eval(`document.querySelector('#rule-preview').innerText`); !strings.Contains(got, "Would act on 1 ticket now.") {
				t.Errorf("preview says %q", got)
			}
			ad.accessible("the automation preview")
			categoryRound("en", "Escalations", "Escalations & SLA", "still holds triggers, so it cannot be deleted", "Deleted")

			// Polish.
			pl := "pl"
			if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: &pl}); err != nil {
				t.Fatal(err)
			}
			ad.open(e.base + "/agent/admin/automations")
			ad.waitText("Nowa automatyzacja")
			if lang := ad.eval(`document.documentElement.lang`); lang != "pl" {
				t.Fatalf("lang %q", lang)
			}
			ad.accessible("the automations page in Polish")
			pressMove(a.ID, "up")
			ad.waitJS(firstRow+` === "`+fmt.Sprint(a.ID)+`"`, "alpha first again")
			ad.waitText("Reguła zapisana.")
			ad.open(e.base + "/agent/admin/automations")
			ad.waitText("Nowa automatyzacja")
			if got := order(); got != fmt.Sprintf("%d,%d", a.ID, c.ID) {
				t.Errorf("Polish: after a reload the order is %s", got)
			}
			categoryRound("pl", "Eskalacje", "Eskalacje i SLA", "wciąż są wyzwalacze, więc nie można jej usunąć", "Usunięto")

			// The triggers page, grouped by category, and the dry run it links to.
			cname, tname := "Kierowanie", "Pilne drukarki"
			cat, err := e.app.Rules.CreateCategory(e.sys, rules.CategoryInput{Name: &cname})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.app.Rules.CreateTrigger(e.sys, rules.TriggerInput{Title: &tname, CategoryID: &cat.ID,
				Conditions: &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "new"}}}, Actions: &[]rules.Action{{Field: "priority", Value: "high"}}}); err != nil {
				t.Fatal(err)
			}
			tk := e.ticketFor(e.customer, "Drukarka", "nie działa")
			ad.open(e.base + "/agent/admin/triggers")
			ad.waitText("Kierowanie")
			ad.accessible("the triggers page grouped by category")
			navigating("the dry run page", chromedp.Click(chromedp.CSS(`a[href="/agent/admin/triggers/dry-run"]`)))
			navigating("the dry run", chromedp.SetValue(chromedp.CSS(`#dry-ticket`), fmt.Sprint(tk.ID)), chromedp.Submit(chromedp.CSS(`#dry-ticket`)))
			if got := ad.eval(`document.querySelector('#dry-result').innerText`); !strings.Contains(got, "Pilne drukarki") {
				t.Errorf("dry run says %q", got)
			}
			ad.accessible("the dry run result")
		})
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
