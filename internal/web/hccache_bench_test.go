package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// BenchmarkHCPages serves the help center's home and an article page
// through the whole stack (HTTP over loopback, sessions, CSRF, locale,
// the page cache, templates) on the embedded store, with a knowledge base
// of 6 categories, 24 sections and 480 articles in English and Polish.
// Each request is timed; the median and p99 are reported. The variants:
//
//   - anon: a signed-out visitor (served from the page cache after the
//     first view);
//   - anon-render: the same page with a query the handler ignores, which
//     the cache never stores: every request renders (what every view cost
//     before the cache);
//   - signed-in: a customer, whose pages always render.
func BenchmarkHCPages(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: b.TempDir(), ShutdownGrace: 5 * time.Second}
	storetest.SeedSQLite(b, cfg.DataDir)
	app, err := server.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, func(a string) { addrc <- a }) }()
	base := "http://" + <-addrc
	defer func() { cancel(); <-done }()

	sys := desk.SystemContext(context.Background())
	hc := app.HelpCenter
	body := strings.Repeat("Some explanation of the step, with a [link](https://example.com) and **bold** words.\n\n", 12)
	var article helpcenter.Article
	for c := range 6 {
		cat, err := hc.CreateCategory(sys, helpcenter.GroupInput{Locale: "en", Name: ptr(fmt.Sprintf("Category %d", c))})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := hc.SaveTranslation(sys, helpcenter.KindCategory, cat.ID, helpcenter.TranslationInput{Locale: "pl", Title: ptr(fmt.Sprintf("Kategoria %d", c))}); err != nil {
			b.Fatal(err)
		}
		for s := range 4 {
			sec, err := hc.CreateSection(sys, helpcenter.GroupInput{Locale: "en", Name: ptr(fmt.Sprintf("Section %d.%d", c, s)), CategoryID: &cat.ID})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := hc.SaveTranslation(sys, helpcenter.KindSection, sec.ID, helpcenter.TranslationInput{Locale: "pl", Title: ptr(fmt.Sprintf("Dział %d.%d", c, s))}); err != nil {
				b.Fatal(err)
			}
			for a := range 20 {
				art, err := hc.CreateArticle(sys, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: ptr(fmt.Sprintf("How to do thing %d.%d.%d", c, s, a)),
					Body: ptr("## Before you start\n\n" + body + "## Steps\n\n" + body + "### On the phone\n\n" + body), Promoted: ptr(a == 0 && s == 0)})
				if err == nil {
					_, err = hc.SaveTranslation(sys, helpcenter.KindArticle, art.ID, helpcenter.TranslationInput{Locale: "pl", Title: ptr(fmt.Sprintf("Jak zrobić rzecz %d.%d.%d", c, s, a)),
						Body: ptr("## Zanim zaczniesz\n\n" + body + "## Kroki\n\n" + body)})
				}
				if err != nil {
					b.Fatal(err)
				}
				article = art
			}
		}
	}
	name, email, role, pw := "Carol Customer", "carol@example.org", desk.RoleEndUser, password
	if _, err := app.People.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role, Password: &pw}); err != nil {
		b.Fatal(err)
	}
	articlePath := fmt.Sprintf("/hc/en/articles/%d-how-to-do-thing-5-3-19", article.ID)
	newClient := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	signedIn := newClient()
	res, err := signedIn.Get(base + "/signin")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfMeta.FindSubmatch(page)
	if m == nil {
		b.Fatal("no CSRF token on /signin")
	}
	res, err = signedIn.PostForm(base+"/signin", url.Values{"email": {email}, "password": {pw}, "csrf_token": {string(m[1])}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign-in: %d", res.StatusCode)
	}

	for _, v := range []struct {
		name string
		cl   *http.Client
		path string
	}{
		{"home/anon", newClient(), "/hc/en"},
		{"home/anon-render", newClient(), "/hc/en?render=1"},
		{"home/signed-in", signedIn, "/hc/en"},
		{"article/anon", newClient(), articlePath},
		{"article/anon-render", newClient(), articlePath + "?render=1"},
		{"article/signed-in", signedIn, articlePath},
	} {
		b.Run(v.name, func(b *testing.B) {
			get := func() {
				res, err := v.cl.Get(base + v.path)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || n < 1000 {
					b.Fatalf("%s: %d, %d bytes", v.path, res.StatusCode, n)
				}
			}
			get() // the first view fills the cache (and the visitor's cookie)
			var durs []time.Duration
			for b.Loop() {
				start := time.Now()
				get()
				durs = append(durs, time.Since(start))
			}
			slices.Sort(durs)
			b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
