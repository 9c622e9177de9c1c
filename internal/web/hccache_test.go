package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/helpcenter"
)

// TestHCPageCache checks the signed-out page cache (hccache.go) on the
// embedded store: a second view is served from the cache, a write through
// the service invalidates it, each visitor gets their own CSRF token, the
// locales are separate entries, and what signed-in visitors see (their
// segments' articles) never reaches signed-out visitors.
func TestHCPageCache(t *testing.T) {
	e := newEnv(t, "")
	c := hcFixture(t, e)
	hc := e.app.HelpCenter
	// other writes to the same store without passing through the web
	// server's service: a stand-in for a write the cache cannot see, which
	// shows whether a page came from the cache.
	other := helpcenter.New(e.app.DB)
	enPath := fmt.Sprintf("/hc/en/articles/%d-how-to-reset-your-password", c.public.ID)
	plPath := fmt.Sprintf("/hc/pl/articles/%d-jak-zresetowac-haslo", c.public.ID)

	a1, a2 := e.client(), e.client()
	r1 := a1.get(enPath)
	if r1.Status != http.StatusOK || r1.Header.Get("ETag") == "" || r1.Header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("first view: %d, ETag %q, Cache-Control %q", r1.Status, r1.Header.Get("ETag"), r1.Header.Get("Cache-Control"))
	}
	if _, err := other.SaveTranslation(e.sys, helpcenter.KindArticle, c.public.ID, helpcenter.TranslationInput{Locale: "en",
		Title: ptr("How to reset your password"), Body: ptr("Unseen body.")}); err != nil {
		t.Fatal(err)
	}
	// Hit: the page from before that write, with the second visitor's token.
	r2 := a2.get(enPath)
	if r2.Status != http.StatusOK || strings.Contains(r2.Body, "Unseen body") || !strings.Contains(r2.Body, "Forgot password") {
		t.Fatalf("second view is not the cached page: %d %s", r2.Status, between(r2.Body, "<main", "</main>"))
	}
	if a1.csrf == "" || a2.csrf == "" || a1.csrf == a2.csrf || strings.Contains(r2.Body, a1.csrf) {
		t.Fatalf("visitors share a token: %q %q", a1.csrf, a2.csrf)
	}
	if strings.Count(r2.Body, `value="`+a2.csrf+`"`) < 2 { // language switcher and vote form
		t.Errorf("cached page lacks the visitor's token in its forms")
	}
	if r1.Header.Get("ETag") == r2.Header.Get("ETag") {
		t.Errorf("two visitors' pages share an ETag")
	}
	// The token from the cached page works: the vote goes through, and the
	// vote (a write) invalidates the page.
	if r := a2.post(enPath+"/vote", url.Values{"value": {"up"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("vote with the cached page's token: %d", r.Status)
	}
	if r := a1.get(enPath); !strings.Contains(r.Body, "Unseen body") {
		t.Errorf("a vote did not invalidate the cache: %s", between(r.Body, "<main", "</main>"))
	}
	// The voter's later views show their own vote and the way to withdraw
	// it (a page just for them), while other visitors still get the cached
	// page, which shows none.
	for range 2 {
		if r := a2.get(enPath); !strings.Contains(r.Body, `value="withdraw"`) {
			t.Errorf("the voter's page does not show their vote: %s", between(r.Body, "<main", "</main>"))
		}
	}
	if r := a1.get(enPath); strings.Contains(r.Body, `value="withdraw"`) {
		t.Errorf("another visitor's page shows a vote to withdraw")
	}
	// Conditional GET: the same visitor, the same page → 304.
	r3 := a1.get(enPath)
	if r := a1.get(enPath, "If-None-Match", r3.Header.Get("ETag")); r.Status != http.StatusNotModified || r.Body != "" {
		t.Errorf("If-None-Match: %d", r.Status)
	}
	if r := a2.get(enPath, "If-None-Match", r3.Header.Get("ETag")); r.Status != http.StatusOK {
		t.Errorf("another visitor's ETag: %d", r.Status)
	}
	// A flash for one visitor (?m=voted) is neither stored nor served to others.
	if r := a2.get(enPath + "?m=voted"); !strings.Contains(r.Body, "Thank you") {
		t.Errorf("vote thanks missing: %s", between(r.Body, "<main", "</main>"))
	}
	if r := a1.get(enPath); strings.Contains(r.Body, "Thank you") {
		t.Errorf("one visitor's flash reached another")
	}

	// Polish and English are separate entries: the Polish page is Polish
	// even though the English one is cached.
	if r := a1.get(plPath); !strings.Contains(r.Body, "<h1>Jak zresetować hasło</h1>") || !strings.Contains(r.Body, `lang="pl"`) {
		t.Errorf("Polish page: %s", between(r.Body, "<main", "</main>"))
	}
	if r := a1.get(enPath); !strings.Contains(r.Body, "<h1>How to reset your password</h1>") {
		t.Errorf("English page after the Polish one")
	}

	// An edit through the service reaches the next signed-out view of
	// every page it shows on (home, section, article).
	sectionPath := fmt.Sprintf("/hc/en/sections/%d-passwords", c.secID)
	for _, p := range []string{"/hc/en", sectionPath} {
		if r := a1.get(p); r.Status != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Status)
		}
	}
	if _, err := hc.SaveTranslation(e.sys, helpcenter.KindArticle, c.public.ID, helpcenter.TranslationInput{Locale: "en",
		Title: ptr("Resetting a password")}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/hc/en", sectionPath, fmt.Sprintf("/hc/en/articles/%d-resetting-a-password", c.public.ID)} {
		if r := a1.get(p); !strings.Contains(r.Body, "Resetting a password") {
			t.Errorf("%s after an edit: %d, no new title", p, r.Status)
		}
	}

	// Agents-only content: an agent sees it on the section page and the
	// article; signed-out visitors, before and after, never do.
	secret, err := hc.CreateArticle(e.sys, helpcenter.ArticleInput{SectionID: &c.secID, Locale: "en", Title: ptr("Internal escalation runbook"),
		Body: ptr("Agents only."), Visibility: ptr(helpcenter.VisAgents)})
	if err != nil {
		t.Fatal(err)
	}
	secretPath := fmt.Sprintf("/hc/en/articles/%d-internal-escalation-runbook", secret.ID)
	if r := a1.get(sectionPath); strings.Contains(r.Body, "Internal escalation") {
		t.Errorf("signed-out section page lists an agents-only article")
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	for _, p := range []string{sectionPath, secretPath} {
		if r := ag.get(p); r.Status != http.StatusOK || !strings.Contains(r.Body, "Internal escalation runbook") {
			t.Errorf("agent on %s: %d", p, r.Status)
		}
		if r := ag.get(p); r.Header.Get("ETag") != "" {
			t.Errorf("a signed-in page came with a cache ETag: %s", p)
		}
	}
	for _, cl := range []*client{a1, e.client()} {
		if r := cl.get(sectionPath); strings.Contains(r.Body, "Internal escalation") || strings.Contains(r.Body, "Alan Agent") {
			t.Errorf("the agent's section page reached a signed-out visitor")
		}
		if r := cl.get(secretPath); r.Status != http.StatusNotFound || strings.Contains(r.Body, "Internal escalation") {
			t.Errorf("agents-only article for a signed-out visitor: %d", r.Status)
		}
	}
	// An article made restricted after its page was cached is gone at once.
	if r := a1.get(plPath); r.Status != http.StatusOK {
		t.Fatalf("Polish page: %d", r.Status)
	}
	if _, err := hc.UpdateArticle(e.sys, c.public.ID, helpcenter.ArticleInput{Visibility: ptr(helpcenter.VisAgents)}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{plPath, "/hc/pl"} {
		if r := a1.get(p); strings.Contains(r.Body, "Jak zresetować hasło") {
			t.Errorf("%s still shows an article made agents-only: %d", p, r.Status)
		}
	}
}

// TestHCPageCacheOffOnPostgres: with PostgreSQL other instances write, so
// the cache is off and a write this process did not make shows at once.
func TestHCPageCacheOffOnPostgres(t *testing.T) {
	u, ok := stores(t)["postgres"]
	if !ok {
		t.Skip("FRONTDESK_TEST_DATABASE_URL not set")
	}
	e := newEnv(t, u)
	c := hcFixture(t, e)
	path := fmt.Sprintf("/hc/en/articles/%d-how-to-reset-your-password", c.public.ID)
	anon := e.client()
	if r := anon.get(path); r.Status != http.StatusOK || r.Header.Get("ETag") != "" {
		t.Fatalf("first view: %d, ETag %q", r.Status, r.Header.Get("ETag"))
	}
	other := helpcenter.New(e.app.DB) // as if another instance
	if _, err := other.SaveTranslation(e.sys, helpcenter.KindArticle, c.public.ID, helpcenter.TranslationInput{Locale: "en",
		Title: ptr("How to reset your password"), Body: ptr("Written elsewhere.")}); err != nil {
		t.Fatal(err)
	}
	if r := anon.get(path); !strings.Contains(r.Body, "Written elsewhere") {
		t.Errorf("another instance's write is not shown")
	}
}
