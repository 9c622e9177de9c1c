package httpx

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Site is what Frontdesk knows about its own address: the configured public
// URL and the proxies whose forwarding headers it may believe.
type Site struct {
	// PublicURL is the site's public address as returned by ParsePublicURL
	// (scheme://host[:port][/path], no trailing slash), or "" when none is
	// configured.
	PublicURL string
	// Proxies says whose X-Forwarded-* headers are believed.
	Proxies IPResolver
}

// LinkUse says where an absolute URL is going, which decides how much of
// the request may shape it.
type LinkUse int

const (
	// ForEmail is a link sent to someone other than the requester:
	// password-reset and verification links, anything in an email. A
	// forged address here hands a secret to whoever controls that address.
	ForEmail LinkUse = iota
	// ForResponse is an absolute URL in the answer to this very request:
	// API "url" fields, next_page/previous_page, links.next, Location.
	ForResponse
)

// PublicBase is the one place that decides the scheme and host of every
// absolute URL Frontdesk emits. It returns "scheme://host[:port][/path]"
// without a trailing slash, and ok=false when no trustworthy base exists —
// callers must then send no link (emails) or a relative one (responses).
//
// The rule, in order:
//
//  1. The configured public URL, whenever there is one. Nothing in the
//     request can change it.
//  2. For ForResponse only: when the direct peer is a trusted proxy and
//     sends a well-formed X-Forwarded-Host, that host (with the scheme from
//     X-Forwarded-Proto). Emails never use it: the proxy forwards what the
//     client asked for, and an email goes to someone else.
//  3. When the client really is on this machine — the connection's peer
//     (or, behind trusted proxies, the client they report) is a loopback
//     address — and the Host header is exactly a loopback IP literal or
//     "localhost", with an optional port: that host. The Host header is
//     parsed, never prefix-matched ("127.attacker.example" is a DNS name,
//     not a loopback address), and the base is rebuilt from the parsed
//     parts rather than echoed.
//  4. Otherwise, none.
//
// The scheme is https when the connection is TLS or a trusted proxy says
// X-Forwarded-Proto: https.
func PublicBase(r *http.Request, site Site, use LinkUse) (string, bool) {
	if site.PublicURL != "" {
		return site.PublicURL, true
	}
	scheme := "http"
	if site.Proxies.IsHTTPS(r) {
		scheme = "https"
	}
	if use == ForResponse && site.Proxies.PeerTrusted(r) {
		if h, ok := parseHost(lastForwarded(r, "X-Forwarded-Host")); ok {
			return scheme + "://" + h.String(), true
		}
	}
	if !clientIsLoopback(r, site.Proxies) {
		return "", false
	}
	h, ok := parseHost(r.Host)
	if !ok || !h.loopback() {
		return "", false
	}
	return scheme + "://" + h.String(), true
}

// clientIsLoopback reports whether the request comes from this machine: the
// peer address is loopback and, when the peer is a trusted proxy, so is the
// client it forwards for.
func clientIsLoopback(r *http.Request, proxies IPResolver) bool {
	peer, ok := remoteAddr(r)
	if !ok || !peer.IsLoopback() {
		return false
	}
	if !proxies.trusted(peer) {
		return true
	}
	c, err := netip.ParseAddr(proxies.IP(r))
	return err == nil && c.Unmap().IsLoopback()
}

// hostPort is a parsed Host (or X-Forwarded-Host) value.
type hostPort struct {
	name string     // lower-case DNS name, when not an IP literal
	addr netip.Addr // the IP literal, when it is one
	port string     // "" or a port number without leading zeros
}

func (h hostPort) loopback() bool {
	if h.addr.IsValid() {
		return h.addr.IsLoopback()
	}
	return h.name == "localhost"
}

// String is the canonical form: IPv6 in brackets, names in lower case.
func (h hostPort) String() string {
	host := h.name
	if h.addr.IsValid() {
		host = h.addr.String()
		if h.addr.Is6() {
			host = "[" + host + "]"
		}
	}
	if h.port != "" {
		host += ":" + h.port
	}
	return host
}

// parseHost parses host[:port] strictly: a DNS name (letters, digits,
// hyphens and dots), an IPv4 literal, or a bracketed IPv6 literal without a
// zone, then an optional decimal port 1–65535. No user information, path,
// percent-encoding, trailing dot or whitespace.
func parseHost(s string) (hostPort, bool) {
	var h hostPort
	if s == "" || len(s) > 260 {
		return h, false
	}
	host := s
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return h, false
		}
		host = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return h, false
			}
			if h.port = rest[1:]; !validPort(h.port) {
				return h, false
			}
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return h, false
		}
		h.addr = a
		if a.Is4In6() {
			h.addr = a.Unmap()
		}
		return h, true
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		host = s[:i]
		if h.port = s[i+1:]; !validPort(h.port) {
			return h, false // also refuses bare IPv6 ("::1"): its "port" is not a number
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !a.Is4() {
			return h, false
		}
		h.addr = a
		return h, true
	}
	if !validDNSName(host) {
		return h, false
	}
	h.name = strings.ToLower(host)
	return h, true
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
}

func validDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// ParsePublicURL validates the --public-url setting and returns its
// canonical form (no trailing slash): an absolute http or https URL with a
// host, optionally a path, and nothing else — no user information, query or
// fragment, and a path of plain characters only, so that links built as
// base + "/password/reset?token=…" are exactly what they look like. Empty
// input returns "".
func ParsePublicURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	bad := errors.New("public URL must look like https://help.example.com (http or https, a host, an optional path; no user, query or fragment)")
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		return "", bad
	}
	h, ok := parseHost(u.Host)
	if !ok {
		return "", bad
	}
	p := strings.TrimRight(u.Path, "/")
	if u.RawPath != "" {
		return "", bad
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~", c) >= 0) {
			return "", bad
		}
	}
	if strings.Contains(p, "//") || strings.Contains("/"+p+"/", "/../") || strings.Contains("/"+p+"/", "/./") {
		return "", bad
	}
	return u.Scheme + "://" + h.String() + p, nil
}
