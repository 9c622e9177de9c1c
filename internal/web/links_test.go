package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/server"
)

// postAs posts a form with a chosen Host header and extra headers.
func (c *client) postAs(host, path string, form url.Values, hdr ...string) resp {
	c.t.Helper()
	if c.csrf == "" {
		c.get("/signin")
	}
	form.Set("csrf_token", c.csrf)
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	// The client's jar keys cookies by the Host header: send the site's
	// cookies by hand and keep the forged host's out of the jar.
	u, _ := url.Parse(c.base)
	for _, ck := range c.hc.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	hc := *c.hc
	hc.Jar = nil
	r, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{Status: r.StatusCode, Body: string(b), Header: r.Header, Location: r.Header.Get("Location")}
}

var absURL = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>]+`)

// emailedURLs lists every absolute URL in the outbox.
func (e *env) emailedURLs() []string {
	e.t.Helper()
	msgs, err := e.app.Outbox.Pending(e.sys, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, absURL.FindAllString(m.Text, -1)...)
		out = append(out, absURL.FindAllString(html.UnescapeString(m.HTML), -1)...)
	}
	return out
}

// urlBase is scheme://host of an absolute URL found in text.
func urlBase(s string) string {
	u, err := url.Parse(strings.TrimRight(s, ".,;:)"))
	if err != nil || u.User != nil {
		return "unparsable:" + s
	}
	return u.Scheme + "://" + u.Host
}

// forgedHosts are Host / X-Forwarded-Host values an attacker might send.
var forgedHosts = []string{"127.0.0.1@attacker.example", "127.0.0.1.attacker.example", "localhost.attacker.example",
	"attacker.example", "attacker.example:8080", "[::1].attacker.example", "127.attacker.example"}

// TestEmailLinksIgnoreForgedHost is the regression test for the reset-link
// poisoning: without a public URL, "Host: 127.attacker.example" was taken
// for loopback (it starts with "127.") and the owner's reset link pointed
// at the attacker. Now no email gets a link built from anything but the
// public URL or the loopback address the client actually used, and admins
// see why an email could not be sent.
func TestEmailLinksIgnoreForgedHost(t *testing.T) {
	e := newEnv(t, "", func(c *server.Config) { c.WebFormRateLimit = -1 })
	u, _ := url.Parse(e.base)
	_, port, _ := strings.Cut(u.Host, ":")
	c := e.client()
	c.get("/password/forgot")
	for i, h := range forgedHosts {
		for _, hdr := range [][]string{nil, {"X-Forwarded-Host", h, "X-Forwarded-Proto", "https", "X-Forwarded-For", "127.0.0.1"}} {
			r := c.postAs(h, "/password/forgot", url.Values{"email": {e.admin.Email}}, hdr...)
			if r.Status != http.StatusServiceUnavailable {
				t.Errorf("forgot with Host %q %v: %d, want 503", h, hdr, r.Status)
			}
			email := "new" + string(rune('a'+i)) + "@example.org"
			r = c.postAs(h, "/signup", url.Values{"name": {"New"}, "email": {email}, "password": {password}, "password_confirm": {password}}, hdr...)
			if r.Status != http.StatusServiceUnavailable {
				t.Errorf("sign-up with Host %q: %d, want 503", h, r.Status)
			}
		}
	}
	if urls := e.emailedURLs(); len(urls) != 0 {
		t.Fatalf("emails with links from forged hosts: %v", urls)
	}
	// The forged X-Forwarded-* headers do not help on the real host either:
	// the link is the loopback address the client used, over plain HTTP.
	c.postAs(u.Host, "/password/forgot", url.Values{"email": {e.admin.Email}}, "X-Forwarded-Host", "attacker.example", "X-Forwarded-Proto", "https")
	c.postAs("localhost:"+port, "/password/forgot", url.Values{"email": {e.agent.Email}})
	urls := e.emailedURLs()
	if len(urls) < 2 {
		t.Fatalf("local requests sent no links: %v", urls)
	}
	for _, l := range urls {
		if b := urlBase(l); b != e.base && b != "http://localhost:"+port {
			t.Errorf("emailed link %q is neither %s nor localhost", l, e.base)
		}
	}

	// Admins see why emails went out without links; others do not.
	adm := e.client()
	adm.signIn("/agent/signin", e.admin.Email)
	r := adm.get("/agent/admin/users")
	if !strings.Contains(r.Body, "127.attacker.example") || !strings.Contains(r.Body, "--public-url") {
		t.Errorf("the admin page does not say why links were refused")
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if r := ag.get("/agent"); strings.Contains(r.Body, "--public-url") {
		t.Errorf("an agent sees the admin notice")
	}
}

// TestEmailLinksUsePublicURL: with a public URL, whatever the request says,
// links use it.
func TestEmailLinksUsePublicURL(t *testing.T) {
	e := newEnv(t, "", func(c *server.Config) {
		c.PublicURL = "https://help.example.com/"
		c.WebFormRateLimit = -1
	})
	c := e.client()
	for _, h := range append(forgedHosts, strings.TrimPrefix(e.base, "http://")) {
		r := c.postAs(h, "/password/forgot", url.Values{"email": {e.admin.Email}}, "X-Forwarded-Host", "attacker.example")
		if r.Status != http.StatusSeeOther {
			t.Fatalf("forgot with Host %q: %d", h, r.Status)
		}
	}
	urls := e.emailedURLs()
	if len(urls) == 0 {
		t.Fatal("no links sent")
	}
	for _, l := range urls {
		if urlBase(l) != "https://help.example.com" {
			t.Errorf("emailed link %q is not on the public URL", l)
		}
	}
}

func TestBadPublicURLStopsTheServer(t *testing.T) {
	for _, bad := range []string{"help.example.com", "https://user@help.example.com", "https://help.example.com/?a=b"} {
		_, err := server.Open(context.Background(), server.Config{DataDir: t.TempDir(), PublicURL: bad}, nil)
		if err == nil || !strings.Contains(err.Error(), "public URL") {
			t.Errorf("PublicURL %q: err = %v", bad, err)
		}
	}
}
