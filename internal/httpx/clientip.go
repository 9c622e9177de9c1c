package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the IP address of the direct peer, from r.RemoteAddr.
//
// It never looks at X-Forwarded-For: that header is set by the client unless
// a trusted proxy overwrites it, so trusting it blindly would let anyone pick
// the IP they are rate limited and throttled as. Use IPResolver when running
// behind a reverse proxy.
//
// IPv4-mapped IPv6 addresses are unmapped and zones dropped so the same
// client always yields the same string (and hence the same limiter key).
// If RemoteAddr is not an IP (a Unix socket, say) it is returned as is.
func ClientIP(r *http.Request) string {
	if a, ok := remoteAddr(r); ok {
		return a.String()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func remoteAddr(r *http.Request) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return normalizeAddr(ap.Addr()), true
	}
	// Tolerate a bare address, as some test harnesses and listeners produce.
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return normalizeAddr(a), true
	}
	return netip.Addr{}, false
}

func normalizeAddr(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}

// IPResolver determines the client IP for deployments behind reverse proxies
// or load balancers.
//
// X-Forwarded-For is consulted only when the direct peer is in
// TrustedProxies. The header is then read right to left, skipping addresses
// in TrustedProxies, and the first (right-most) untrusted address is the
// client: everything to its left was supplied by that client and may be
// forged, while everything to its right was appended by proxies we trust.
//
// The zero value trusts nobody and behaves like ClientIP. It is the one
// trusted-proxy rule (--trusted-proxies): IsHTTPS and PublicBase consult the
// same list before believing X-Forwarded-Proto or X-Forwarded-Host.
type IPResolver struct {
	TrustedProxies []netip.Prefix
}

// IP returns the client IP for r according to the rules above. If the
// forwarded chain contains something that is not an IP address, it stops
// there and returns the last trusted hop: a malformed entry means we cannot
// tell who is to its left, and the proxy's address is at least not
// attacker-chosen.
func (res IPResolver) IP(r *http.Request) string {
	peer, ok := remoteAddr(r)
	if !ok || !res.trusted(peer) {
		return ClientIP(r)
	}
	client := peer
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		list := values[i]
		for list != "" {
			var entry string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				entry, list = list[j+1:], list[:j]
			} else {
				entry, list = list, ""
			}
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			a, ok := parseForwarded(entry)
			if !ok {
				return client.String()
			}
			client = a
			if !res.trusted(a) {
				return a.String()
			}
		}
	}
	// Every hop was a trusted proxy; the left-most one is the best we have.
	return client.String()
}

func (res IPResolver) trusted(a netip.Addr) bool {
	for _, p := range res.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseForwarded parses one X-Forwarded-For element. Some proxies include a
// port ("203.0.113.7:4711", "[2001:db8::1]:4711") or brackets around IPv6
// addresses, so those are accepted too.
func parseForwarded(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return normalizeAddr(a), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalizeAddr(ap.Addr()), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return normalizeAddr(a), true
		}
	}
	return netip.Addr{}, false
}

// IPKey turns a client IP into a rate-limit / throttle key. IPv6 addresses
// are truncated to their /64: a single subscriber is normally given a whole
// /64, so per-address limits on IPv6 would be trivially evaded by rotating
// through it. IPv4 addresses and non-IP strings are returned unchanged.
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = normalizeAddr(a)
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
