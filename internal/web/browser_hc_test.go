package web_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestBrowserHelpCenter: a Polish visitor searches /hc/pl without
// diacritics, opens the article and votes; an English visitor gets the
// English translation of the same article. Every page passes the
// accessibility check and runs no injected script.
func TestBrowserHelpCenter(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			c := hcFixture(t, e)

			pl := b.tab("polish visitor")
			pl.open(e.base + "/hc/pl")
			pl.waitText("Centrum pomocy")
			pl.accessible("the help center home (pl)")
			pl.shot("hc-home-pl")
			pl.do(
				chromedp.SendKeys(chromedp.CSS(`#hc-query`), "haslo"),
				chromedp.Submit(chromedp.CSS(`#hc-query`)),
			)
			pl.waitText("1 wynik")
			pl.accessible("the search results (pl)")
			if got := pl.eval(`document.querySelector(".hc-results em").textContent`); got != "hasło" {
				t.Errorf("highlighted %q", got)
			}
			pl.do(chromedp.Click(chromedp.CSS(`.hc-results a`)))
			pl.waitText("Czy ten artykuł był pomocny?")
			if got := pl.eval(`document.querySelector("h1").textContent`); got != "Jak zresetować hasło" {
				t.Errorf("Polish article title %q", got)
			}
			pl.accessible("the article (pl)")
			pl.do(chromedp.Click(chromedp.CSS(`.hc-vote button[value=up]`)))
			pl.waitText("Dziękujemy za opinię.")
			pl.waitText("1 z 1")
			pl.noScriptRan("the Polish help center")
			a, err := e.app.HelpCenter.Article(e.sys, c.public.ID, "pl")
			if err != nil || a.VoteSum != 1 || a.VoteCount != 1 {
				t.Errorf("vote not recorded: %+v %v", a, err)
			}
			// The visitor sees their vote and withdraws it with the keyboard.
			pl.waitText("Ten artykuł był dla Ciebie pomocny.")
			pl.accessible("the article with the visitor's vote (pl)")
			pl.do(chromedp.Focus(chromedp.CSS(`.hc-vote button[value=withdraw]`)), chromedp.KeyEvent("\r"))
			pl.waitText("Twój głos został wycofany.")
			if a, _ := e.app.HelpCenter.Article(e.sys, c.public.ID, "pl"); a.VoteCount != 0 {
				t.Errorf("vote not withdrawn: %+v", a)
			}

			en := b.tab("english visitor")
			en.open(e.base + "/hc/en")
			en.waitText("Help center")
			en.accessible("the help center home (en)")
			en.shot("hc-home-en")
			en.open(e.base + fmt.Sprintf("/hc/en/articles/%d", c.public.ID))
			en.waitText("Was this article helpful?")
			if got := en.eval(`document.querySelector("h1").textContent`); got != "How to reset your password" {
				t.Errorf("English article title %q", got)
			}
			if got := en.eval(`document.documentElement.lang`); got != "en" {
				t.Errorf("page language %q", got)
			}
			en.accessible("the article (en)")
			en.shot("hc-article-en")
			en.open(e.base + fmt.Sprintf("/hc/en/articles/%d", c.hostile.ID))
			en.waitText("Was this article helpful?")
			en.noScriptRan("the hostile article")

			// A manager renames a category in both languages on /agent/hc.
			ad := b.tab("help-center manager")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			for _, loc := range []string{"en", "pl"} {
				ad.open(e.base + fmt.Sprintf("/agent/hc/categories/%d?locale=%s", c.catID, loc))
				ad.do(chromedp.WaitVisible(chromedp.CSS(`#hcg-name`)))
				ad.accessible("the category editor (" + loc + ")")
				ad.open(e.base + fmt.Sprintf("/agent/hc/sections/%d?locale=%s", c.secID, loc))
				ad.do(chromedp.WaitVisible(chromedp.CSS(`#hcg-cat`)))
				ad.accessible("the section editor (" + loc + ")")
			}
			// An image attached to the article goes into the text with one
			// click, and the live preview shows it.
			img, err := e.app.HelpCenter.AddAttachment(e.sys, c.public.ID, "ekran.png", true, bytes.NewReader(pngPixel))
			if err != nil {
				t.Fatal(err)
			}
			for _, loc := range []string{"en", "pl"} {
				ad.open(e.base + fmt.Sprintf("/agent/hc/articles/%d?locale=%s", c.public.ID, loc))
				ad.waitJS(`!document.querySelector(".hc-insert").hidden`, "the insert button")
				ad.accessible("the article editor with files (" + loc + ")")
			}
			ad.do(chromedp.Click(chromedp.CSS(`.hc-insert`)))
			ad.waitJS(`document.querySelector("#hc-body").value.includes(`+strconv.Quote(img.Markdown())+`)`, "the image's Markdown in the text")
			ad.waitJS(`document.querySelector("#hc-preview img") !== null && document.querySelector("#hc-preview img").getAttribute("src") === `+strconv.Quote(img.Path()), "the image in the preview")
			ad.open(e.base + fmt.Sprintf("/agent/hc/categories/%d?locale=pl", c.catID))
			ad.do(chromedp.SetValue(chromedp.CSS(`#hcg-name`), "Twoje konto"), chromedp.Submit(chromedp.CSS(`#hcg-name`)))
			ad.waitURL(`location.search.includes("m=updated")`, "saved")
			if got, _ := e.app.HelpCenter.Category(e.sys, c.catID, "pl"); got.Name != "Twoje konto" {
				t.Errorf("Polish category name after edit: %q", got.Name)
			}
		})
	}
}

// TestBrowserDeflection: the web form suggests an article as the subject
// is typed; "this answered my question" is counted and files no ticket.
// The agent's ticket page lists related articles and inserts a link into
// the reply in one click.
func TestBrowserDeflection(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	c := hcFixture(t, e)
	before, err := e.app.Tickets.Count(e.sys, ticket.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	v := b.tab("visitor")
	v.open(e.base + "/")
	v.do(chromedp.WaitVisible(chromedp.CSS(`#wf-subject`)), chromedp.SendKeys(chromedp.CSS(`#wf-subject`), "I forgot my password"))
	v.waitJS(`!document.querySelector("#hc-suggestions").hidden`, "suggestions")
	if got := v.eval(`document.querySelector("#hc-suggestions").innerText`); !strings.Contains(got, "How to reset your password") || strings.Contains(got, "Customer-only") {
		t.Errorf("suggestions %q", got)
	}
	v.accessible("the web form with suggestions")
	v.do(chromedp.Click(chromedp.CSS(`#hc-suggestions button`)))
	v.waitText("No request was sent.")
	v.noScriptRan("the web form")
	counts, err := e.app.HelpCenter.Deflections(e.sys)
	if err != nil || counts[c.public.ID] != 1 {
		t.Errorf("deflections %v %v", counts, err)
	}
	if after, _ := e.app.Tickets.Count(e.sys, ticket.ListFilter{}); after != before {
		t.Errorf("a ticket was filed: %d → %d", before, after)
	}

	tk := e.ticketFor(e.customer, "Cannot reset password", "Help")
	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	ag.open(e.base + fmt.Sprintf("/agent/tickets/%d", tk.ID))
	ag.waitText("How to reset your password")
	ag.do(chromedp.Click(chromedp.CSS(`[data-hc-insert]`)))
	if got := ag.eval(`document.querySelector("#reply-body").value`); !strings.Contains(got, fmt.Sprintf("/hc/en/articles/%d-how-to-reset-your-password", c.public.ID)) {
		t.Errorf("reply after insert: %q", got)
	}
	ag.noScriptRan("the ticket page")
}

// TestBrowserHelpCenterXSSCorpus: articles whose titles, Markdown bodies
// and category/section names carry the XSS corpus; no script may run on
// the home, section, article, search, suggestion or editor pages.
func TestBrowserHelpCenterXSSCorpus(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	hc := e.app.HelpCenter
	catName := `<img src=x onerror=window.__xss=1> category`
	cat, err := hc.CreateCategory(e.sys, helpcenter.GroupInput{Name: &catName, Description: &xssCorpus[0]})
	if err != nil {
		t.Fatal(err)
	}
	secName := `<script>window.__xss=1</script> section`
	sec, err := hc.CreateSection(e.sys, helpcenter.GroupInput{Name: &secName, CategoryID: &cat.ID})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, payload := range xssCorpus {
		title := fmt.Sprintf("xsscase %d %s", i, payload)
		body := "## Heading " + payload + "\n\nText xsscase " + payload + "\n\n[link](javascript:window.__xss=1)\n\n" + payload
		a, err := hc.CreateArticle(e.sys, helpcenter.ArticleInput{SectionID: &sec.ID, Title: &title, Body: &body, Promoted: hcBool(i < 5)})
		if err != nil {
			t.Fatalf("payload %d: %v", i, err)
		}
		ids = append(ids, a.ID)
	}
	v := b.tab("visitor")
	pages := []string{"/hc/en", fmt.Sprintf("/hc/en/categories/%d", cat.ID), fmt.Sprintf("/hc/en/sections/%d", sec.ID),
		"/hc/en/search?query=xsscase", "/hc/en/search?query=" + url.QueryEscape(xssCorpus[0])}
	for _, id := range ids {
		pages = append(pages, fmt.Sprintf("/hc/en/articles/%d", id))
	}
	for _, p := range pages {
		v.open(e.base + p)
		v.waitJS(`document.readyState === "complete"`, "loaded")
		v.noScriptRan(p)
	}
	v.open(e.base + "/")
	v.do(chromedp.WaitVisible(chromedp.CSS(`#wf-subject`)), chromedp.SendKeys(chromedp.CSS(`#wf-subject`), "xsscase"))
	v.waitJS(`!document.querySelector("#hc-suggestions").hidden`, "suggestions")
	v.noScriptRan("the web form suggestions")
	ad := b.tab("editor")
	ad.signIn(e.base, "/agent/signin", e.admin.Email)
	for _, id := range ids[:6] {
		ad.open(e.base + fmt.Sprintf("/agent/hc/articles/%d?locale=en", id))
		ad.waitJS(`document.querySelector("#hc-preview").children.length > 0`, "the preview")
		ad.noScriptRan("the editor")
	}
	ad.open(e.base + "/agent/hc")
	ad.waitText("xsscase")
	ad.noScriptRan("the help-center management page")
	for _, p := range []string{fmt.Sprintf("/agent/hc/categories/%d?locale=en", cat.ID), fmt.Sprintf("/agent/hc/sections/%d?locale=en", sec.ID)} {
		ad.open(e.base + p)
		ad.waitJS(`document.querySelector("#hcg-name").value.includes("window.__xss")`, "the hostile name as text")
		ad.noScriptRan(p)
	}
}

func hcBool(b bool) *bool { return &b }
