package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
)

// The help center's public pages (home, category, section, article) are
// read far more often than written, and a signed-out visitor's page is the
// same for every signed-out visitor but for one thing: the CSRF token in
// its forms (the language switcher, the vote). hcCache keeps such pages,
// rendered with a placeholder where the token goes, and serves them with
// the visitor's own token put in.
//
// What it never does:
//   - serve or store a page for a signed-in visitor (their pages may hold
//     content of their segments, their name, their sign-out form): those
//     always render;
//   - store a page whose address has a query (?m=voted shows a flash
//     message to one visitor), or any answer but a 200;
//   - outlive a help-center write: entries carry the service's Generation
//     read before rendering, and only an entry of the current generation
//     is served. Settings shown on the page (the help desk's name) are
//     part of the key.
//
// It runs only where the service sees every write (helpcenter.LocalWrites:
// the embedded store); with PostgreSQL another instance's edit would not
// reach this process's cache, so there every page renders.
type hcCache struct {
	// placeholder stands for the CSRF token while rendering: random per
	// process, of the token's alphabet, so no article can contain it and
	// templates write it unescaped.
	placeholder []byte

	mu      sync.RWMutex
	entries map[string]*hcEntry
	bytes   int
}

// Limits on what the cache holds; past either it starts again empty (a
// help center has few public pages, so this is a guard, not a policy).
const (
	hcCacheMaxEntries = 4096
	hcCacheMaxBytes   = 64 << 20
)

type hcEntry struct {
	gen         uint64
	body        []byte // with the placeholder
	contentType string
	etag        string // of body
}

func newHCCache() *hcCache {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return &hcCache{placeholder: []byte(base64.RawURLEncoding.EncodeToString(b)), entries: map[string]*hcEntry{}}
}

func (c *hcCache) get(key string, gen uint64) *hcEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e := c.entries[key]; e != nil && e.gen == gen {
		return e
	}
	return nil
}

func (c *hcCache) put(key string, e *hcEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil {
		if old.gen > e.gen {
			return // a render that started before a newer one finished
		}
		c.bytes -= len(old.body)
	}
	if len(c.entries) >= hcCacheMaxEntries || c.bytes+len(e.body) > hcCacheMaxBytes {
		c.entries, c.bytes = map[string]*hcEntry{}, 0
	}
	c.entries[key] = e
	c.bytes += len(e.body)
}

// len is the number of entries (tests).
func (c *hcCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// hcCached serves a public help-center page from the cache when it may
// (see hcCache) and renders and stores it otherwise.
func (s *Server) hcCached(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, rc := s.hcPages, rcFrom(r)
		if c == nil || rc == nil || rc.p != nil || r.URL.RawQuery != "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) || hcVoter(r) {
			return next(w, r)
		}
		gen := s.d.HelpCenter.Generation()
		tz := ""
		if rc.tz != nil {
			tz = rc.tz.String()
		}
		// The page's locale is the path's (hcLocale); the time zone dates
		// are shown in, the settings it shows and the address complete it.
		key := fmt.Sprintf("%s\x00%s\x00%+v", r.URL.EscapedPath(), tz, s.currentSettings(r.Context()))
		if e := c.get(key, gen); e != nil {
			return c.serve(w, r, rc, e)
		}
		// Render as every signed-out visitor would see it, with the
		// placeholder for the token, into a buffer.
		anon := *rc
		anon.csrf = string(c.placeholder)
		rec := &hcRecorder{header: http.Header{}}
		err := next(rec, r.WithContext(context.WithValue(r.Context(), ctxKey{}, &anon)))
		// The handler may have switched the page's language (hcLocale);
		// an error page rendered from rc must speak it too.
		rc.locale, rc.tr = anon.locale, anon.tr
		if err != nil {
			return err
		}
		if rec.status == http.StatusOK {
			sum := sha256.Sum256(rec.body.Bytes())
			e := &hcEntry{gen: gen, body: bytes.Clone(rec.body.Bytes()), contentType: rec.header.Get("Content-Type"), etag: hex.EncodeToString(sum[:12])}
			c.put(key, e)
			return c.serve(w, r, rc, e)
		}
		// Redirects (a non-canonical slug) and the rest pass through as
		// rendered, the token put back.
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(max(rec.status, http.StatusOK))
		_, _ = w.Write(bytes.ReplaceAll(rec.body.Bytes(), c.placeholder, []byte(rc.csrf)))
		return nil
	}
}

// serve writes a cached page with the visitor's token, or 304 when the
// visitor already has this very page (same page, same token).
func (c *hcCache) serve(w http.ResponseWriter, r *http.Request, rc *reqCtx, e *hcEntry) error {
	tok := sha256.Sum256([]byte(rc.csrf))
	etag := `"` + e.etag + "." + hex.EncodeToString(tok[:6]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	// The page holds the visitor's token: browsers may keep it and ask
	// again (no-cache), shared caches must not (private).
	h.Set("Cache-Control", "private, no-cache")
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", e.contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(bytes.ReplaceAll(e.body, c.placeholder, []byte(rc.csrf))) // a failed write means the client left
	return nil
}

// hcRecorder buffers a handler's answer.
type hcRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *hcRecorder) Header() http.Header { return r.header }

func (r *hcRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *hcRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

// hcVoterCookie marks a signed-out visitor who has voted: their article
// pages show their own vote (and the button to withdraw it), so they are
// rendered for them rather than served from the cache. It holds no
// identity: the vote itself is keyed by the visitor's session token.
const hcVoterCookie = "fd_hc_voter"

func markHCVoter(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: hcVoterCookie, Value: "1", Path: "/hc", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func hcVoter(r *http.Request) bool {
	_, err := r.Cookie(hcVoterCookie)
	return err == nil
}
