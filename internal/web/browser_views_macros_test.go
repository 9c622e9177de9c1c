package web_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/views"
)

// TestBrowserViewsAndMacros: an admin builds a shared view and a macro in
// the editors; an agent opens the view from the workspace sidebar, opens a
// ticket from it and applies the macro on the ticket page, which changes
// the ticket and adds the macro's comment with its placeholders filled in.
// Every page passes the accessibility check, in English and Polish. Runs
// on every store.
func TestBrowserViewsAndMacros(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			tk := e.ticketFor(e.customer, "Broken login", "I cannot sign in")

			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			ad.open(e.base + "/agent/manage/views/new")
			ad.waitText("Tickets must meet all of these conditions")
			ad.accessible("the view editor")
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#rule-title`), "Everything open"),
				chromedp.SetValue(chromedp.CSS(`#all-0-field`), "status"),
				chromedp.SetValue(chromedp.CSS(`#all-0-op`), "less_than"),
				chromedp.SetValue(chromedp.CSS(`#all-0-value`), "solved"),
				chromedp.Click(chromedp.CSS(`#rule-save`)),
			)
			ad.waitText("Everything open")
			ad.waitURL(`location.pathname === "/agent/manage/views"`, "the view list")
			ad.accessible("the view list")
			vs, err := e.app.Views.List(e.sys, views.Filter{})
			if err != nil || len(vs) != 1 {
				t.Fatalf("views %v %v", vs, err)
			}
			vid := strconv.FormatInt(vs[0].ID, 10)

			ad.open(e.base + "/agent/manage/macros/new")
			ad.waitText("Comment text")
			ad.accessible("the macro editor")
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#rule-title`), "Login::Reset link"),
				chromedp.SetValue(chromedp.CSS(`#act-0-field`), "priority"),
				chromedp.SetValue(chromedp.CSS(`#act-0-value`), "high"),
				chromedp.SetValue(chromedp.CSS(`#act-1-field`), "status"),
				chromedp.SetValue(chromedp.CSS(`#act-1-value`), "pending"),
				chromedp.SetValue(chromedp.CSS(`#macro-comment`), "Hello {{ticket.requester.first_name}}, here is a reset link."),
				chromedp.Click(chromedp.CSS(`#rule-save`)),
			)
			ad.waitURL(`location.pathname === "/agent/manage/macros"`, "the macro list")
			ad.waitText("Login::Reset link")
			ad.accessible("the macro list")
			ms, err := e.app.Macros.List(e.sys, macros.Filter{})
			if err != nil || len(ms) != 1 {
				t.Fatalf("macros %v %v", ms, err)
			}

			ag := b.tab("agent")
			ag.signIn(e.base, "/agent/signin", e.agent.Email)
			ag.open(e.base + "/agent")
			ag.waitText("Everything open")
			ag.do(chromedp.Click(chromedp.CSS(`#custom-views a[href="/agent/views/` + vid + `"]`)))
			ag.waitURL(`location.pathname === "/agent/views/`+vid+`"`, "the configured view")
			ag.waitText("Broken login")
			ag.accessible("a configured view")
			ag.do(chromedp.Click(chromedp.CSS(`#custom-view-table a[href="/agent/tickets/` + strconv.FormatInt(tk.ID, 10) + `"]`)))
			ag.waitURL(`location.pathname === "/agent/tickets/`+strconv.FormatInt(tk.ID, 10)+`"`, "the ticket page")
			ag.waitText("Apply macro")
			ag.accessible("the ticket page with macros")
			ag.do(
				chromedp.SetValue(chromedp.CSS(`#macro-id`), strconv.FormatInt(ms[0].ID, 10)),
				chromedp.Click(chromedp.CSS(`#macro-apply`)),
			)
			ag.waitText("Macro applied.")
			ag.waitText("Hello Carol, here is a reset link.")
			// The history (collapsed) names the macro.
			ag.waitJS(`document.body.textContent.includes("Applied the macro “Login::Reset link”")`, "the macro in the history")
			got, err := e.app.Tickets.Get(e.sys, tk.ID)
			if err != nil || got.Priority == nil || *got.Priority != "high" || got.Status != "pending" {
				t.Fatalf("after the macro: %+v %v", got, err)
			}

			// The same pages in Polish.
			if _, err := e.app.People.UpdateUser(e.sys, e.agent.ID, people.UserInput{Locale: ptr("pl")}); err != nil {
				t.Fatal(err)
			}
			pl := b.tab("agent-pl")
			pl.signIn(e.base, "/agent/signin", e.agent.Email)
			for _, p := range []string{"/agent/views/" + vid, "/agent/manage/views", "/agent/manage/views/new", "/agent/manage/macros", "/agent/manage/macros/new",
				"/agent/tickets/" + strconv.FormatInt(tk.ID, 10)} {
				pl.do(chromedp.Navigate(e.base + p))
				pl.waitJS(`document.readyState === "complete"`, "the page loaded")
				pl.waitJS(`document.documentElement.lang === "pl"`, "Polish")
				pl.accessible(p + " in Polish")
			}
		})
	}
}
