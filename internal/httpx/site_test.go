package httpx

import (
	"crypto/tls"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func siteRequest(remote, host string, hdr ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/password/forgot", nil)
	r.RemoteAddr = remote
	r.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

// TestPublicBase is the decision table. The first rows are the assessment's
// attack: "Host: 127.attacker.example" was taken for loopback because it
// starts with "127.".
func TestPublicBase(t *testing.T) {
	loopProxy := IPResolver{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	lanProxy := IPResolver{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	tests := []struct {
		name   string
		site   Site
		use    LinkUse
		remote string
		host   string
		hdr    []string
		want   string // "" means no base
	}{
		{"attacker host that starts with 127.", Site{}, ForEmail, "127.0.0.1:5000", "127.attacker.example", nil, ""},
		{"attacker host from afar", Site{}, ForEmail, "203.0.113.9:5000", "127.attacker.example", nil, ""},
		{"localhost suffix trick", Site{}, ForEmail, "127.0.0.1:5000", "localhost.evil.example", nil, ""},
		{"userinfo in host", Site{}, ForEmail, "127.0.0.1:5000", "127.0.0.1@evil.example", nil, ""},
		{"userinfo before loopback", Site{}, ForEmail, "127.0.0.1:5000", "evil.example@127.0.0.1", nil, ""},
		{"path in host", Site{}, ForEmail, "127.0.0.1:5000", "127.0.0.1/evil", nil, ""},
		{"bad port", Site{}, ForEmail, "127.0.0.1:5000", "127.0.0.1:http", nil, ""},
		{"port zero", Site{}, ForEmail, "127.0.0.1:5000", "127.0.0.1:0", nil, ""},
		{"loopback host from a remote peer", Site{}, ForEmail, "203.0.113.9:5000", "127.0.0.1:8080", nil, ""},
		{"loopback, IPv4", Site{}, ForEmail, "127.0.0.1:5000", "127.0.0.1:8080", nil, "http://127.0.0.1:8080"},
		{"loopback, any 127/8", Site{}, ForEmail, "127.0.0.1:5000", "127.9.9.9", nil, "http://127.9.9.9"},
		{"loopback, IPv6", Site{}, ForEmail, "[::1]:5000", "[::1]:8080", nil, "http://[::1]:8080"},
		{"loopback, bare IPv6 is no Host", Site{}, ForEmail, "[::1]:5000", "::1", nil, ""},
		{"loopback, localhost", Site{}, ForEmail, "127.0.0.1:5000", "LocalHost:8080", nil, "http://localhost:8080"},
		{"loopback, forged forwarded headers ignored", Site{}, ForResponse, "127.0.0.1:5000", "127.0.0.1:8080",
			[]string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"}, "http://127.0.0.1:8080"},
		{"remote with forged forwarded host", Site{}, ForResponse, "203.0.113.9:5000", "help.example.com",
			[]string{"X-Forwarded-Host", "127.0.0.1"}, ""},
		{"public URL wins over everything", Site{PublicURL: "https://help.example.com"}, ForEmail, "203.0.113.9:5000", "evil.example",
			[]string{"X-Forwarded-Host", "evil.example"}, "https://help.example.com"},
		{"public URL for responses too", Site{PublicURL: "https://help.example.com/desk"}, ForResponse, "127.0.0.1:5000", "127.0.0.1", nil, "https://help.example.com/desk"},
		{"TLS connection", Site{}, ForEmail, "127.0.0.1:5000", "localhost", nil, "https://localhost"},
		{"trusted proxy: host for responses", Site{Proxies: lanProxy}, ForResponse, "10.1.2.3:5000", "backend:8080",
			[]string{"X-Forwarded-Host", "Help.Example.com", "X-Forwarded-Proto", "https"}, "https://help.example.com"},
		{"trusted proxy: right-most forwarded host", Site{Proxies: lanProxy}, ForResponse, "10.1.2.3:5000", "backend:8080",
			[]string{"X-Forwarded-Host", "evil.example, help.example.com"}, "http://help.example.com"},
		{"trusted proxy: never for email", Site{Proxies: lanProxy}, ForEmail, "10.1.2.3:5000", "backend:8080",
			[]string{"X-Forwarded-Host", "help.example.com"}, ""},
		{"trusted proxy: malformed forwarded host", Site{Proxies: lanProxy}, ForResponse, "10.1.2.3:5000", "backend",
			[]string{"X-Forwarded-Host", "evil.example/path"}, ""},
		{"untrusted peer: forwarded host ignored", Site{Proxies: lanProxy}, ForResponse, "192.0.2.1:5000", "backend",
			[]string{"X-Forwarded-Host", "help.example.com"}, ""},
		{"loopback proxy forwarding a remote client", Site{Proxies: loopProxy}, ForEmail, "127.0.0.1:5000", "127.0.0.1",
			[]string{"X-Forwarded-For", "203.0.113.9"}, ""},
		{"loopback proxy, local client, https", Site{Proxies: loopProxy}, ForEmail, "127.0.0.1:5000", "127.0.0.1",
			[]string{"X-Forwarded-For", "127.0.0.1", "X-Forwarded-Proto", "https"}, "https://127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := siteRequest(tt.remote, tt.host, tt.hdr...)
			if strings.HasPrefix(tt.name, "TLS") {
				r.TLS = &tls.ConnectionState{}
			}
			got, ok := PublicBase(r, tt.site, tt.use)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("PublicBase = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

// checkBase is the property every base must have: it is the public URL, or
// (for responses, only from a trusted proxy) the forwarded host, or the
// loopback Host the client actually used from this machine — nothing else.
func checkBase(t *testing.T, r *http.Request, site Site, use LinkUse, got string, ok bool) {
	t.Helper()
	if !ok {
		if got != "" {
			t.Fatalf("not ok but base %q", got)
		}
		return
	}
	if site.PublicURL != "" {
		if got != site.PublicURL {
			t.Fatalf("base %q, public URL is %q", got, site.PublicURL)
		}
		return
	}
	u, err := url.Parse(got)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Path != "" || u.RawQuery != "" ||
		u.Fragment != "" || u.Opaque != "" || got != u.Scheme+"://"+u.Host {
		t.Fatalf("base %q is not a bare scheme://host[:port]", got)
	}
	if use == ForResponse && site.Proxies.PeerTrusted(r) && r.Header.Get("X-Forwarded-Host") != "" {
		if h, ok := parseHost(lastForwarded(r, "X-Forwarded-Host")); ok && u.Host == h.String() {
			return // what the trusted proxy said
		}
	}
	if !peerLoopback(r.RemoteAddr) {
		t.Fatalf("base %q for a request from %q (not loopback); Host %q", got, r.RemoteAddr, r.Host)
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if !a.IsLoopback() {
			t.Fatalf("base %q is not a loopback address (Host %q)", got, r.Host)
		}
	} else if host != "localhost" {
		t.Fatalf("base %q is not loopback (Host %q)", got, r.Host)
	}
	if !strings.EqualFold(strings.Trim(u.Host, "[]"), strings.Trim(r.Host, "[]")) {
		// The host may only be canonicalised (case, IPv6 spelling).
		if h, ok := parseHost(r.Host); !ok || h.String() != u.Host {
			t.Fatalf("base %q is not the Host %q the client used", got, r.Host)
		}
	}
}

// peerLoopback parses a RemoteAddr independently of the code under test.
func peerLoopback(remote string) bool {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap().IsLoopback()
	}
	a, err := netip.ParseAddr(remote)
	return err == nil && a.Unmap().IsLoopback()
}

var (
	propHosts = []string{"", "127.0.0.1", "127.0.0.1:8080", "127.attacker.example", "127.0.0.1.evil.example", "localhost",
		"localhost:1", "localhost.evil", "LOCALHOST", "[::1]", "[::1]:443", "::1", "[::1%25lo]:80", "[::ffff:127.0.0.1]:80",
		"127.1", "0177.0.0.1", "2130706433", "evil.example", "evil.example:8080", "user@127.0.0.1", "127.0.0.1@evil.example",
		"127.0.0.1:8080@evil.example", "127.0.0.1/evil", "127.0.0.1 evil", "127.0.0.1\tx", "127.0.0.1:99999", "127.0.0.1:080",
		"[127.0.0.1]", "0.0.0.0", "[::]", "10.0.0.1", "xn--80ak6aa92e.com", "-bad-.example", "a..b", "%31%32%37.0.0.1"}
	propRemotes = []string{"127.0.0.1:1234", "127.8.9.10:1", "[::1]:1234", "[::ffff:127.0.0.1]:9", "10.1.2.3:4", "192.0.2.1:5",
		"[2001:db8::1]:6", "@", "", "127.0.0.1", "garbage", "[fe80::1%lo]:7"}
	propForwarded = []string{"", "evil.example", "127.0.0.1", "localhost", "help.example.com", "evil.example, help.example.com",
		"help.example.com, evil.example", "a@b", "[::1]", "https", "http", "HTTPS", "203.0.113.9", "127.0.0.1, 203.0.113.9", "  ,  "}
	propSites = []Site{
		{},
		{PublicURL: "https://help.example.com"},
		{Proxies: IPResolver{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}},
		{Proxies: IPResolver{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}},
	}
)

// TestPublicBaseProperty tries many combinations of Host, forwarding headers,
// peer address, trusted proxies and public URL: no base ever points anywhere
// but the public URL or the loopback address the client actually used (or,
// for responses only, what a trusted proxy forwarded).
func TestPublicBaseProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	for range 20000 {
		site := propSites[rng.IntN(len(propSites))]
		use := LinkUse(rng.IntN(2))
		r := siteRequest(pick(propRemotes), pick(propHosts))
		for _, h := range []string{"X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-For", "Forwarded", "X-Forwarded-Host"} {
			if v := pick(propForwarded); v != "" {
				r.Header.Add(h, v)
			}
		}
		got, ok := PublicBase(r, site, use)
		checkBase(t, r, site, use, got, ok)
		if use == ForEmail && site.PublicURL == "" && ok {
			if !peerLoopback(r.RemoteAddr) {
				t.Fatalf("email link %q for a request from %q", got, r.RemoteAddr)
			}
		}
	}
}

// FuzzPublicBase checks the same property for arbitrary header values.
func FuzzPublicBase(f *testing.F) {
	for _, h := range propHosts {
		for _, rem := range []string{"127.0.0.1:1", "[::1]:2", "203.0.113.9:3", "10.0.0.1:4"} {
			f.Add(h, rem, "", "", "", uint8(0))
		}
	}
	f.Add("127.0.0.1", "10.0.0.1:1", "evil.example", "https", "127.0.0.1", uint8(7))
	f.Add("backend", "10.0.0.1:1", "help.example.com", "https", "203.0.113.9", uint8(3))
	f.Add("127.0.0.1", "127.0.0.1:1", "evil.example", "https", "203.0.113.9", uint8(5))
	f.Fuzz(func(t *testing.T, host, remote, xfh, xfp, xff string, mode uint8) {
		site := propSites[int(mode>>1)%len(propSites)]
		use := LinkUse(mode & 1)
		r := siteRequest(remote, host)
		for k, v := range map[string]string{"X-Forwarded-Host": xfh, "X-Forwarded-Proto": xfp, "X-Forwarded-For": xff} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		got, ok := PublicBase(r, site, use)
		checkBase(t, r, site, use, got, ok)
	})
}

func TestParsePublicURL(t *testing.T) {
	good := map[string]string{
		"":                                "",
		"https://help.example.com":        "https://help.example.com",
		"https://Help.Example.com/":       "https://help.example.com",
		"http://127.0.0.1:8080":           "http://127.0.0.1:8080",
		"https://example.com/support/":    "https://example.com/support",
		"https://[2001:db8::1]:8443/desk": "https://[2001:db8::1]:8443/desk",
	}
	for in, want := range good {
		if got, err := ParsePublicURL(in); err != nil || got != want {
			t.Errorf("ParsePublicURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"help.example.com", "ftp://help.example.com", "https://user@help.example.com",
		"https://help.example.com/?x=1", "https://help.example.com/#x", "https://help.example.com/a b",
		"https:///path", "https://help.example.com:0", "https://help.example.com/../x", "https://help.example.com/%2e%2e",
		"javascript:alert(1)", "https://help.example.com/a\"b", "https://ex ample.com"} {
		if got, err := ParsePublicURL(in); err == nil {
			t.Errorf("ParsePublicURL(%q) = %q, want an error", in, got)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,fd00::/8,::1,10.1.2.3/8,::ffff:192.0.2.0/120,")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "fd00::/8", "::1/128", "10.0.0.0/8", "192.0.2.0/24"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("entry %d = %s, want %s", i, got[i], want[i])
		}
	}
	if p, err := ParseTrustedProxies(""); err != nil || p != nil {
		t.Errorf("empty: %v %v", p, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1/", "fe80::1%eth0", "10.0.0.0/8;rm", "*"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
}

func TestIsHTTPS(t *testing.T) {
	res := IPResolver{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	cases := []struct {
		remote, proto string
		want          bool
	}{
		{"10.0.0.1:1", "https", true},
		{"10.0.0.1:1", "http, https", true},
		{"10.0.0.1:1", "https, http", false},
		{"10.0.0.1:1", "", false},
		{"192.0.2.1:1", "https", false}, // not a trusted proxy
	}
	for _, c := range cases {
		r := siteRequest(c.remote, "x", "X-Forwarded-Proto", c.proto)
		if got := res.IsHTTPS(r); got != c.want {
			t.Errorf("%s %q: IsHTTPS = %v", c.remote, c.proto, got)
		}
	}
	if (IPResolver{}).IsHTTPS(siteRequest("127.0.0.1:1", "x", "X-Forwarded-Proto", "https")) {
		t.Error("no trusted proxies, yet X-Forwarded-Proto believed")
	}
}
