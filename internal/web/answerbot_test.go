package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// answeredLink is the path of a signed "this answered my question" link
// for a new ticket of the customer's, and the ticket.
func answeredLink(t *testing.T, e *env) (string, *desk.Ticket) {
	t.Helper()
	hc := e.app.HelpCenter
	cat, err := hc.CreateCategory(e.sys, helpcenter.GroupInput{Locale: "en", Name: ptr("Bot")})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := hc.CreateSection(e.sys, helpcenter.GroupInput{Locale: "en", Name: ptr("Answers"), CategoryID: &cat.ID})
	if err != nil {
		t.Fatal(err)
	}
	a, err := hc.CreateArticle(e.sys, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: ptr(`Unjam <b>the</b> printer <img src=x onerror=window.__xss=1>`),
		Body: ptr("Open the tray."), Visibility: ptr(helpcenter.VisEveryone)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.SaveTranslation(e.sys, helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl", Title: ptr("Zacięta drukarka"), Body: ptr("Otwórz tackę.")}); err != nil {
		t.Fatal(err)
	}
	tk := e.ticketFor(e.customer, "Printer jammed", "It is stuck")
	tok, err := e.app.AnswerBot.LinkToken(e.sys, e.app.DB, tk.ID, e.customer.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return "/answered/" + tok, tk
}

// TestAnsweredLinkPage: opening the link changes nothing and asks to
// confirm (the article's title escaped); a POST without the form's CSRF
// token is refused; with it the ticket is solved; the link then says it
// was used; forged tokens are 404.
func TestAnsweredLinkPage(t *testing.T) {
	e := newEnv(t, "")
	link, tk := answeredLink(t, e)
	anon := e.client()
	r := anon.get(link)
	if r.Status != 200 || !strings.Contains(r.Body, "Did this answer your question?") || strings.Contains(r.Body, "<b>the</b>") ||
		!strings.Contains(r.Body, "&lt;b&gt;the&lt;/b&gt;") {
		t.Fatalf("page: %d %s", r.Status, r.Body)
	}
	if got, _ := e.app.Tickets.Get(e.sys, tk.ID); got.Status == desk.StatusSolved {
		t.Fatal("opening the link solved the ticket")
	}
	if r := anon.post(link, url.Values{"csrf_token": {"forged"}}); r.Status < 400 {
		t.Fatalf("POST without the form token: %d", r.Status)
	}
	if got, _ := e.app.Tickets.Get(e.sys, tk.ID); got.Status == desk.StatusSolved {
		t.Fatal("a forged form solved the ticket")
	}
	if r := anon.post(link, nil); r.Status != 200 || !strings.Contains(r.Body, "is now solved") {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	if got, _ := e.app.Tickets.Get(e.sys, tk.ID); got.Status != desk.StatusSolved {
		t.Fatalf("ticket not solved: %s", got.Status)
	}
	if r := anon.get(link); r.Status != 409 || !strings.Contains(r.Body, "already used") {
		t.Fatalf("used link: %d %s", r.Status, r.Body)
	}
	if r := anon.post(link, nil); r.Status != 409 {
		t.Fatalf("second use: %d", r.Status)
	}
	for _, bad := range []string{"/answered/x", link + "x", "/answered/1.2.3.4.aaaaaaaaaaaaaaaaaaaaaa.zzz"} {
		if r := anon.get(bad); r.Status != 404 {
			t.Fatalf("forged %s: %d", bad, r.Status)
		}
	}
}

// TestBrowserAnsweredLink: the confirmation page and its result pass the
// accessibility check and run no script from the article's title (the
// Polish page is checked by TestEveryPageInEveryLanguage).
func TestBrowserAnsweredLink(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	link, _ := answeredLink(t, e)
	tab := b.tab("customer")
	tab.open(e.base + link)
	tab.waitText("Did this answer your question?")
	tab.accessible("the answered-link page")
	tab.noScriptRan("the answered-link page")
	tab.do(chromedp.Click(chromedp.CSS(`form[action^="/answered/"] button[type=submit]`)))
	tab.waitText("is now solved")
	tab.accessible("the answered-link result")
}

// TestAdminAnswerBotPages: an admin creates a flow, adds an ask step and a
// group handover through the step forms (a new version each save), sees
// the outline, gets a 422 with the typed values kept for a dangling next
// step, activates and deletes it; agents may not reach the pages.
func TestAdminAnswerBotPages(t *testing.T) {
	e := newEnv(t, "")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	if r := ad.get("/agent/admin/answer-bot"); r.Status != 200 || !strings.Contains(r.Body, "No flows yet") {
		t.Fatalf("list: %d", r.Status)
	}
	// after follows a POST's redirect.
	after := func(r resp) resp {
		t.Helper()
		if r.Status != 303 {
			return r
		}
		return ad.get(r.Header.Get("Location"))
	}
	r := after(ad.post("/agent/admin/answer-bot", url.Values{"name": {"Orders <script>"}}))
	if r.Status != 200 || !strings.Contains(r.Body, "Orders &lt;script&gt;") {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	flows, err := e.app.AnswerBot.Flows(as(e.admin))
	if err != nil || len(flows) != 1 {
		t.Fatalf("flows: %v %v", flows, err)
	}
	page := "/agent/admin/answer-bot/" + id(flows[0].ID)
	form := url.Values{"name": {"Orders"},
		"s0.id": {"start"}, "s0.kind": {"message"}, "s0.text.en": {"What do you need?"}, "s0.text.pl": {"W czym pomóc?"},
		"s0.b0.label.en": {"Order status"}, "s0.b0.label.pl": {"Status zamówienia"}, "s0.b0.next": {"order"},
		"s1.id": {"order"}, "s1.kind": {"ask"}, "s1.text.en": {"Your order number?"}, "s1.label.en": {"Order number"}, "s1.next": {"orders"},
		"s2.id": {"orders"}, "s2.kind": {"handover"}, "s2.group": {id(e.group.ID)},
		"s3.id": {""}}
	if r := after(ad.post(page, form)); r.Status != 200 || !strings.Contains(r.Body, "Order status →") {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	f, err := e.app.AnswerBot.Flow(as(e.admin), flows[0].ID)
	if err != nil || f.Version != 2 || len(f.Steps) != 3 || f.Steps[2].GroupID != e.group.ID || f.Steps[0].Buttons[0].Label["pl"] != "Status zamówienia" {
		t.Fatalf("saved flow: %+v %v", f, err)
	}
	bad := url.Values{"name": {"Orders"}, "s0.id": {"start"}, "s0.kind": {"message"}, "s0.text.en": {"Typed text"},
		"s0.b0.label.en": {"Go"}, "s0.b0.next": {"ghost"}}
	if r := ad.post(page, bad); r.Status != 422 || !strings.Contains(r.Body, "Typed text") || !strings.Contains(r.Body, "not a step of this flow") {
		t.Fatalf("dangling next: %d %s", r.Status, r.Body)
	}
	if f, _ := e.app.AnswerBot.Flow(as(e.admin), flows[0].ID); f.Version != 2 {
		t.Fatalf("a refused save made version %d", f.Version)
	}
	// The email suggestions switch.
	if r := after(ad.post("/agent/admin/answer-bot/email", nil)); r.Status != 200 || strings.Contains(r.Body, `id="bot-email-on" name="email_suggestions" value="1" checked`) {
		t.Fatalf("email off: %d", r.Status)
	}
	if on, _ := settings.AnswerBotEmail.Get(e.sys, e.app.Settings); on {
		t.Fatal("email suggestions still on")
	}
	if r := after(ad.post("/agent/admin/answer-bot/email", url.Values{"email_suggestions": {"1"}})); r.Status != 200 {
		t.Fatalf("email on: %d", r.Status)
	}
	if on, _ := settings.AnswerBotEmail.Get(e.sys, e.app.Settings); !on {
		t.Fatal("email suggestions still off")
	}
	if r := after(ad.post(page+"/activate", url.Values{"active": {"1"}})); r.Status != 200 || !strings.Contains(r.Body, "Deactivate") {
		t.Fatalf("activate: %d", r.Status)
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	for _, p := range []string{"/agent/admin/answer-bot", page} {
		if r := ag.get(p); r.Status != 403 {
			t.Fatalf("agent %s: %d", p, r.Status)
		}
	}
	if r := ag.post(page+"/delete", nil); r.Status != 403 {
		t.Fatalf("agent delete: %d", r.Status)
	}
	if r := after(ad.post(page+"/delete", nil)); r.Status != 200 || !strings.Contains(r.Body, "No flows yet") {
		t.Fatalf("delete: %d", r.Status)
	}
}

// TestBrowserAdminAnswerBot: the flow list and the flow editor pass the
// accessibility check in English and Polish, and the editor is usable
// from the keyboard alone (the step fields are reachable with Tab).
func TestBrowserAdminAnswerBot(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	steps := []answerbot.Step{
		{ID: "start", Kind: answerbot.KindMessage, Text: answerbot.Texts{"en": "Hi <b>there</b>", "pl": "Cześć"},
			Buttons: []answerbot.FlowButton{{Label: answerbot.Texts{"en": "Orders", "pl": "Zamówienia"}, Next: "ask"}}},
		{ID: "ask", Kind: answerbot.KindAsk, Text: answerbot.Texts{"en": "Number?"}, Label: answerbot.Texts{"en": "Order number"}, Next: "person"},
		{ID: "person", Kind: answerbot.KindHandover, GroupID: e.group.ID},
	}
	f, err := e.app.AnswerBot.CreateFlow(as(e.admin), answerbot.FlowInput{Name: ptr(`Orders <img src=x onerror=window.__xss=1>`), Steps: &steps})
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"en", "pl"} {
		l := loc
		if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: &l}); err != nil {
			t.Fatal(err)
		}
		tab := b.tab("admin-" + loc)
		tab.signIn(e.base, "/agent/signin", e.admin.Email)
		tab.open(e.base + "/agent/admin/answer-bot")
		tab.waitText(map[string]string{"en": "Answer bot", "pl": "Bot odpowiedzi"}[loc])
		tab.accessible("the answer bot flows (" + loc + ")")
		tab.open(e.base + "/agent/admin/answer-bot/" + id(f.ID))
		tab.waitText(map[string]string{"en": "Save a new version", "pl": "Zapisz nową wersję"}[loc])
		tab.accessible("the answer bot flow editor (" + loc + ")")
		tab.noScriptRan("the answer bot flow editor")
		tab.do(chromedp.Focus(chromedp.CSS(`#bot-name`)), chromedp.KeyEvent("\t"))
		if got := tab.eval(`document.activeElement.id`); got != "s0-id" {
			t.Fatalf("Tab from the name went to %q", got)
		}
	}
}
