package web_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/people"
)

// a11yCheck lists WCAG 2.1 AA problems a script can see on the page: the
// language, one main landmark and one h1, a title, a label for every form
// control, a name for every link and button, unique ids, existing
// aria-describedby targets, alt text, no positive tabindex, and the
// contrast of every visible text against its background (4.5:1, large
// text 3:1).
const a11yCheck = `(() => {
  const p = [];
  const visible = el => el.checkVisibility ? el.checkVisibility() : !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  if (!document.documentElement.lang) p.push("no lang on <html>");
  if (!document.title.trim()) p.push("no title");
  if (document.querySelectorAll("main").length !== 1) p.push("main landmarks: " + document.querySelectorAll("main").length);
  if (document.querySelectorAll("h1").length !== 1) p.push("h1 headings: " + document.querySelectorAll("h1").length);
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) p.push("unlabelled control " + (el.id || el.name));
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    if (visible(el) && !(el.getAttribute("aria-label") || el.innerText || el.title || "").trim()) p.push("nameless " + el.outerHTML.slice(0, 80));
  }
  const ids = new Set();
  for (const el of document.querySelectorAll("[id]")) { if (ids.has(el.id)) p.push("duplicate id " + el.id); ids.add(el.id); }
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const id of el.getAttribute("aria-describedby").split(/\s+/)) if (!document.getElementById(id)) p.push("aria-describedby names no element: " + id);
  }
  for (const el of document.querySelectorAll("img:not([alt])")) p.push("image without alt " + el.src);
  for (const el of document.querySelectorAll("[tabindex]")) if (el.tabIndex > 0) p.push("positive tabindex on " + el.tagName);
  const rgb = s => (s.match(/[\d.]+/g) || [0, 0, 0, 0]).map(Number);
  const lum = c => { const a = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]; };
  const background = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
  for (const el of document.querySelectorAll("body *")) {
    if (!visible(el) || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const cs = getComputedStyle(el);
    const l1 = lum(rgb(cs.color)), l2 = lum(background(el));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
    if (ratio < ((size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5)) p.push("contrast " + ratio.toFixed(2) + " of " + el.tagName + " " + el.textContent.trim().slice(0, 30));
  }
  return JSON.stringify(p);
})()`

// accessible fails the test with every problem a11yCheck finds on the
// tab's page.
func (tb *tab) accessible(where string) {
	tb.b.t.Helper()
	var problems []string
	if err := json.Unmarshal([]byte(tb.eval(a11yCheck)), &problems); err != nil {
		tb.b.t.Fatal(err)
	}
	for _, p := range problems {
		tb.b.t.Errorf("%s: %s", where, p)
	}
}

// TestBrowserMailboxAdmin: an admin adds a support address with IMAP and
// SMTP settings, checks the connection against real servers (go-imap's
// and go-smtp's), edits it (name, brand, DKIM key; the blank password
// fields keep the stored secrets, which a second check proves), sees the
// DKIM DNS record, and disables it. Every page passes the accessibility
// check, in English and Polish. Runs on every store.
func TestBrowserMailboxAdmin(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			imapSrv := mailtest.StartIMAP(t, nil, "help", "imap-Secret-1")
			smtpSrv := mailtest.StartSMTP(t, nil, "help", "smtp-Secret-2")

			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			ad.open(e.base + "/agent/admin/mailboxes")
			ad.waitText("Add a support address")
			ad.accessible("the support addresses page")
			// The check finds what it looks for: an unlabelled, faint field.
			ad.eval(`(() => { const i = document.createElement("input"); i.id = "a11y-probe"; document.querySelector("main").append(i);
				const s = document.createElement("span"); s.id = "a11y-probe2"; s.textContent = "faint"; s.style.color = "#ccc"; document.querySelector("main").append(s); return ""; })()`)
			if got := ad.eval(a11yCheck); !strings.Contains(got, "unlabelled control a11y-probe") || !strings.Contains(got, "contrast") {
				t.Fatalf("the accessibility check missed planted problems: %s", got)
			}
			ad.eval(`(() => { document.querySelector("#a11y-probe").remove(); document.querySelector("#a11y-probe2").remove(); return ""; })()`)
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#mb-email`), "help@example.com"),
				chromedp.SetValue(chromedp.CSS(`#mb-name`), "Help desk"),
				chromedp.SetValue(chromedp.CSS(`#mb-brand`), "Example"),
				chromedp.SetValue(chromedp.CSS(`#mb-group`), id(e.group.ID)),
				chromedp.SetValue(chromedp.CSS(`#mb-ih`), imapSrv.Host),
				chromedp.SetValue(chromedp.CSS(`#mb-ip`), strconv.Itoa(imapSrv.Port)),
				chromedp.SetValue(chromedp.CSS(`#mb-is`), "none"),
				chromedp.SetValue(chromedp.CSS(`#mb-iu`), "help"),
				chromedp.SetValue(chromedp.CSS(`#mb-iw`), "imap-Secret-1"),
				chromedp.SetValue(chromedp.CSS(`#mb-sh`), smtpSrv.Host),
				chromedp.SetValue(chromedp.CSS(`#mb-sp`), strconv.Itoa(smtpSrv.Port)),
				chromedp.SetValue(chromedp.CSS(`#mb-ss`), "none"),
				chromedp.SetValue(chromedp.CSS(`#mb-su`), "help"),
				chromedp.SetValue(chromedp.CSS(`#mb-sw`), "smtp-Secret-2"),
				chromedp.Click(chromedp.CSS(`form[action="/agent/admin/mailboxes"] button[type=submit]`)),
			)
			ad.waitText("Help desk <help@example.com>")
			ms, err := e.app.Mailboxes.List(e.sys)
			if err != nil || len(ms) != 1 || ms[0].DefaultGroupID != e.group.ID || !ms[0].IMAP.HasSecret || !ms[0].SMTP.HasSecret {
				t.Fatalf("created %+v %v", ms, err)
			}
			mid := strconv.FormatInt(ms[0].ID, 10)
			check := func() {
				ad.do(chromedp.Click(chromedp.CSS(`form[action="/agent/admin/mailboxes/` + mid + `/check"] button`)))
				ad.waitText("Checked and working")
				ad.waitJS(`document.querySelector('[role=status].notice') && document.querySelector('[role=status].notice').innerText.split("works").length === 3`, "both servers working")
			}
			check()
			ad.accessible("the support addresses page after a check")

			ad.do(chromedp.Click(chromedp.CSS(`a[href="/agent/admin/mailboxes/` + mid + `"]`)))
			ad.waitURL(`location.pathname === "/agent/admin/mailboxes/`+mid+`"`, "the edit page")
			ad.waitText("No DKIM key")
			ad.accessible("the edit page")
			if v := ad.eval(`document.querySelector("#mb-iw").value + document.querySelector("#mb-sw").value`); v != "" {
				t.Fatalf("the edit page fills in a password: %q", v)
			}
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#mb-name`), "Pomoc"),
				chromedp.SetValue(chromedp.CSS(`#mb-brand`), "Kwiaciarnia Róża"),
				chromedp.SetValue(chromedp.CSS(`#mb-ds`), "fd2026"),
				chromedp.SetValue(chromedp.CSS(`#mb-dk`), ed25519PEM(t)),
				chromedp.Click(chromedp.CSS(`form[action="/agent/admin/mailboxes/`+mid+`"] button.primary`)),
			)
			ad.waitText("fd2026._domainkey.example.com")
			ad.waitText("v=DKIM1; k=ed25519; p=")
			ad.accessible("the edit page with a DKIM record")
			m, err := e.app.Mailboxes.Get(e.sys, ms[0].ID)
			if err != nil || m.Name != "Pomoc" || m.BrandName != "Kwiaciarnia Róża" || !m.HasDKIMKey || !m.IMAP.HasSecret || !m.SMTP.HasSecret {
				t.Fatalf("after editing: %+v %v", m, err)
			}

			// The secrets kept by the blank fields still work.
			ad.open(e.base + "/agent/admin/mailboxes")
			check()

			ad.do(chromedp.Click(chromedp.CSS(`form[action="/agent/admin/mailboxes/` + mid + `/enabled"] button`)))
			ad.waitJS(`[...document.querySelectorAll(".badge")].some(b => b.innerText === "Disabled")`, "the Disabled badge")
			if m, _ := e.app.Mailboxes.Get(e.sys, ms[0].ID); m.Enabled {
				t.Fatal("still enabled")
			}

			// The email templates pages pass the same check.
			ad.open(e.base + "/agent/admin/email-templates")
			ad.waitText("Reply to the customer")
			ad.accessible("the email templates page")
			ad.open(e.base + "/agent/admin/email-templates/ticket.public_reply/en")
			ad.waitText("Preview with a sample ticket")
			ad.accessible("an email template")
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#et-subject`), "{{.Nope}}"),
				chromedp.Click(chromedp.CSS(`button[value=preview]`)),
			)
			ad.waitJS(`document.querySelector("#et-subject").getAttribute("aria-invalid") === "true"`, "the subject marked invalid")
			ad.accessible("an email template with an error")

			// The same pages in Polish.
			pl := b.tab("admin-pl")
			if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: ptr("pl")}); err != nil {
				t.Fatal(err)
			}
			pl.signIn(e.base, "/agent/signin", e.admin.Email)
			for _, p := range []string{"/agent/admin/mailboxes", "/agent/admin/mailboxes/" + mid, "/agent/admin/email-templates", "/agent/admin/email-templates/ticket.assigned/pl"} {
				pl.do(chromedp.Navigate(e.base + p))
				pl.waitJS(`document.readyState === "complete"`, "the page loaded")
				pl.waitJS(`document.documentElement.lang === "pl"`, "Polish")
				pl.accessible(p)
			}
			ad.noScriptRan("the mailbox pages")
			pl.noScriptRan("the mailbox pages in Polish")
		})
	}
}
