package web_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
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

			en := b.tab("english visitor")
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
		})
	}
}
