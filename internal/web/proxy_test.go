package web_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"testing"

	"github.com/frontdesk/frontdesk/internal/server"
)

// TestTrustedProxiesDecideTheClientIP: behind a trusted proxy, per-IP limits
// apply to the client it forwards for; from anyone else X-Forwarded-For is
// ignored, so rotating it buys nothing.
func TestTrustedProxiesDecideTheClientIP(t *testing.T) {
	submit := func(c *client, xff string) int {
		return c.post("/requests/new", url.Values{"name": {"Pat"}, "email": {"pat@example.com"}, "subject": {"q"}, "description": {"q"}},
			"X-Forwarded-For", xff).Status
	}
	// The test client connects from 127.0.0.1.
	trusted := newEnv(t, "", func(c *server.Config) {
		c.WebFormRateLimit = 2
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	c := trusted.client()
	c.get("/")
	for i, want := range []int{http.StatusSeeOther, http.StatusSeeOther, http.StatusTooManyRequests} {
		if got := submit(c, "198.51.100.1, 203.0.113.1"); got != want {
			t.Fatalf("client A, submission %d: %d, want %d", i, got, want)
		}
	}
	if got := submit(c, "203.0.113.2"); got != http.StatusSeeOther {
		t.Fatalf("client B behind the same proxy: %d, want its own limit", got)
	}
	// Spoofing a left-hand entry does not change who the proxy saw.
	if got := submit(c, "203.0.113.99, 203.0.113.1"); got != http.StatusTooManyRequests {
		t.Fatalf("forged left-hand X-Forwarded-For escaped the limit: %d", got)
	}

	untrusted := newEnv(t, "", func(c *server.Config) { c.WebFormRateLimit = 2 })
	c = untrusted.client()
	c.get("/")
	for i, xff := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		want := http.StatusSeeOther
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if got := submit(c, xff); got != want {
			t.Fatalf("no trusted proxies, X-Forwarded-For %s: %d, want %d", xff, got, want)
		}
	}
}
