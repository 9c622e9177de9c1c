package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// labelInName lists buttons and summaries whose accessible name (an
// aria-label) does not contain their visible text (WCAG 2.5.3), and
// buttons in the table whose accessible names repeat, so a screen reader
// user cannot tell which message they act on (2.4.6).
const labelInName = `(() => {
  const p = [], seen = new Map();
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  for (const el of document.querySelectorAll("main button, main summary")) {
    if (!visible(el)) continue;
    const text = el.innerText.trim().toLowerCase(), label = (el.getAttribute("aria-label") || "").trim().toLowerCase();
    if (label && !label.includes(text)) p.push("label " + JSON.stringify(label) + " hides the visible " + JSON.stringify(text));
    const name = (label || el.textContent).trim().replace(/\s+/g, " ");
    if (el.tagName === "BUTTON" && el.closest("tbody")) { if (seen.has(name)) p.push("two controls named " + JSON.stringify(name)); seen.set(name, true); }
  }
  return JSON.stringify(p);
})()`

// tabTo presses Tab until the focused element matches selector (at most
// 40 times), checking that every element focused on the way shows a
// visible focus indicator (WCAG 2.4.7).
func (tb *tab) tabTo(selector string) {
	tb.b.t.Helper()
	for range 40 {
		tb.do(chromedp.KeyEvent("\t"))
		if problem := tb.eval(`(() => { const el = document.activeElement; if (!el || el === document.body) return "";
			const cs = getComputedStyle(el);
			return (cs.outlineStyle === "none" || parseFloat(cs.outlineWidth) === 0) && cs.boxShadow === "none" ? "no focus indicator on " + el.outerHTML.slice(0, 80) : ""; })()`); problem != "" {
			tb.b.t.Error(problem)
		}
		if tb.eval(fmt.Sprintf(`String(document.activeElement && document.activeElement.matches(%q))`, selector)) == "true" {
			return
		}
	}
	tb.b.t.Fatalf("%s: Tab never reached %s", tb.name, selector)
}

// TestBrowserSuspendedAccessible: the suspended-mail queue passes the
// accessibility checks in English and Polish, empty and full, with a
// message opened, at 320 CSS pixels wide; an agent works it with the
// keyboard alone: opens a message, accepts it (a ticket), rejects
// another (confirmed first, then deleted), each outcome announced in a
// status message. Runs on every store.
func TestBrowserSuspendedAccessible(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			addr := "help@example.com"
			if _, err := e.app.Mailboxes.Create(e.sys, mailbox.Input{Address: &addr}); err != nil {
				t.Fatal(err)
			}
			if err := settings.BlockedSenders.Set(e.sys, e.app.Settings, "blocked.example"); err != nil {
				t.Fatal(err)
			}
			n := 0
			hold := func(subject, body string) {
				t.Helper()
				n++
				raw := fmt.Sprintf("From: Blocked Sender <b%d@blocked.example>\r\nTo: help@example.com\r\nSubject: %s\r\nMessage-ID: <held-%d@blocked.example>\r\n\r\n%s\r\n", n, subject, n, body)
				if subject == "" {
					raw = strings.Replace(raw, "Subject: \r\n", "", 1)
				}
				if res, err := e.app.Inbound.Ingest(context.Background(), ingest.Delivery{}, strings.NewReader(raw)); err != nil || res.Outcome != ingest.Suspended {
					t.Fatalf("ingest: %+v %v", res, err)
				}
			}
			long := strings.Repeat("averyveryverylongwordwithoutanyspaces", 12)

			ag := b.tab("agent")
			ag.signIn(e.base, "/agent/signin", e.agent.Email)
			ag.open(e.base + "/agent/suspended")
			ag.waitText("Nothing is waiting.")
			ag.accessible("the empty suspended page")

			hold("Refund please", "Please refund order 17.\r\n"+long)
			hold("", "A message without a subject.")
			hold("Same subject", "First.")
			hold("Same subject", "Second.")
			ag.open(e.base + "/agent/suspended")
			ag.waitText("Refund please")
			ag.accessible("the suspended page")
			if got := ag.eval(labelInName); got != "[]" {
				t.Errorf("the suspended page: %s", got)
			}
			// narrow screens: nothing needs scrolling sideways but the table itself (WCAG 1.4.10)
			ag.do(chromedp.EmulateViewport(320, 800))
			ag.do(chromedp.Click(chromedp.CSS(`tbody tr:last-child summary`)))
			ag.waitText("Please refund order 17.")
			if w := ag.eval(`String(document.documentElement.scrollWidth - document.documentElement.clientWidth)`); w != "0" {
				t.Errorf("at 320 px the page scrolls sideways by %s px: %s", w, ag.eval(`[...document.querySelectorAll("body *")].filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !el.closest(".table-wrap")).map(el => el.tagName + "." + el.className).slice(0, 8).join(", ")`))
			}
			ag.accessible("the suspended page at 320 px with a message open")
			ag.do(chromedp.EmulateViewport(1280, 900))

			// keyboard only: open the oldest message, accept it
			ag.open(e.base + "/agent/suspended")
			ag.waitText("Refund please")
			ag.tabTo(`tbody tr:last-child summary`)
			ag.do(chromedp.KeyEvent("\r"))
			ag.waitJS(`document.querySelector("tbody tr:last-child details").open`, "the message opened with Enter")
			ag.tabTo(`tbody tr:last-child form[action$="/recover"] button`)
			ag.do(chromedp.KeyEvent("\r"))
			ag.waitText("The mail was accepted and is now a ticket.")
			ag.waitJS(`document.querySelector('[role=status]') && document.querySelector('[role=status]').innerText.includes("accepted")`, "the outcome in a status message")
			ag.accessible("the suspended page after accepting")
			var tickets int
			if err := e.app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets WHERE subject = 'Refund please'`).Scan(&tickets); err != nil || tickets != 1 {
				t.Fatalf("accepted mail made %d tickets (%v)", tickets, err)
			}

			// reject asks first; only the confirmation deletes
			ag.tabTo(`tbody tr:last-child summary.reject`)
			ag.do(chromedp.KeyEvent("\r"))
			ag.waitJS(`document.querySelector("tbody tr:last-child details.reject").open`, "the reject confirmation")
			ag.accessible("the suspended page asking to confirm a rejection")
			if left := ag.eval(`String(document.querySelectorAll("tbody tr").length)`); left != "3" {
				t.Fatalf("%s messages left after opening the confirmation", left)
			}
			ag.tabTo(`tbody tr:last-child details.reject button`)
			ag.do(chromedp.KeyEvent("\r"))
			ag.waitText("The mail was rejected and deleted.")
			ag.accessible("the suspended page after rejecting")
			if left := ag.eval(`String(document.querySelectorAll("tbody tr").length)`); left != "2" {
				t.Fatalf("%s messages left after a rejection", left)
			}

			// the same in Polish
			if _, err := e.app.People.UpdateUser(e.sys, e.agent.ID, people.UserInput{Locale: ptr("pl")}); err != nil {
				t.Fatal(err)
			}
			pl := b.tab("agent-pl")
			pl.signIn(e.base, "/agent/signin", e.agent.Email)
			pl.open(e.base + "/agent/suspended")
			pl.waitJS(`document.documentElement.lang === "pl"`, "Polish")
			pl.waitText("Wstrzymana poczta")
			pl.accessible("/agent/suspended (pl)")
			if got := pl.eval(labelInName); got != "[]" {
				t.Errorf("the Polish suspended page: %s", got)
			}
			pl.do(chromedp.Click(chromedp.CSS(`tbody tr:last-child form[action$="/recover"] button`)))
			pl.waitText("Wiadomość zaakceptowano")
			pl.accessible("/agent/suspended after accepting (pl)")
			pl.do(chromedp.Click(chromedp.CSS(`tbody tr:last-child summary.reject`)))
			pl.waitJS(`document.querySelector("tbody tr:last-child details.reject").open`, "the reject confirmation (pl)")
			pl.accessible("/agent/suspended asking to confirm (pl)")
			pl.do(chromedp.Click(chromedp.CSS(`tbody tr:last-child details.reject button`)))
			pl.waitText("Wiadomość odrzucono")
			pl.waitText("Nic nie czeka.")
			pl.accessible("/agent/suspended empty (pl)")
			ag.noScriptRan("the suspended page")
			pl.noScriptRan("the suspended page in Polish")
		})
	}
}
