package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// csatEnv is a running Frontdesk with CSAT on and a solved ticket of the
// customer's; it returns the path of the ticket's signed rating page.
func csatEnv(t *testing.T, u string) (*env, *desk.Ticket, string) {
	t.Helper()
	e := newEnv(t, u, func(c *server.Config) { c.PublicURL = "https://help.example.com" })
	if err := settings.CSATEnabled.Set(e.sys, e.app.Settings, true); err != nil {
		t.Fatal(err)
	}
	tk := e.ticketFor(e.customer, "Printer on fire", "Help")
	solved := "solved"
	if _, _, err := e.app.Tickets.Update(as(e.agent), tk.ID, ticket.Input{Status: &solved, Comment: &ticket.CommentInput{Body: "Put out"}}); err != nil {
		t.Fatal(err)
	}
	link, err := e.app.CSAT.RatingURL(e.sys, e.app.DB, tk.ID)
	if err != nil || !strings.HasPrefix(link, "https://help.example.com/satisfaction/") {
		t.Fatalf("rating link %q %v", link, err)
	}
	return e, tk, strings.TrimPrefix(link, "https://help.example.com")
}

// TestBrowserSatisfactionRating: the customer follows the survey's "bad"
// link without signing in, finds bad preselected, adds a comment and
// sends it; the rating is stored (and nothing was stored by merely opening
// the link); the page passes the accessibility check. An agent sets their
// availability from the workspace header and sees the rating in the
// ticket's history. Runs on every store.
func TestBrowserSatisfactionRating(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e, tk, page := csatEnv(t, u)
			cu := b.tab("customer")
			cu.open(e.base + page + "?score=bad")
			cu.waitText("Rate our support")
			cu.waitText("Printer on fire")
			cu.accessible("the rating page")
			if v := cu.eval(`String(document.querySelector("#csat-bad").checked)`); v != "true" {
				t.Fatalf("bad not preselected: %s", v)
			}
			if m, _ := csatOf(e, tk.ID); m[tk.ID]["score"] != "unoffered" {
				t.Fatalf("opening the link rated the ticket: %v", m)
			}
			cu.do(
				chromedp.SetValue(chromedp.CSS(`#csat-comment`), "Took <b>two</b> days"),
				chromedp.Click(chromedp.CSS(`form[action^="/satisfaction/"] button[type=submit]`)),
			)
			cu.waitText("Thank you for your feedback.")
			cu.accessible("the rating page after rating")
			cu.noScriptRan("the rating page")
			m, _ := csatOf(e, tk.ID)
			if m[tk.ID]["score"] != "bad" || m[tk.ID]["comment"] != "Took <b>two</b> days" {
				t.Fatalf("stored rating: %v", m)
			}

			// The admin page: turn least-busy assignment on for the group.
			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			ad.open(e.base + "/agent/admin/routing")
			ad.waitText("Automatic assignment by group")
			ad.accessible("the assignment and satisfaction page")
			gid := id(e.group.ID)
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#rg-mode-`+gid), "least_busy"),
				chromedp.SetValue(chromedp.CSS(`#rg-cap-`+gid), "3"),
				chromedp.Click(chromedp.CSS(`form[action="/agent/admin/routing/groups/`+gid+`"] button[type=submit]`)),
			)
			ad.waitJS(`document.querySelector("#rg-cap-`+gid+`").value === "3" && location.search.includes("m=settings")`, "the saved group")
			if g, err := e.app.Assign.Group(e.sys, e.group.ID); err != nil || g.Mode != assign.ModeLeastBusy || g.Capacity != 3 {
				t.Fatalf("group after the admin page: %+v %v", g, err)
			}

			ag := b.tab("agent")
			ag.signIn(e.base, "/agent/signin", e.agent.Email)
			ag.open(e.base + "/agent")
			ag.do(chromedp.WaitVisible(chromedp.CSS(`#availability-status`)))
			ag.accessible("the workspace with the availability control")
			ag.do(
				chromedp.SetValue(chromedp.CSS(`#availability-status`), "online"),
				chromedp.Click(chromedp.CSS(`form[action="/agent/availability"] button[type=submit]`)),
			)
			ag.waitText("Your status is saved.")
			av, err := e.app.Assign.Get(e.sys, e.agent.ID)
			if err != nil || av.Status != assign.Online || av.Effective != assign.Online {
				t.Fatalf("availability after the header control: %+v %v", av, err)
			}
			ag.open(e.base + "/agent/tickets/" + id(tk.ID))
			ag.do(chromedp.Click(chromedp.CSS(`#history summary`)))
			ag.waitText("Satisfaction: Bad — “Took <b>two</b> days”")
			ag.noScriptRan("the ticket page with a rating")
		})
	}
}

// The rating page over plain HTTP: forged and stale links are not found,
// the page is in Polish for Polish browsers, a POST needs the CSRF token,
// a missing score is a 422 with the form again, and a reopened ticket's
// link no longer rates. The availability control refuses a bad status and
// never redirects off the workspace.
func TestSatisfactionPageHTTP(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e, tk, page := csatEnv(t, u)
			anon := e.client()
			if r := anon.get(page + "x"); r.Status != http.StatusNotFound {
				t.Fatalf("forged link: %d", r.Status)
			}
			if r := anon.get("/satisfaction/1.2.abc"); r.Status != http.StatusNotFound {
				t.Fatalf("made-up link: %d", r.Status)
			}
			if r := anon.get(page, "Accept-Language", "pl"); r.Status != 200 || !strings.Contains(r.Body, "Oceń naszą pomoc") || !strings.Contains(r.Body, "Wyślij ocenę") ||
				strings.Contains(r.Body, "⟦") {
				t.Fatalf("Polish page: %d %s", r.Status, r.Body)
			}
			if r := anon.post(page, url.Values{"score": {"good"}, "csrf_token": {"forged"}}); r.Status < 400 {
				t.Fatalf("POST without the CSRF token: %d", r.Status)
			}
			anon.get(page)
			if r := anon.post(page, url.Values{"comment": {"no score"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "must be good or bad") {
				t.Fatalf("no score: %d %s", r.Status, r.Body)
			}
			if r := anon.post(page, url.Values{"score": {"good"}}); r.Status != 200 || !strings.Contains(r.Body, "Thank you for your feedback.") {
				t.Fatalf("rate: %d %s", r.Status, r.Body)
			}
			if r, err := csatOf(e, tk.ID); err != nil || r[tk.ID]["score"] != string(csat.Good) {
				t.Fatalf("stored: %v %v", r, err)
			}
			open := "open"
			if _, _, err := e.app.Tickets.Update(as(e.agent), tk.ID, ticket.Input{Status: &open}); err != nil {
				t.Fatal(err)
			}
			if r := anon.get(page); r.Status != 200 || !strings.Contains(r.Body, "can no longer be rated") && !strings.Contains(r.Body, "Your rating") {
				t.Fatalf("reopened: %d %s", r.Status, r.Body)
			}
			if r := anon.post(page, url.Values{"score": {"bad"}}); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("rating a reopened ticket: %d", r.Status)
			}

			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			ag.get("/agent")
			if r := ag.post("/agent/availability", url.Values{"status": {"busy"}}); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
				t.Fatalf("bad status: %d", r.Status)
			}
			ag.get("/agent")
			if r := ag.post("/agent/availability", url.Values{"status": {"away"}, "return_to": {"//evil.example/agent"}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent") {
				t.Fatalf("open redirect: %d %q", r.Status, r.Location)
			}
			if r := ag.get("/agent", "Accept-Language", "pl"); !strings.Contains(r.Body, "Zaraz wracam") {
				t.Fatal("the availability control is not in Polish")
			}
			if r := ag.get("/agent/admin/routing"); r.Status == 200 {
				t.Fatal("an agent opened the assignment admin page")
			}
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			ad.get("/agent/admin/routing")
			if r := ad.post("/agent/admin/routing/settings", url.Values{"delay_hours": {"9999"}, "availability_minutes": {"5"}}); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad delay: %d", r.Status)
			}
			ad.get("/agent/admin/routing")
			if r := ad.post("/agent/admin/routing/settings", url.Values{"delay_hours": {"2"}, "availability_minutes": {"5"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("save settings: %d %s", r.Status, r.Body)
			}
			if on, _ := e.app.CSAT.Enabled(e.sys); on {
				t.Fatal("CSAT still on after saving with the box unticked")
			}
			if m, _ := settings.AvailabilityMinutes.Get(e.sys, e.app.Settings); m != 5 {
				t.Fatalf("availability minutes %d", m)
			}
			cu := e.client()
			cu.signIn("/signin", e.customer.Email)
			if r := cu.post("/agent/availability", url.Values{"status": {"online"}}); r.Status == http.StatusSeeOther && strings.HasPrefix(r.Location, "/agent?") {
				t.Fatalf("a customer set an availability: %d %q", r.Status, r.Location)
			}
		})
	}
}

// csatPage turns CSAT on in e and returns the signed rating page of a
// freshly solved ticket of the customer's.
func csatPage(t *testing.T, e *env) string {
	t.Helper()
	if err := settings.CSATEnabled.Set(e.sys, e.app.Settings, true); err != nil {
		t.Fatal(err)
	}
	tk := e.ticketFor(e.customer, "Rated ticket", "Body")
	solved := "solved"
	if _, _, err := e.app.Tickets.Update(as(e.agent), tk.ID, ticket.Input{Status: &solved}); err != nil {
		t.Fatal(err)
	}
	var solvedAt int64
	if err := e.app.DB.QueryRow(e.sys, `SELECT solved_at FROM tickets WHERE id = ?`, tk.ID).Scan(&solvedAt); err != nil {
		t.Fatal(err)
	}
	tok, err := e.app.CSAT.Token(e.sys, e.app.DB, tk.ID, solvedAt)
	if err != nil {
		t.Fatal(err)
	}
	return "/satisfaction/" + tok
}

// csatOf is ForTickets, as the system, for ticket id as it is stored now.
func csatOf(e *env, id int64) (map[int64]map[string]any, error) {
	tk, err := e.app.Tickets.Get(e.sys, id)
	if err != nil {
		return nil, err
	}
	return e.app.CSAT.ForTickets(e.sys, []*desk.Ticket{tk})
}
