package httpx

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies parses the --trusted-proxies setting: a comma-separated
// list of CIDR prefixes ("10.0.0.0/8") or single addresses ("192.0.2.7",
// taken as /32 or /128). Empty input is no proxies. Anything else is an
// error naming the bad entry, so a typo stops the server at start instead of
// silently trusting nobody (or everybody).
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil || p.Addr().Zone() != "" {
				return nil, fmt.Errorf("trusted proxies: %q is not a CIDR prefix (like 10.0.0.0/8 or fd00::/8)", f)
			}
			if p.Addr().Is4In6() {
				if p.Bits() < 96 {
					return nil, fmt.Errorf("trusted proxies: %q mixes IPv4-mapped and IPv6 addresses", f)
				}
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("trusted proxies: %q is not an IP address or CIDR prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// PeerTrusted reports whether the direct peer of r is one of the trusted
// proxies, the only case in which its X-Forwarded-* headers are believed.
func (res IPResolver) PeerTrusted(r *http.Request) bool {
	peer, ok := remoteAddr(r)
	return ok && res.trusted(peer)
}

// IsHTTPS reports whether the client reached us over TLS: the connection
// itself is TLS, or a trusted proxy says so with X-Forwarded-Proto: https.
// From anyone else the header is ignored.
func (res IPResolver) IsHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !res.PeerTrusted(r) {
		return false
	}
	return strings.EqualFold(lastForwarded(r, "X-Forwarded-Proto"), "https")
}

// lastForwarded is the right-most element of a comma-separated forwarding
// header: the one our trusted proxy wrote (anything to its left came from
// further away and may have been supplied by the client).
func lastForwarded(r *http.Request, name string) string {
	vs := r.Header.Values(name)
	if len(vs) == 0 {
		return ""
	}
	v := vs[len(vs)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}
