package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
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
