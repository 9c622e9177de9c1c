package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// SSRF safety. A webhook endpoint is an address an admin typed, so a call
// to it must never reach what only the server can reach: loopback, the
// private network, link-local (169.254.169.254 is the cloud metadata
// service), and the other ranges no public host has. The check runs on the
// resolved IP at dial time — a host name resolving to 127.0.0.1 is refused
// however it is spelled, and a name that changes its answer between the
// check and the connection (DNS rebinding) is caught because the check is
// the connection. Redirects go through the same dialer, so every hop is
// checked again. Admins may allow private addresses (a setting) for
// endpoints on their own network.

// ErrRefused is wrapped by every refusal to connect to a non-public address.
var ErrRefused = errors.New("webhook: address is not public")

// MaxEndpoint bounds an endpoint URL.
const MaxEndpoint = 2048

// nonPublic are the ranges that are not globally reachable unicast
// (IANA special-purpose registries) beyond what netip's predicates name.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // carrier-grade NAT
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local, cloud metadata
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay anycast
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, broadcast
		"::/96",           // unspecified, loopback, IPv4-compatible
		"::ffff:0:0:0/96", // IPv4-translated
		"64:ff9b::/96",    // NAT64 (embeds an IPv4 address)
		"64:ff9b:1::/48",  // local NAT64
		"100::/64",        // discard
		"2001::/23",       // IETF protocol assignments (Teredo, ORCHID…)
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4 (embeds an IPv4 address)
		"3fff::/20",       // documentation
		"5f00::/16",       // segment routing SIDs
		"fc00::/7",        // unique local
		"fe80::/10",       // link-local
		"fec0::/10",       // site-local (deprecated)
		"ff00::/8",        // multicast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// IsPublic reports whether a is a globally reachable unicast address.
// IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are judged as the IPv4
// address they carry; zoned addresses are never public.
func IsPublic(a netip.Addr) bool {
	if !a.IsValid() || a.Zone() != "" {
		return false
	}
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsMulticast() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// ValidateEndpoint checks an endpoint as an admin gives it: an absolute
// http or https URL with a host, no user info (credentials belong in
// authentication, where they are sealed), no fragment, at most MaxEndpoint
// bytes. An IP literal must be in canonical form (no decimal, octal or
// hexadecimal spellings of IPv4, which resolvers read differently) and,
// unless allowPrivate, public. Host names are checked when dialled.
func ValidateEndpoint(raw string, allowPrivate bool) (*url.URL, error) {
	bad := func(why string) (*url.URL, error) { return nil, desk.Invalid("endpoint", why) }
	if raw == "" {
		return bad("is required")
	}
	if len(raw) > MaxEndpoint {
		return bad(fmt.Sprintf("must be at most %d characters", MaxEndpoint))
	}
	if strings.ContainsAny(raw, " \t\r\n\x00\\") {
		return bad("must not contain spaces, control characters or backslashes")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("must be an http or https URL")
	}
	if u.Opaque != "" || u.Host == "" {
		return bad("must be an absolute URL with a host")
	}
	if u.User != nil {
		return bad("must not contain a user name or password (use authentication)")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return bad("must not contain a fragment")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("has an invalid port")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return bad("has an invalid port")
	}
	host := u.Hostname()
	if host == "" {
		return bad("must be an absolute URL with a host")
	}
	if strings.Contains(host, "%") {
		return bad("must not use a zoned IPv6 address")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !allowPrivate && !IsPublic(ip) {
			return bad("must be a public address")
		}
		return u, nil
	}
	if strings.HasPrefix(u.Host, "[") {
		return bad("has an invalid IPv6 address")
	}
	if looksNumeric(host) {
		return bad("must be a host name or an IP address in canonical form")
	}
	if !validHostname(host) {
		return bad("has an invalid host name")
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); !allowPrivate && (h == "localhost" || strings.HasSuffix(h, ".localhost")) {
		return bad("must be a public address")
	}
	return u, nil
}

// looksNumeric reports whether host is a non-canonical numeric IPv4
// spelling that inet_aton would accept (2130706433, 0x7f.1, 0177.0.0.1,
// 127.1): every dot-separated part is a decimal, octal or hex number.
func looksNumeric(host string) bool {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		lp := strings.ToLower(p)
		if strings.HasPrefix(lp, "0x") {
			if _, err := strconv.ParseUint(lp[2:]+"0", 16, 64); err != nil {
				return false
			}
			continue
		}
		if strings.Trim(lp, "0123456789") != "" {
			return false
		}
	}
	return true
}

// validHostname accepts DNS names (letters, digits, hyphens, underscores
// and dots; labels of 1–63 characters; at most 253 in all).
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// Resolver looks up a host's addresses (net.DefaultResolver does).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer connects only to addresses its policy allows, judging every
// address a name resolves to: if any is refused, the name is refused (a
// mixed answer is a rebinding attempt or a misconfiguration).
type Dialer struct {
	Resolver Resolver
	// AllowPrivate is asked at every dial (it reads the admin setting).
	AllowPrivate func(ctx context.Context) bool
	Timeout      time.Duration
	// allowed overrides IsPublic in tests that need a "public" server on
	// loopback (see export_test.go).
	allowed func(netip.Addr) bool
}

func (d *Dialer) permits(ctx context.Context, a netip.Addr) bool {
	if d.AllowPrivate != nil && d.AllowPrivate(ctx) {
		return a.IsValid()
	}
	if d.allowed != nil {
		return d.allowed(a)
	}
	return IsPublic(a)
}

// DialContext resolves addr's host, checks every address, and dials them
// in turn; the connection's own address is checked once more (Control) so
// that nothing between the check and the connect can change the target.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		r := d.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		if ips, err = r.LookupNetIP(ctx, "ip", host); err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", host)
		}
	}
	for _, ip := range ips {
		if !d.permits(ctx, ip) {
			return nil, fmt.Errorf("%w: %s resolves to %s", ErrRefused, host, ip)
		}
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	nd := net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !d.permits(ctx, ap.Addr()) {
			return fmt.Errorf("%w: %s", ErrRefused, address)
		}
		return nil
	}}
	var firstErr error
	for _, ip := range ips {
		c, err := nd.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// maxRedirects bounds the redirects a delivery follows.
const maxRedirects = 3

// Client returns an HTTP client that dials through d, uses no proxy from
// the environment (a proxy would make the dial-time check meaningless),
// bounds the whole exchange by timeout, and follows at most maxRedirects
// redirects, each to an http or https URL that passes ValidateEndpoint and
// is dialled through d again.
func (d *Dialer) Client(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		allow := d.AllowPrivate != nil && d.AllowPrivate(req.Context())
		if _, err := ValidateEndpoint(req.URL.String(), allow || d.allowed != nil); err != nil {
			return fmt.Errorf("%w: redirect to %s refused: %s", ErrRefused, req.URL.Redacted(), desk.ErrorMessage(err))
		}
		return nil
	}}
}
