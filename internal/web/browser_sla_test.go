package web_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestBrowserSLAPolicy: an admin creates an SLA policy in the browser
// (filter priority is urgent, a first reply target of 2 hours in business
// hours and agent work time of 8 hours), sets a schedule's weekly hours,
// and an urgent ticket then shows its countdown; every page passes the
// accessibility check in English and Polish, with no script injected.
// Runs on every store.
func TestBrowserSLAPolicy(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)

			ad.open(e.base + "/agent/admin/slas")
			ad.waitText("No SLA policy yet.")
			ad.accessible("the SLA policies page")
			ad.do(chromedp.Click(chromedp.CSS(`a[href="/agent/admin/slas/new"]`)))
			ad.waitURL(`location.pathname === "/agent/admin/slas/new" && !!document.querySelector("#sla-form")`, "the new policy page")
			ad.accessible("the new policy page")
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#sla-name`), "Pilne"),
				chromedp.SetValue(chromedp.CSS(`#sla-desc`), "Urgent tickets <b>first</b>"),
				chromedp.SetValue(chromedp.CSS(`#field-all_0`), "priority"),
				chromedp.SetValue(chromedp.CSS(`#op-all_0`), "is"),
				chromedp.SetValue(chromedp.CSS(`#value-all_0`), "urgent"),
				chromedp.SetValue(chromedp.CSS(`#t-first_reply_time-urgent`), "120"),
				chromedp.Click(chromedp.CSS(`#bh-first_reply_time`)),
				chromedp.SetValue(chromedp.CSS(`#t-agent_work_time-urgent`), "480"),
				chromedp.Click(chromedp.CSS(`#sla-form button.primary`)),
			)
			ad.waitJS(`/^\/agent\/admin\/slas\/\d+$/.test(location.pathname) && document.readyState === "complete" && !!document.querySelector("#t-first_reply_time-urgent")`, "the saved policy")
			ps, err := e.app.SLA.Policies(e.sys)
			if err != nil || len(ps) != 1 {
				t.Fatalf("policies %v %v", ps, err)
			}
			p := ps[0]
			if p.Title != "Pilne" || len(p.Filter.All) != 1 || p.Filter.All[0].Field != "priority" || len(p.PolicyMetrics) != 2 {
				t.Fatalf("policy %+v", p)
			}
			for _, m := range p.PolicyMetrics {
				if m.Metric == sla.FirstReplyTime && (m.Target != 120 || !m.BusinessHours) || m.Metric == sla.AgentWorkTime && (m.Target != 480 || m.BusinessHours) {
					t.Fatalf("target %+v", m)
				}
			}
			if v := ad.eval(`document.querySelector("#t-first_reply_time-urgent").value + "/" + document.querySelector("#bh-first_reply_time").checked`); v != "120/true" {
				t.Fatalf("the edit page shows %s", v)
			}
			ad.accessible("the policy page")
			// A bad target is refused on the page, with what was typed kept.
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#value-all_0`), "soonest"),
				chromedp.Click(chromedp.CSS(`#sla-form button.primary`)),
			)
			ad.waitJS(`document.readyState === "complete" && !!document.querySelector("[role=alert]") && !!document.querySelector("#value-all_0")`, "the error")
			if v := ad.eval(`document.querySelector("#value-all_0").value`); v != "soonest" {
				t.Fatalf("the form lost the input: %q", v)
			}
			ad.accessible("the policy page with an error")

			// Business hours: a schedule, Monday to Friday set in the form.
			ad.open(e.base + "/agent/admin/schedules")
			ad.waitText("Add a schedule")
			ad.accessible("the schedules page")
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#sch-name`), "Biuro"),
				chromedp.SetValue(chromedp.CSS(`#sch-tz`), "Europe/Warsaw"),
				chromedp.Click(chromedp.CSS(`form[action="/agent/admin/schedules"] button[type=submit]`)),
			)
			ad.waitJS(`/^\/agent\/admin\/schedules\/\d+$/.test(location.pathname) && document.readyState === "complete"`, "the schedule page")
			ad.waitText("Weekly hours")
			ad.accessible("the schedule page")
			scs, _ := e.app.SLA.Schedules(e.sys)
			if len(scs) != 1 || scs[0].TimeZone != "Europe/Warsaw" || len(scs[0].Intervals) != 5 {
				t.Fatalf("schedules %+v", scs)
			}

			// An urgent ticket from the customer shows its targets.
			tk, _, err := e.app.Tickets.Create(e.sys, ticket.Input{Subject: ptr("Pilne"), RequesterID: desk.SetID(e.customer.ID),
				Comment: &ticket.CommentInput{Body: "Pomocy", AuthorID: desk.SetID(e.customer.ID)}, Priority: desk.NullString{Set: true, Value: "urgent"}})
			if err != nil {
				t.Fatal(err)
			}
			page := "/agent/tickets/" + strconv.FormatInt(tk.ID, 10)
			ad.open(e.base + page)
			ad.waitText("Agent work time:")
			ad.waitJS(`[...document.querySelectorAll("#sla-title + ul .badge")].length === 2`, "two SLA badges")
			ad.accessible("the ticket page with SLA badges")

			pl := b.tab("admin-pl")
			if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: ptr("pl")}); err != nil {
				t.Fatal(err)
			}
			pl.signIn(e.base, "/agent/signin", e.admin.Email)
			for _, p := range []string{"/agent/admin/slas", "/agent/admin/slas/new", "/agent/admin/slas/" + strconv.FormatInt(p.ID, 10),
				"/agent/admin/schedules", "/agent/admin/schedules/" + strconv.FormatInt(scs[0].ID, 10), page} {
				pl.do(chromedp.Navigate(e.base + p))
				pl.waitJS(`document.readyState === "complete"`, "the page loaded")
				pl.waitJS(`document.documentElement.lang === "pl"`, "Polish")
				pl.accessible(p)
			}
			ad.noScriptRan("the SLA pages")
			pl.noScriptRan("the SLA pages in Polish")
		})
	}
}
