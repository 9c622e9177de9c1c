package web_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/people"
)

// TestBrowserCommunityTopics: an admin manages topics from the keyboard —
// creates two, moves the second above the first, is refused deleting one
// that has a post (the reason shown), then deletes it moving the post —
// and saves the posting limits; then the page in Polish. Every page
// passes the accessibility check and no script runs. Runs on every store.
func TestBrowserCommunityTopics(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			navigating := func(what string, steps ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				ad.eval(`String(window.__before = true)`)
				ad.do(steps...)
				ad.waitJS(`!window.__before && document.readyState === "complete"`, what)
			}
			// press focuses a control and presses Enter, as a keyboard user.
			press := func(what, css string) {
				t.Helper()
				navigating(what, chromedp.Focus(chromedp.CSS(css)), chromedp.KeyEvent(kb.Enter))
			}
			order := func() string {
				return ad.eval(`Array.from(document.querySelectorAll('#topic-list > li')).map(l => l.querySelector('h2').textContent).join(',')`)
			}
			ad.open(e.base + "/agent/community/moderation")
			ad.waitJS(`document.querySelector('#manage-topics') !== null`, "the link to topics")
			press("the topics page", "#manage-topics")
			ad.accessible("the empty topics page")
			for _, name := range []string{"Billing <b>&", "Other"} {
				ad.do(chromedp.SetValue(chromedp.CSS(`#topic-new-name`), name), chromedp.SetValue(chromedp.CSS(`#topic-new-name-pl`), name+" PL"))
				press("create "+name, `#topic-new button[type=submit]`)
			}
			if got := order(); got != "Billing <b>&,Other" {
				t.Fatalf("order after creating: %q", got)
			}
			ad.accessible("the topics page")
			ts, err := e.app.Community.Topics(e.sys, "")
			if err != nil || len(ts) != 2 || ts[0].Translations["pl"].Name != "Billing <b>& PL" {
				t.Fatalf("stored topics %+v %v", ts, err)
			}
			billing, other := ts[0].ID, ts[1].ID
			press("the move", fmt.Sprintf(`#topic-%d button[data-move=up]`, other))
			if got := order(); got != "Other,Billing <b>&" {
				t.Fatalf("order after moving: %q", got)
			}
			if ad.eval(fmt.Sprintf(`String(document.querySelector('#topic-%d button[data-move=up]').disabled)`, other)) != "true" {
				t.Fatal("the first topic can still move up")
			}
			if _, err := e.app.Community.CreatePost(userCtx(e.admin), community.PostInput{Title: ptr("Invoice"), Text: ptr("x"), TopicID: &billing}); err != nil {
				t.Fatal(err)
			}
			press("the refused delete", fmt.Sprintf(`#topic-%d button[data-delete]`, billing))
			ad.waitText("move them to another topic")
			ad.accessible("the refused delete")
			ad.do(chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`#topic-%d-move`, billing)), fmt.Sprint(other)))
			press("the delete", fmt.Sprintf(`#topic-%d button[data-delete]`, billing))
			ad.waitText("Topic deleted.")
			if got := order(); got != "Other" {
				t.Fatalf("order after deleting: %q", got)
			}
			posts, _, err := e.app.Community.Posts(e.sys, community.PostFilter{TopicID: other})
			if err != nil || len(posts) != 1 {
				t.Fatalf("moved posts %v %v", posts, err)
			}
			ad.do(chromedp.SetValue(chromedp.CSS(`#limit-comments_per_ip`), "42"))
			press("the limits", `#limits-form button[type=submit]`)
			ad.waitText("Posting limits saved.")
			if v := ad.eval(`document.querySelector('#limit-comments_per_ip').value`); v != "42" {
				t.Fatalf("saved limit shows %q", v)
			}
			ad.noScriptRan("the topics page")
			pl := "pl"
			if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: &pl}); err != nil {
				t.Fatal(err)
			}
			ad.open(e.base + "/agent/community/topics")
			ad.waitText("Zarządzanie tematami")
			ad.waitText("Limity publikowania")
			ad.accessible("the topics page in Polish")
		})
	}
}
