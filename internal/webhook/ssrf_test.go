package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/frontdesk/frontdesk/internal/webhook"
)

func TestIsPublic(t *testing.T) {
	for _, c := range []struct {
		ip   string
		want bool
	}{
		{"93.184.216.34", true}, {"8.8.8.8", true}, {"2606:4700:4700::1111", true}, {"1.1.1.1", true},
		{"127.0.0.1", false}, {"127.255.255.254", false}, {"10.1.2.3", false}, {"172.16.0.1", false}, {"172.31.255.255", false},
		{"192.168.1.1", false}, {"169.254.169.254", false}, {"100.64.0.1", false}, {"100.127.255.255", false},
		{"0.0.0.0", false}, {"0.1.2.3", false}, {"224.0.0.1", false}, {"255.255.255.255", false}, {"240.0.0.1", false},
		{"192.0.2.1", false}, {"198.18.0.1", false}, {"198.51.100.7", false}, {"203.0.113.9", false}, {"192.0.0.8", false},
		{"::1", false}, {"::", false}, {"fe80::1", false}, {"fc00::1", false}, {"fd12:3456::1", false}, {"ff02::1", false},
		{"::ffff:127.0.0.1", false}, {"::ffff:169.254.169.254", false}, {"::ffff:10.0.0.1", false}, {"::ffff:8.8.8.8", true},
		{"::127.0.0.1", false}, {"64:ff9b::7f00:1", false}, {"2002:7f00:1::", false}, {"2001:db8::1", false},
		{"2001::1", false}, {"fec0::1", false}, {"100::1", false},
	} {
		if got := webhook.IsPublic(netip.MustParseAddr(c.ip)); got != c.want {
			t.Errorf("IsPublic(%s) = %v, want %v", c.ip, got, c.want)
		}
	}
	if webhook.IsPublic(netip.MustParseAddr("fe80::1%eth0")) || webhook.IsPublic(netip.Addr{}) {
		t.Error("zoned or invalid address judged public")
	}
}

func TestValidateEndpoint(t *testing.T) {
	ok := []string{
		"https://example.com/hook", "http://example.com:8080/a?b=c", "https://93.184.216.34/x", "https://[2606:4700:4700::1111]/x",
		"https://sub_domain.example.com./p",
	}
	for _, u := range ok {
		if _, err := webhook.ValidateEndpoint(u, false); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	bad := []string{
		"", "example.com/hook", "ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)",
		"https://user:pass@example.com/", "https://example.com/#frag", "http://", "https:///path", "http://exa mple.com/",
		"https://example.com:0/", "https://example.com:99999/", "https://example.com:/", "https://exa\\mple.com/",
		// Literal private addresses in many spellings.
		"http://127.0.0.1/", "http://127.1/", "http://2130706433/", "http://0x7f000001/", "http://0x7f.0.0.1/",
		"http://0177.0.0.1/", "http://017700000001/", "http://0/", "http://0.0.0.0/", "http://10.0.0.1/",
		"http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
		"http://[fe80::1]/", "http://[fe80::1%25eth0]/", "http://[fc00::1]/", "http://[::]/", "http://[0:0:0:0:0:0:0:1]/",
		"http://100.64.0.1/", "http://localhost/", "http://LOCALHOST:8080/", "http://api.localhost/", "http://[::127.0.0.1]/",
		"http://[64:ff9b::a9fe:a9fe]/", "http://[not-an-ip]/", "https://" + strings.Repeat("a", 2100) + ".com/",
		"https://-bad-.example.com/", "https://exa%41mple.com/",
	}
	for _, u := range bad {
		if _, err := webhook.ValidateEndpoint(u, false); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	// Allowing private addresses admits them, but never other schemes or
	// non-canonical numeric hosts.
	if _, err := webhook.ValidateEndpoint("http://127.0.0.1:9/", true); err != nil {
		t.Errorf("private allowed, still refused: %v", err)
	}
	for _, u := range []string{"http://2130706433/", "ftp://127.0.0.1/", "http://u:p@127.0.0.1/"} {
		if _, err := webhook.ValidateEndpoint(u, true); err == nil {
			t.Errorf("%q accepted with private allowed", u)
		}
	}
}

// mapResolver answers from a fixed table, like a DNS server an attacker
// controls would.
type mapResolver map[string][]string

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ips, ok := m[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range ips {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestDialerRefusesNamesResolvingToPrivateAddresses(t *testing.T) {
	srv, hits := countingServer(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	res := mapResolver{
		"evil.test":     {"127.0.0.1"},
		"metadata.test": {"169.254.169.254"},
		"mapped.test":   {"::ffff:127.0.0.1"},
		"six.test":      {"::1"},
		"mixed.test":    {"93.184.216.34", "127.0.0.1"},
		"cgnat.test":    {"100.64.1.1"},
	}
	d := &webhook.Dialer{Resolver: res, AllowPrivate: func(context.Context) bool { return false }}
	c := d.Client(5e9)
	for host := range res {
		u := "http://" + net.JoinHostPort(host, port) + "/"
		if _, err := webhook.ValidateEndpoint(u, false); err != nil {
			t.Fatalf("%s refused before dialling, so the dial check is untested: %v", u, err)
		}
		_, err := c.Get(u)
		if !errors.Is(err, webhook.ErrRefused) {
			t.Errorf("%s: err %v, want a refusal", host, err)
		}
	}
	// Literal addresses are checked at dial time too (a stored endpoint
	// from before the setting was turned off).
	for _, u := range []string{srv.URL, "http://[::1]:" + port + "/", "http://169.254.169.254/"} {
		if _, err := c.Get(u); !errors.Is(err, webhook.ErrRefused) {
			t.Errorf("%s: err %v, want a refusal", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the private server got %d requests", hits.Load())
	}
	// The admin setting lets the same names through.
	allow := &webhook.Dialer{Resolver: res, AllowPrivate: func(context.Context) bool { return true }}
	resp, err := allow.Client(5e9).Get("http://" + net.JoinHostPort("evil.test", port) + "/")
	if err != nil {
		t.Fatalf("allowed private dial: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("hits %d after an allowed request", hits.Load())
	}
}

func TestRedirectsToPrivateAddressesAreRefused(t *testing.T) {
	target, hits := countingServer(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(target.URL, "http://"))
	var next atomic.Value
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, next.Load().(string), http.StatusFound)
	}))
	defer front.Close()
	frontAddr := netip.MustParseAddrPort(strings.TrimPrefix(front.URL, "http://")).Addr()
	d := &webhook.Dialer{Resolver: mapResolver{"metadata.test": {"169.254.169.254"}, "loop.test": {"127.0.0.2"}},
		AllowPrivate: func(context.Context) bool { return false }}
	// Only the front server's address counts as public here.
	d.SetAllowedForTest(func(a netip.Addr) bool { return a == frontAddr })
	// The target listens on 127.0.0.1 like the front server, so redirect
	// to it under other names and spellings of loopback and link-local.
	for _, loc := range []string{
		"http://metadata.test/latest/meta-data/", "http://loop.test:" + port + "/", "http://[::1]:" + port + "/",
		"http://[::ffff:127.0.0.2]:" + port + "/", "http://127.0.0.2:" + port + "/", "http://169.254.169.254/",
		"http://2130706434:" + port + "/", "ftp://example.com/",
	} {
		next.Store(loc)
		_, err := d.Client(5e9).Get(front.URL + "/start")
		if err == nil || !strings.Contains(err.Error(), "not public") && !strings.Contains(err.Error(), "refused") {
			t.Errorf("redirect to %s: err %v, want a refusal", loc, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("a redirect reached the private server %d times", hits.Load())
	}
}

func FuzzValidateEndpoint(f *testing.F) {
	for _, s := range []string{
		"https://example.com/hook", "http://127.0.0.1/", "http://2130706433/", "http://[::ffff:127.0.0.1]/",
		"http://0x7f.1/", "https://user@host/", "http://[fe80::1%25en0]/", "http://example.com:65536/", "HTTP://EXAMPLE.COM",
		"http://1.2.3.4.5/", "http://[::1]:80/", "https://xn--bcher-kva.example/", "//example.com", "http:example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := webhook.ValidateEndpoint(raw, false)
		if err != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.User != nil || u.Hostname() == "" {
			t.Fatalf("accepted %q as %#v", raw, u)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !webhook.IsPublic(ip) {
			t.Fatalf("accepted private literal %q", raw)
		}
		// What was accepted parses the same way again (what is stored is
		// what is dialled).
		again, err := url.Parse(u.String())
		if err != nil || again.Hostname() != u.Hostname() {
			t.Fatalf("%q does not round-trip: %v", raw, err)
		}
	})
}
