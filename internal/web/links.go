package web

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/frontdesk/frontdesk/internal/httpx"
)

// site is what the web UI knows about its own address (see httpx.PublicBase).
func (s *Server) site() httpx.Site {
	return httpx.Site{PublicURL: s.d.PublicURL, Proxies: s.d.IPs}
}

// errNoLinkBase is returned by pages that must email a link when there is
// no trustworthy address to build it from: no public URL is configured and
// the request does not come from this machine. The visitor is told the
// email cannot be sent now; the admin pages say why.
var errNoLinkBase = errors.New("web: no public URL for links in emails")

// linkRefusals remembers that links were refused, for the admin pages.
type linkRefusals struct {
	mu    sync.Mutex
	count int
	last  time.Time
	host  string
}

// refuseLink records (and logs) a request for which no email link could be
// built.
func (s *Server) refuseLink(r *http.Request) {
	host := cleanHost(r.Host)
	s.refusals.mu.Lock()
	s.refusals.count++
	s.refusals.last = s.now()
	s.refusals.host = host
	s.refusals.mu.Unlock()
	s.log.Warn("web: email link refused: no public URL is configured (--public-url) and the request is not from this machine's loopback address",
		"host", host, "remote_ip", httpx.ClientIP(r), "path", r.URL.Path)
}

// cleanHost makes a client-chosen Host header safe to log and show: one
// line, printable, at most 80 bytes.
func cleanHost(h string) string {
	h = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(h, "?"))
	if len(h) > 80 {
		h = strings.ToValidUTF8(h[:80], "") + "…"
	}
	return h
}

// LinkWarning is the notice admin pages show after emails lost their links
// because no public URL is configured; "" when there is nothing to say.
func (p *page) LinkWarning() string {
	if p.Section != "admin" || !p.IsAdmin() {
		return ""
	}
	rf := &p.s.refusals
	rf.mu.Lock()
	n, last, host := rf.count, rf.last, rf.host
	rf.mu.Unlock()
	if n == 0 {
		return ""
	}
	return p.T("web.link_refused", "host", host, "time", p.DateTime(last))
}
