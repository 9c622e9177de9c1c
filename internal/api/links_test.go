package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

var jsonURL = regexp.MustCompile(`"(?:[a-z]+://|//)[^"]*"`)

// TestAbsoluteURLsIgnoreForgedHost is the regression test for API URLs
// built from the Host and X-Forwarded-Proto headers of any client: "url"
// fields, next_page/previous_page, links.next and Location come from the
// public URL, a trusted proxy's X-Forwarded-Host, or the loopback host of a
// local client — otherwise they are relative.
func TestAbsoluteURLsIgnoreForgedHost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		proxy := netip.MustParsePrefix("10.0.0.0/8")
		var site struct {
			public  string
			proxies []netip.Prefix
		}
		a, h := newTestHandler(t, db, func(s *Server) {})
		for range 3 {
			if _, _, err := a.srv.Tickets.Create(desk.WithPrincipal(t.Context(), &desk.Principal{UserID: a.Agent.ID, Role: desk.RoleAgent}),
				ticket.Input{Subject: ptrTo("s"), Comment: &ticket.CommentInput{Body: "b"}}); err != nil {
				t.Fatal(err)
			}
		}
		call := func(method, path, remote, host string, hdr ...string) (int, string, http.Header) {
			t.Helper()
			a.srv.PublicURL = site.public
			a.srv.IPs = httpx.IPResolver{TrustedProxies: site.proxies}
			var body *strings.Reader
			if method == "POST" {
				body = strings.NewReader(`{"ticket":{"subject":"x","comment":{"body":"y"}}}`)
			} else {
				body = strings.NewReader("")
			}
			r := httptest.NewRequest(method, path, body)
			r.RemoteAddr, r.Host = remote, host
			if method == "POST" {
				r.Header.Set("Content-Type", "application/json")
			}
			r.SetBasicAuth(a.Agent.Email+"/token", a.Agent.Token)
			for i := 0; i+1 < len(hdr); i += 2 {
				r.Header.Set(hdr[i], hdr[i+1])
			}
			rr := httptest.NewRecorder()
			h.ServeHTTP(rr, r)
			if rr.Code >= 300 {
				t.Fatalf("%s %s: %d %s", method, path, rr.Code, rr.Body)
			}
			return rr.Code, rr.Body.String(), rr.Header()
		}
		forged := []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https", "X-Forwarded-For", "127.0.0.1"}
		paths := []string{"/api/v2/tickets.json?per_page=1&page=2", "/api/v2/tickets.json?page[size]=1", "/api/v2/users/me.json"}
		// urls returns every absolute URL in the answers (body and Location).
		urls := func(remote, host string, hdr ...string) []string {
			var out []string
			for _, p := range paths {
				_, body, _ := call("GET", p, remote, host, hdr...)
				for _, m := range jsonURL.FindAllString(body, -1) {
					var s string
					_ = json.Unmarshal([]byte(m), &s)
					out = append(out, s)
				}
				if !strings.Contains(body, `"url":"`) {
					t.Fatalf("GET %s has no url fields: %s", p, body)
				}
			}
			_, _, hd := call("POST", "/api/v2/tickets.json", remote, host, hdr...)
			if l := hd.Get("Location"); strings.Contains(l, "://") {
				out = append(out, l)
			} else if !strings.HasPrefix(l, "/api/v2/tickets/") {
				t.Fatalf("Location %q", l)
			}
			return out
		}
		bases := func(list []string) map[string]bool {
			m := map[string]bool{}
			for _, s := range list {
				u, err := url.Parse(s)
				if err != nil {
					t.Fatalf("bad URL %q", s)
				}
				m[u.Scheme+"://"+u.Host] = true
			}
			return m
		}

		// A remote client forging Host and X-Forwarded-*: relative URLs only.
		for _, host := range []string{"evil.example", "127.attacker.example", "127.0.0.1"} {
			if got := urls("203.0.113.9:4000", host, forged...); len(got) != 0 {
				t.Errorf("remote client, Host %q: absolute URLs %v", host, got)
			}
		}
		// A local client with a forged Host: relative too.
		if got := urls("127.0.0.1:4000", "127.attacker.example", forged...); len(got) != 0 {
			t.Errorf("local client, forged Host: %v", got)
		}
		// A local client on the loopback host: that host, plain HTTP.
		if got := bases(urls("127.0.0.1:4000", "127.0.0.1:8080", forged...)); len(got) != 1 || !got["http://127.0.0.1:8080"] {
			t.Errorf("local client: bases %v", got)
		}
		// A trusted proxy's forwarded host and scheme are believed.
		site.proxies = []netip.Prefix{proxy}
		if got := bases(urls("10.1.1.1:4000", "backend:8080", "X-Forwarded-Host", "help.example.com", "X-Forwarded-Proto", "https")); len(got) != 1 || !got["https://help.example.com"] {
			t.Errorf("trusted proxy: bases %v", got)
		}
		if got := urls("203.0.113.9:4000", "backend:8080", "X-Forwarded-Host", "help.example.com"); len(got) != 0 {
			t.Errorf("untrusted peer with trusted-proxy config: %v", got)
		}
		// The public URL wins over everything.
		site.public = "https://desk.example.com/sub"
		for _, remote := range []string{"203.0.113.9:4000", "127.0.0.1:4000", "10.1.1.1:4000"} {
			got := urls(remote, "evil.example", forged...)
			if len(got) == 0 {
				t.Fatalf("no absolute URLs with a public URL")
			}
			for _, s := range got {
				if !strings.HasPrefix(s, "https://desk.example.com/sub/api/v2/") {
					t.Errorf("from %s: URL %q is not under the public URL", remote, s)
				}
			}
		}
	})
}
