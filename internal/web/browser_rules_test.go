package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/rules"
)

// TestBrowserTriggerBuilder: an admin builds a trigger in the condition /
// action builder — adds rows with the script, removes one, fills in a
// condition, an email action (recipient, subject, body) and a property
// action — saves it, and the trigger runs on the next ticket. The list
// and the builder pass the accessibility check.
func TestBrowserTriggerBuilder(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			ad.open(e.base + "/agent/admin/triggers")
			ad.waitText("New trigger")
			ad.accessible("the triggers page")
			ad.do(chromedp.Click(chromedp.CSS(`a[href="/agent/admin/triggers/new"]`)))
			ad.waitURL(`location.pathname === "/agent/admin/triggers/new"`, "the builder")
			ad.waitJS(`!document.querySelector('[data-rule-add="all"]').hidden`, "the script's add buttons")
			ad.accessible("the trigger builder")
			rows := func(list string) string {
				return ad.eval(`String(document.querySelectorAll('[data-rule-rows="` + list + `"] [data-rule-row]').length)`)
			}
			if rows("all") != "2" || rows("actions") != "2" {
				t.Fatalf("blank rows: all %s, actions %s", rows("all"), rows("actions"))
			}
			ad.do(chromedp.Click(chromedp.CSS(`[data-rule-add="all"]`)), chromedp.Click(chromedp.CSS(`[data-rule-add="actions"]`)))
			if rows("all") != "3" || rows("actions") != "3" {
				t.Fatalf("after adding: all %s, actions %s", rows("all"), rows("actions"))
			}
			// The added row's names follow the list.
			if got := ad.eval(`document.querySelectorAll('[data-rule-rows="all"] [data-rule-row]')[2].querySelector('input').getAttribute('aria-label')`); got != "Field 3" {
				t.Errorf("added row is labelled %q", got)
			}
			ad.do(chromedp.Click(chromedp.CSS(`[data-rule-rows="all"] [data-rule-row]:nth-child(2) [data-rule-remove]`)))
			if rows("all") != "2" {
				t.Fatalf("after removing: %s", rows("all"))
			}
			cond := `[data-rule-rows="all"] [data-rule-row]:nth-child(1) `
			act1 := `[data-rule-rows="actions"] [data-rule-row]:nth-child(1) `
			act2 := `[data-rule-rows="actions"] [data-rule-row]:nth-child(3) `
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#rule-title`), "Fire alarm"),
				chromedp.SetValue(chromedp.CSS(cond+`input[name=all_field]`), "comment_includes_word"),
				chromedp.SetValue(chromedp.CSS(cond+`select`), "includes"),
				chromedp.SetValue(chromedp.CSS(cond+`input[name=all_value]`), "fire smoke"),
				chromedp.SetValue(chromedp.CSS(act1+`input[name=action_field]`), "notification_user"),
				chromedp.SetValue(chromedp.CSS(act1+`input[name=action_value]`), "requester_id"),
				chromedp.SetValue(chromedp.CSS(act1+`input[name=action_subject]`), "We are on it: {{ticket.title}}"),
				chromedp.SetValue(chromedp.CSS(act1+`textarea`), "Hello {{ticket.requester.first_name}}"),
				chromedp.SetValue(chromedp.CSS(act2+`input[name=action_field]`), "priority"),
				chromedp.SetValue(chromedp.CSS(act2+`input[name=action_value]`), "urgent"),
				chromedp.Click(chromedp.CSS(`#rule-form button.primary`)),
			)
			ad.waitText("Rule saved.")
			ad.accessible("the saved trigger")
			list, err := e.app.Rules.ListTriggers(e.sys, rules.TriggerFilter{})
			if err != nil || len(list) != 1 {
				t.Fatalf("stored %v %v", list, err)
			}
			tr := list[0]
			if tr.Title != "Fire alarm" || !tr.Active || len(tr.Conditions.All) != 1 || tr.Conditions.All[0].Value != "fire smoke" || len(tr.Actions) != 2 {
				t.Fatalf("stored trigger %+v", tr)
			}
			if l := rules.List(tr.Actions[0].Value); len(l) != 3 || l[1] != "We are on it: {{ticket.title}}" {
				t.Errorf("notification action %+v", tr.Actions[0])
			}
			// The saved page shows the rows again.
			if v := ad.eval(`document.querySelector('[data-rule-rows="actions"] textarea').value`); !strings.Contains(v, "{{ticket.requester.first_name}}") {
				t.Errorf("saved page shows body %q", v)
			}
			tk := e.ticketFor(e.customer, "Server room", "Smoke everywhere")
			if tk.Priority == nil || *tk.Priority != "urgent" {
				t.Errorf("the trigger built in the browser did not run: %v", tk.Priority)
			}
		})
	}
}
