package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Flow 1: an agent signs in, opens a view, opens a ticket, replies publicly
// and submits it as solved. Runs on every store.
func TestBrowserAgentRepliesAndSolves(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			tk := e.ticketFor(e.customer, "Cannot print invoices", "The printer says PC LOAD LETTER.", "printing")
			e.ticketFor(e.customer2, "Password question", "How do I change my password?")

			ag := b.tab("agent")
			ag.open(e.base + "/agent")
			ag.waitURL(`location.pathname === "/agent/signin"`, "redirect to the agent sign-in")
			ag.signIn(e.base, "/agent/signin", e.agent.Email)
			ag.waitText("Your unsolved tickets")
			ag.shot("home")

			ag.do(chromedp.Click(chromedp.CSS(`a[href="/agent/views/unsolved"]`)))
			ag.waitJS(`document.querySelector('#view-rows tr[data-ticket-id="`+id(tk.ID)+`"]') !== null`, "the ticket in the view")
			ag.shot("view")
			ag.do(chromedp.Click(chromedp.CSS(`#view-rows tr[data-ticket-id="` + id(tk.ID) + `"] .subject a`)))
			ag.waitURL(`location.pathname === "/agent/tickets/`+id(tk.ID)+`"`, "the ticket page")
			ag.waitText("PC LOAD LETTER")

			reply := "Please load letter-size paper into tray 2."
			ag.do(
				chromedp.SendKeys(chromedp.CSS(`#reply-body`), reply),
				chromedp.Click(chromedp.CSS(`button[name="status"][value="solved"]`)),
			)
			ag.waitText("Ticket saved.")
			ag.waitJS(`document.querySelector("#ticket-status").innerText === "Solved"`, "status solved")
			ag.shot("ticket")

			got, err := e.app.Tickets.Get(as(e.agent), tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != "solved" {
				t.Errorf("status = %s, want solved", got.Status)
			}
			cs, _, _ := e.app.Tickets.Comments(as(e.agent), tk.ID, 0, 100, false)
			last := cs[len(cs)-1]
			if !last.Public || !strings.Contains(last.Body, reply) || last.AuthorID != e.agent.ID {
				t.Errorf("last comment %+v", last)
			}
			ag.noScriptRan("agent pages")
		})
	}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+/(verify|password/reset)\?token=[A-Za-z0-9_\-]+`)

// Flow 2: a customer files a request through the web form; it appears in
// an agent's open view without a reload (SSE); the agent adds an internal
// note and a public reply; the customer signs up, verifies the address from
// the emailed link, signs in and sees the reply but never the note.
func TestBrowserWebFormLiveViewAndPortal(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			ag := b.tab("agent")
			ag.signIn(e.base, "/agent/signin", e.agent.Email)
			ag.open(e.base + "/agent/views/unsolved")
			ag.waitText("All unsolved tickets")
			ag.eval(`String(window.__noReload = 42)`)
			// Wait for the event stream to be connected before filing.
			ag.waitJS(`document.body.getAttribute("data-live") === "1"`, "event stream")

			cu := b.tab("customer")
			cu.open(e.base + "/")
			subject := "Refund for order 4711"
			cu.do(
				chromedp.WaitVisible(chromedp.CSS(`#wf-email`)),
				chromedp.SendKeys(chromedp.CSS(`#wf-name`), "Erin Example"),
				chromedp.SendKeys(chromedp.CSS(`#wf-email`), "erin@example.com"),
				chromedp.SendKeys(chromedp.CSS(`#wf-subject`), subject),
				chromedp.SendKeys(chromedp.CSS(`#wf-description`), "I was charged twice for order 4711."),
				chromedp.Click(chromedp.CSS(`form[action="/requests/new"] button[type=submit]`)),
			)
			cu.waitText("We have received your request")
			cu.shot("webform-confirmation")

			// The agent's open view shows it without a reload.
			ag.waitText(subject)
			if v := ag.eval(`String(window.__noReload)`); v != "42" {
				t.Fatalf("the view was reloaded (marker %q)", v)
			}
			ag.shot("live-view")
			rowID := ag.eval(`document.querySelector('#view-rows tr').getAttribute("data-ticket-id")`)

			ag.do(chromedp.Click(chromedp.CSS(`#view-rows tr[data-ticket-id="` + rowID + `"] .subject a`)))
			ag.waitText("charged twice")
			note := "Internal: customer is on the fraud watch list"
			ag.do(
				chromedp.Click(chromedp.CSS(`input[data-kind="internal"]`)),
				chromedp.SendKeys(chromedp.CSS(`#reply-body`), note),
				chromedp.Click(chromedp.CSS(`button[name="status"][value=""]`)),
			)
			ag.waitText("Ticket saved.")
			reply := "We have refunded the second charge."
			ag.do(
				chromedp.Click(chromedp.CSS(`input[data-kind="public"]`)),
				chromedp.SendKeys(chromedp.CSS(`#reply-body`), reply),
				chromedp.Click(chromedp.CSS(`button[name="status"][value="pending"]`)),
			)
			ag.waitText("Ticket saved.")
			ag.waitJS(`document.querySelectorAll("#thread .comment.internal").length === 1`, "the note is marked internal")
			ag.shot("ticket")

			// The customer signs up, verifies and signs in.
			cu.open(e.base + "/signup")
			cu.do(
				chromedp.SendKeys(chromedp.CSS(`#su-name`), "Erin Example"),
				chromedp.SendKeys(chromedp.CSS(`#su-email`), "erin@example.com"),
				chromedp.SendKeys(chromedp.CSS(`#su-password`), password),
				chromedp.SendKeys(chromedp.CSS(`#su-password2`), password),
				chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
			)
			cu.waitText("Check your inbox")
			msg, err := e.app.Outbox.Latest(e.sys, "erin@example.com")
			if err != nil {
				t.Fatal(err)
			}
			link := linkRE.FindString(msg.Text)
			if link == "" {
				t.Fatalf("no link in %q", msg.Text)
			}
			cu.open(link)
			if strings.Contains(link, "/verify?") {
				cu.do(chromedp.Click(chromedp.CSS(`form[action="/verify"] button[type=submit]`)))
				cu.waitText("Your email address has been verified.")
			} else {
				// The web form already created Erin (without a password): the
				// email offers to choose one.
				cu.do(
					chromedp.SendKeys(chromedp.CSS(`#rp-password`), password),
					chromedp.SendKeys(chromedp.CSS(`#rp-password2`), password),
					chromedp.Click(chromedp.CSS(`form[action="/password/reset"] button[type=submit]`)),
				)
				cu.waitText("Your password has been changed.")
			}
			cu.signIn(e.base, "/signin", "erin@example.com")
			cu.open(e.base + "/requests")
			cu.waitText(subject)
			cu.shot("my-requests")
			cu.open(e.base + "/requests/" + rowID)
			cu.waitText(reply)
			cu.shot("request")
			if txt := cu.text(); strings.Contains(txt, "fraud watch") {
				t.Fatalf("the customer sees the internal note:\n%s", txt)
			}
			html := cu.eval(`document.documentElement.outerHTML`)
			if strings.Contains(html, "fraud watch") {
				t.Fatal("the internal note is in the portal page's HTML")
			}
			cu.noScriptRan("portal")
			ag.noScriptRan("agent")
		})
	}
}

// Flow 3: two agents on one ticket see each other (collision detection) and
// the typing indicator.
func TestBrowserCollisionAndTyping(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	tk := e.ticketFor(e.customer, "Shared ticket", "Two agents look at this.")
	a := b.tab("alan")
	g := b.tab("grace")
	a.signIn(e.base, "/agent/signin", e.agent.Email)
	g.signIn(e.base, "/agent/signin", e.agent2.Email)
	url := e.base + "/agent/tickets/" + id(tk.ID)
	a.open(url)
	g.open(url)
	a.waitText("Grace Agent is viewing this ticket")
	g.waitText("Alan Agent is viewing this ticket")
	a.shot("collision")

	g.do(chromedp.SendKeys(chromedp.CSS(`#reply-body`), "I am on it"))
	a.waitText("Grace Agent is replying to this ticket")
	a.shot("typing")

	// Grace leaves: Alan no longer sees her.
	g.open(e.base + "/agent")
	a.waitJS(`!document.querySelector("#presence").innerText.includes("Grace")`, "Grace gone")
}

// Flow 4: the Polish UI with correct plurals.
func TestBrowserPolishPlurals(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	pl := "pl"
	if _, err := e.app.People.UpdateUser(e.sys, e.agent.ID, people.UserInput{Locale: &pl}); err != nil {
		t.Fatal(err)
	}
	// Two tickets assigned to the agent ("Twoje nierozwiązane"), five in all
	// unsolved.
	for i := range 5 {
		tk := e.ticketFor(e.customer, "Zgłoszenie "+id(int64(i+1)), "Treść")
		if i < 2 {
			if _, _, err := e.app.Tickets.Update(as(e.agent), tk.ID, ticket.Input{AssigneeID: desk.SetID(e.agent.ID)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ag := b.tab("agent-pl")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	ag.open(e.base + "/agent/views/my")
	ag.waitText("2 zgłoszenia")
	ag.shot("my-pl")
	ag.open(e.base + "/agent/views/unsolved")
	ag.waitText("5 zgłoszeń")
	if lang := ag.eval(`document.documentElement.lang`); lang != "pl" {
		t.Errorf("lang = %q", lang)
	}
	txt := ag.text()
	for _, want := range []string{"Widoki", "Wyloguj"} {
		if !strings.Contains(txt, want) {
			t.Errorf("Polish page lacks %q", want)
		}
	}
	if strings.Contains(txt, "⟦") {
		t.Errorf("missing translations on the page:\n%s", txt)
	}
	ag.shot("unsolved-pl")

	// An anonymous visitor switches the portal to Polish with the switcher.
	v := b.tab("visitor")
	v.open(e.base + "/")
	v.waitText("Submit a request")
	v.eval(`(function () {
		var s = document.querySelector("#lang-select");
		s.value = "pl";
		s.dispatchEvent(new Event("change"));
		return "";
	})()`)
	v.waitJS(`document.documentElement.lang === "pl"`, "Polish portal")
	v.shot("portal-pl")
}

// Keyboard shortcuts: j/k move through a view, Enter opens, n starts an
// internal note, r a public reply, Ctrl+Enter submits, ? shows the help;
// j on a ticket goes to the next ticket of the view.
func TestBrowserKeyboardShortcuts(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	var tks []*desk.Ticket
	for i := range 3 {
		tks = append(tks, e.ticketFor(e.customer, "Keyboard "+id(int64(i+1)), "Body "+id(int64(i+1))))
	}
	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	ag.open(e.base + "/agent/views/unsolved?sort=created_at&dir=asc")
	ag.waitText("Keyboard 3")
	ag.waitJS(`document.readyState === "complete"`, "list scripts loaded") // shortcuts bind in a deferred script
	ag.eval(`document.activeElement.blur(), ""`)
	ag.do(chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"))
	ag.waitJS(`document.querySelector("tr.is-selected") && document.querySelector("tr.is-selected").getAttribute("data-ticket-id") === "`+id(tks[0].ID)+`"`, "first row selected")
	ag.do(chromedp.KeyEvent("j"), chromedp.KeyEvent("o"))
	ag.waitURL(`location.pathname === "/agent/tickets/`+id(tks[1].ID)+`"`, "second ticket opened")
	ag.waitText("Body 2") // waitURL waited for the page's deferred scripts too

	ag.do(chromedp.KeyEvent("?"))
	ag.waitJS(`document.querySelector("#shortcuts-dialog").open`, "help dialog")
	ag.shot("help")
	ag.do(chromedp.KeyEvent("\x1b")) // Escape closes it
	ag.waitJS(`!document.querySelector("#shortcuts-dialog").open`, "help closed")

	ag.eval(`document.activeElement.blur(), ""`)
	ag.do(chromedp.KeyEvent("n"))
	ag.waitJS(`document.activeElement.id === "reply-body" && document.querySelector('input[data-kind="internal"]').checked && document.querySelector("#ticket-form").classList.contains("is-internal")`, "internal note mode")
	ag.do(chromedp.KeyEvent("Noted by keyboard"), chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	ag.waitText("Ticket saved.")
	cs, _, _ := e.app.Tickets.Comments(as(e.agent), tks[1].ID, 0, 10, false)
	if last := cs[len(cs)-1]; last.Public || last.Body != "Noted by keyboard" {
		t.Errorf("keyboard note: %+v", last)
	}
	ag.eval(`document.activeElement.blur(), ""`)
	ag.do(chromedp.KeyEvent("r"))
	ag.waitJS(`document.activeElement.id === "reply-body" && document.querySelector('input[data-kind="public"]').checked`, "public reply mode")
	ag.eval(`document.activeElement.blur(), ""`)
	ag.do(chromedp.KeyEvent("j"))
	ag.waitURL(`location.pathname === "/agent/tickets/`+id(tks[2].ID)+`"`, "next ticket")
	ag.noScriptRan("keyboard")
}

// The pages work on a 320 px wide screen: nothing overflows sideways.
func TestBrowserNarrowScreen(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	tk := e.ticketFor(e.customer, "A rather long subject line to check wrapping on small screens", "Body", "tag-one", "tag-two")
	ag := b.tab("agent")
	ag.do(chromedp.EmulateViewport(320, 640))
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	cu := b.tab("customer")
	cu.do(chromedp.EmulateViewport(320, 640))
	cu.signIn(e.base, "/signin", e.customer.Email)
	check := func(tb *tab, path, name string) {
		t.Helper()
		tb.open(e.base + path)
		tb.waitJS(`document.readyState === "complete"`, "loaded")
		if w := tb.eval(`String(document.documentElement.scrollWidth)`); w != "320" {
			t.Errorf("%s is %s px wide at 320 px", path, w)
		}
		tb.shot(name)
	}
	check(ag, "/agent/views/unsolved", "views-320")
	check(ag, "/agent/tickets/"+id(tk.ID), "ticket-320")
	check(cu, "/", "portal-320")
	check(cu, "/requests/"+id(tk.ID), "request-320")
	// Focus is visible: a focused link gets an outline.
	if o := ag.eval(`(function () { var a = document.querySelector("main a"); a.focus(); return getComputedStyle(a).outlineStyle; })()`); o == "none" {
		t.Error("no visible focus outline")
	}
}
