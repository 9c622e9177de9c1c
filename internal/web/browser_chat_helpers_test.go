package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/frontdesk/frontdesk/internal/chat"
)

// shopSite is the widget tests' host site: an origin other than the help
// desk at deskURL, whose page (in Polish with ?lang=pl, else English)
// embeds the widget with the key *key — set once the key exists, since
// the key names the site's origin.
func shopSite(t *testing.T, deskURL string, key *string) *httptest.Server {
	t.Helper()
	site := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		lang := "en"
		if r.URL.Query().Get("lang") == "pl" {
			lang = "pl"
		}
		fmt.Fprintf(rw, `<!DOCTYPE html><html lang="%s"><head><title>Shop</title></head><body><main><h1>Shop</h1><p>Our products.</p></main>
<script src="%s/widget.js" data-key="%s" async></script></body></html>`, lang, deskURL, *key)
	}))
	t.Cleanup(site.Close)
	return site
}

// shopKey makes the widget key "Shop" for site's origin, with in's other
// settings; without a group it routes to e's support group.
func (e *env) shopKey(site *httptest.Server, in chat.KeyInput) string {
	e.t.Helper()
	name, origins := "Shop", []string{site.URL}
	in.Name, in.Origins = &name, &origins
	if in.GroupID == nil {
		in.GroupID = &e.group.ID
	}
	k, err := e.app.Chat.CreateKey(e.sys, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return k.PublicKey
}

// openWidget opens url, then the widget's panel, and waits for its form.
func (tb *tab) openWidget(url string) {
	tb.b.t.Helper()
	tb.open(url)
	tb.waitJS(w(`return !!R.querySelector(".l");`), "the launcher")
	tb.eval(w(`R.querySelector(".l").click(); return "";`))
	tb.waitJS(w(`return !!R.querySelector("#fdc-email");`), "the pre-chat form")
}

// submitForm fills in the widget form's name, email and question and
// sends it.
func (tb *tab) submitForm(name, email, question string) {
	tb.b.t.Helper()
	tb.eval(w(fmt.Sprintf(`R.querySelector("#fdc-name").value = %q; R.querySelector("#fdc-email").value = %q;
		R.querySelector("#fdc-question").value = %q; R.querySelector("form.f button").click(); return "";`, name, email, question)))
}

// acceptQueued has e's agent accept the one chat in their queue and
// returns its id.
func (e *env) acceptQueued() int64 {
	e.t.Helper()
	c, err := e.app.Chat.Console(as(e.agent))
	if err != nil || len(c.Queue) != 1 {
		e.t.Fatalf("queue: %+v %v", c, err)
	}
	conv := c.Queue[0].ID
	if err := e.app.Chat.Accept(as(e.agent), conv); err != nil {
		e.t.Fatal(err)
	}
	return conv
}
