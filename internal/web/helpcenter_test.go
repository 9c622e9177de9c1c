package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/helpcenter"
)

// hcContent is a small knowledge base: a public article in English and
// Polish, an article for signed-in users only and one with hostile HTML.
type hcContent struct {
	catID, secID              int64
	public, signedIn, hostile helpcenter.Article
	pages                     []string // every public page, for the language test
}

func hcFixture(t *testing.T, e *env) hcContent {
	t.Helper()
	hc := e.app.HelpCenter
	var c hcContent
	cat, err := hc.CreateCategory(e.sys, helpcenter.GroupInput{Locale: "en", Name: ptr("Accounts"), Description: ptr("Signing in")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.SaveTranslation(e.sys, helpcenter.KindCategory, cat.ID, helpcenter.TranslationInput{Locale: "pl", Title: ptr("Konta")}); err != nil {
		t.Fatal(err)
	}
	sec, err := hc.CreateSection(e.sys, helpcenter.GroupInput{Locale: "en", Name: ptr("Passwords"), CategoryID: &cat.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.SaveTranslation(e.sys, helpcenter.KindSection, sec.ID, helpcenter.TranslationInput{Locale: "pl", Title: ptr("Hasła")}); err != nil {
		t.Fatal(err)
	}
	c.catID, c.secID = cat.ID, sec.ID
	long := "Intro.\n\n## Before you start\n\nText.\n\n## Reset\n\nClick *Forgot password*.\n\n### On the phone\n\nSame.\n"
	c.public, err = hc.CreateArticle(e.sys, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: ptr("How to reset your password"),
		Body: ptr(long), Promoted: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.SaveTranslation(e.sys, helpcenter.KindArticle, c.public.ID, helpcenter.TranslationInput{Locale: "pl",
		Title: ptr("Jak zresetować hasło"), Body: ptr("Wstęp.\n\n## Zanim zaczniesz\n\nTekst.\n\n## Reset\n\nKliknij *Nie pamiętam hasła*.\n\n### Na telefonie\n\nTak samo.\n")}); err != nil {
		t.Fatal(err)
	}
	c.signedIn, err = hc.CreateArticle(e.sys, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: ptr("Customer-only password policy"),
		Body: ptr("Members see this."), Visibility: ptr(helpcenter.VisSignedIn)})
	if err != nil {
		t.Fatal(err)
	}
	c.hostile, err = hc.CreateArticle(e.sys, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: ptr(`<img src=x onerror=alert(1)> password "quoted"`),
		Body: ptr("<script>alert(2)</script><a href=\"javascript:alert(3)\">x</a><img src=x onerror=alert(4)> password")})
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"en", "pl"} {
		c.pages = append(c.pages, "/hc/"+loc, "/hc/"+loc+"/search?query=haslo", "/hc/"+loc+"/search?query=password", "/hc/"+loc+"/search?query=",
			fmt.Sprintf("/hc/%s/categories/%d", loc, cat.ID), fmt.Sprintf("/hc/%s/sections/%d", loc, sec.ID),
			fmt.Sprintf("/hc/%s/articles/%d", loc, c.public.ID), fmt.Sprintf("/hc/%s/articles/%d", loc, c.hostile.ID))
	}
	return c
}

// follow GETs path, following redirects within the site.
func follow(c *client, path string, hdr ...string) resp {
	c.t.Helper()
	for range 5 {
		r := c.get(path, hdr...)
		if r.Status < 300 || r.Status >= 400 {
			return r
		}
		path = r.Location
	}
	c.t.Fatalf("too many redirects at %s", path)
	return resp{}
}

func TestHelpCenterPages(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) { testHelpCenterPages(t, dbURL) })
	}
}

func testHelpCenterPages(t *testing.T, dbURL string) {
	e := newEnv(t, dbURL)
	c := hcFixture(t, e)
	anon := e.client()

	// /hc goes to the visitor's language.
	if r := anon.get("/hc", "Accept-Language", "pl-PL,pl;q=0.9"); r.Status != http.StatusFound || r.Location != "/hc/pl" {
		t.Errorf("/hc for a Polish browser: %d %q", r.Status, r.Location)
	}
	if r := anon.get("/hc", "Accept-Language", "en"); r.Location != "/hc/en" {
		t.Errorf("/hc for an English browser: %q", r.Location)
	}
	// Locales and ids in URLs are validated.
	for _, p := range []string{"/hc/xx", "/hc/..%2f..%2fetc", "/hc/pl/articles/abc", "/hc/pl/articles/-1", "/hc/pl/articles/99999",
		"/hc/pl/categories/0", fmt.Sprintf("/hc/de/articles/%d", c.public.ID)} {
		if r := anon.get(p); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d", p, r.Status)
		}
	}
	// A bare id or a wrong slug redirects to the canonical address.
	r := anon.get(fmt.Sprintf("/hc/pl/articles/%d-old-title", c.public.ID))
	wantPL := fmt.Sprintf("/hc/pl/articles/%d-jak-zresetowac-haslo", c.public.ID)
	if r.Status != http.StatusMovedPermanently || r.Location != wantPL {
		t.Errorf("slug redirect: %d %q", r.Status, r.Location)
	}
	// The Polish page: Polish text, breadcrumbs, a table of contents, canonical and hreflang links.
	r = anon.get(wantPL)
	wantEN := fmt.Sprintf("/hc/en/articles/%d-how-to-reset-your-password", c.public.ID)
	for _, want := range []string{`lang="pl"`, "<h1>Jak zresetować hasło</h1>", `<link rel="canonical" href="` + wantPL + `">`,
		`hreflang="en" href="` + wantEN + `"`, `hreflang="pl" href="` + wantPL + `"`, `aria-label="Ścieżka nawigacji"`, ">Konta</a>", ">Hasła</a>",
		`href="#zanim-zaczniesz"`, "Spis treści", "Czy ten artykuł był pomocny?"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("Polish article lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "noindex") {
		t.Errorf("a public article is noindex")
	}
	// The English visitor gets the English translation of the same article.
	r = anon.get(wantEN)
	if !strings.Contains(r.Body, "<h1>How to reset your password</h1>") || !strings.Contains(r.Body, `lang="en"`) {
		t.Errorf("English article: %d", r.Status)
	}
	// Hostile HTML in a title and a body renders harmless.
	r = follow(anon, fmt.Sprintf("/hc/en/articles/%d", c.hostile.ID))
	if r.Status != 200 {
		t.Fatalf("hostile article: %d", r.Status)
	}
	for _, bad := range []string{"<script>alert", "<img src=x onerror", `href="javascript:`, "onerror=alert(4)"} {
		if strings.Contains(r.Body, bad) {
			t.Errorf("hostile article renders %q", bad)
		}
	}
	// Restricted: not found anonymously, noindex for the signed-in reader.
	restricted := fmt.Sprintf("/hc/en/articles/%d", c.signedIn.ID)
	if r := follow(anon, restricted); r.Status != http.StatusNotFound || strings.Contains(r.Body, "Customer-only") {
		t.Errorf("restricted article for anonymous: %d", r.Status)
	}
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	if r := follow(cu, restricted); r.Status != 200 || !strings.Contains(r.Body, `<meta name="robots" content="noindex">`) {
		t.Errorf("restricted article for a customer: %d, noindex %v", r.Status, strings.Contains(r.Body, "noindex"))
	}
	// Search: folded, in the visitor's language, restricted articles never counted.
	r = anon.get("/hc/pl/search?query=haslo")
	if !strings.Contains(r.Body, "1 wynik") || !strings.Contains(r.Body, wantPL) || !strings.Contains(r.Body, "<em>hasło</em>") {
		t.Errorf("Polish search: %s", between(r.Body, "<main", "</main>"))
	}
	r = anon.get("/hc/en/search?query=password")
	if strings.Contains(r.Body, "Customer-only") || !strings.Contains(r.Body, "2 results") {
		t.Errorf("anonymous English search: %s", between(r.Body, "<main", "</main>"))
	}
	if r := cu.get("/hc/en/search?query=password"); !strings.Contains(r.Body, "3 results") {
		t.Errorf("customer search: %s", between(r.Body, "<main", "</main>"))
	}
	if r := anon.get("/hc/en/search?query=" + url.QueryEscape(`"><script>alert(1)</script>`)); strings.Contains(r.Body, "<script>alert(1)") || r.Status != 200 {
		t.Errorf("hostile query echoed: %d", r.Status)
	}
	// Suggestions obey visibility too.
	if r := anon.get("/hc/en/suggestions.json?query=customer"); !strings.Contains(r.Body, `"results":[]`) {
		t.Errorf("suggestion leaked: %s", r.Body)
	}
	if r := cu.get("/hc/en/suggestions.json?query=customer"); !strings.Contains(r.Body, "Customer-only") {
		t.Errorf("customer suggestion: %s", r.Body)
	}
	// Sitemap: public articles only.
	r = anon.get("/hc/sitemap.xml")
	if !strings.Contains(r.Body, wantPL) || !strings.Contains(r.Body, wantEN) || strings.Contains(r.Body, fmt.Sprintf("/articles/%d", c.signedIn.ID)) {
		t.Errorf("sitemap: %s", r.Body)
	}
	// One vote per visitor: voting twice leaves one vote.
	for range 2 {
		if r := anon.post(wantPL+"/vote", url.Values{"value": {"up"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("vote: %d %s", r.Status, between(r.Body, "<main", "</main>"))
		}
	}
	a, err := e.app.HelpCenter.Article(e.sys, c.public.ID, "pl")
	if err != nil || a.VoteCount != 1 || a.VoteSum != 1 {
		t.Errorf("votes after two from one visitor: %d/%d %v", a.VoteSum, a.VoteCount, err)
	}
	if r := anon.post(wantPL+"/vote", url.Values{"value": {"up"}, "csrf_token": {"forged"}}); r.Status != http.StatusForbidden {
		t.Errorf("vote without CSRF token: %d", r.Status)
	}
	// The visitor sees their vote, changes it, and withdraws it.
	if r := anon.get(wantPL); !strings.Contains(r.Body, "Ten artykuł był dla Ciebie pomocny.") || !strings.Contains(r.Body, `value="up" aria-pressed="true"`) ||
		!strings.Contains(r.Body, `value="withdraw"`) {
		t.Errorf("own vote not shown: %s", between(r.Body, "", ""))
	}
	if r := e.client().get(wantPL); strings.Contains(r.Body, `value="withdraw"`) || strings.Contains(r.Body, `aria-pressed="true"`) {
		t.Errorf("another visitor sees a vote as theirs")
	}
	anon.post(wantPL+"/vote", url.Values{"value": {"down"}})
	if a, _ := e.app.HelpCenter.Article(e.sys, c.public.ID, "pl"); a.VoteCount != 1 || a.VoteSum != -1 {
		t.Errorf("changed vote: %d/%d", a.VoteSum, a.VoteCount)
	}
	if r := anon.post(wantPL+"/vote", url.Values{"value": {"withdraw"}}); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "m=unvoted") {
		t.Errorf("withdraw: %d %q", r.Status, r.Location)
	}
	if r := anon.get(wantPL + "?m=unvoted"); !strings.Contains(r.Body, "Twój głos został wycofany.") || strings.Contains(r.Body, `value="withdraw"`) {
		t.Errorf("after withdrawal: %s", between(r.Body, "", ""))
	}
	if a, _ := e.app.HelpCenter.Article(e.sys, c.public.ID, "pl"); a.VoteCount != 0 {
		t.Errorf("votes after withdrawal: %d", a.VoteCount)
	}
	if r := anon.post(wantPL+"/vote", url.Values{"value": {"<script>"}}); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
		t.Errorf("bad vote value: %d", r.Status)
	}
	// Zendesk-style regional locales redirect to the catalogue locale;
	// other forms stay a 404.
	for in, want := range map[string]string{
		fmt.Sprintf("/hc/pl-pl/articles/%d-jak-zresetowac-haslo", c.public.ID): wantPL,
		fmt.Sprintf("/hc/en-US/articles/%d?x=1", c.public.ID):                  fmt.Sprintf("/hc/en/articles/%d?x=1", c.public.ID),
		"/hc/pl-pl":                    "/hc/pl",
		"/hc/en-gb/search?query=haslo": "/hc/en/search?query=haslo",
	} {
		if r := anon.get(in); r.Status != http.StatusMovedPermanently || r.Location != want {
			t.Errorf("%s: %d %q, want %q", in, r.Status, r.Location, want)
		}
	}
	if r := follow(anon, fmt.Sprintf("/hc/pl-pl/articles/%d", c.public.ID)); !strings.Contains(r.Body, `<link rel="canonical" href="`+wantPL+`">`) {
		t.Errorf("canonical after a regional address: %s", between(r.Body, "", ""))
	}
	for _, p := range []string{"/hc/pl-..", "/hc/pl-pl-pl", "/hc/de-de", "/hc/p/articles/1", "/hc/pl%2F..%2Fen", "/hc/pl-%C5%82%C5%82"} {
		if r := anon.get(p); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, r.Status)
		}
	}
	// The home page lists categories and promoted articles.
	r = anon.get("/hc/en")
	if !strings.Contains(r.Body, ">Accounts</a>") || !strings.Contains(r.Body, "How to reset your password") || !strings.Contains(r.Body, `hreflang="pl"`) {
		t.Errorf("home: %s", between(r.Body, "<main", "</main>"))
	}
}

var mainRE = regexp.MustCompile(`(?s)<main.*</main>`)

func between(s, a, b string) string {
	if m := mainRE.FindString(s); m != "" {
		return m
	}
	return s
}

func TestHCLanguageSwitch(t *testing.T) {
	e := newEnv(t, "")
	c := hcFixture(t, e)
	anon := e.client()
	path := fmt.Sprintf("/hc/en/articles/%d-how-to-reset-your-password", c.public.ID)
	anon.get(path)
	r := anon.post("/locale", url.Values{"locale": {"pl"}, "return": {path}})
	if want := fmt.Sprintf("/hc/pl/articles/%d-how-to-reset-your-password", c.public.ID); r.Status != http.StatusSeeOther || r.Location != want {
		t.Errorf("switch on an article: %d %q, want %q", r.Status, r.Location, want)
	}
	for in, want := range map[string]string{"/hc/en": "/hc/pl", "/hc/en/search?query=x": "/hc/pl/search?query=x", "/hc/en?x=1": "/hc/pl?x=1",
		"/hc/sitemap.xml": "/hc/sitemap.xml", "/requests": "/requests"} {
		anon.get("/hc/en")
		if r := anon.post("/locale", url.Values{"locale": {"pl"}, "return": {in}}); r.Location != want {
			t.Errorf("switch from %s: %q, want %q", in, r.Location, want)
		}
	}
}
