package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/locale"
)

// reqCtx is what a page request knows about its visitor.
type reqCtx struct {
	s     *Server
	r     *http.Request
	p     *desk.Principal // nil for anonymous visitors
	user  *desk.User      // the signed-in user
	token string          // the session token (cookie value)
	// sessionID and flags describe the session (security.go), read with
	// it by account.Authenticate.
	sessionID int64
	flags     sessionFlags
	csrf      string // the expected synchronizer token
	https     bool
	// staleSession is set when the request carried a session that has
	// expired (a form from before then cannot pass the CSRF check).
	staleSession bool
	locale       string
	tz           *time.Location
	tr           *translator
}

type ctxKey struct{}

func rcFrom(r *http.Request) *reqCtx {
	rc, _ := r.Context().Value(ctxKey{}).(*reqCtx)
	return rc
}

// Cookie names. Over HTTPS they carry the __Host- prefix, which browsers
// accept only with Secure, Path=/ and no Domain: no subdomain or plain-HTTP
// page can plant or overwrite them.
const (
	sessionCookie = "fd_session"
	anonCookie    = "fd_csrf"
	localeCookie  = "fd_locale"
)

func cookieName(base string, https bool) string {
	if https {
		return "__Host-" + base
	}
	return base
}

// isHTTPS reports whether the browser talks to us over TLS (directly, or
// as a trusted proxy says with X-Forwarded-Proto).
func (s *Server) isHTTPS(r *http.Request) bool { return s.d.IPs.IsHTTPS(r) }

func (s *Server) setCookie(w http.ResponseWriter, rc *reqCtx, base, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName(base, rc.https), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: rc.https, SameSite: http.SameSiteLaxMode,
	})
}

func readCookie(r *http.Request, base string, https bool) string {
	c, err := r.Cookie(cookieName(base, https))
	if err != nil || len(c.Value) > 512 {
		return ""
	}
	return c.Value
}

// begin loads the visitor (session, user, locale) into the request.
func (s *Server) begin(w http.ResponseWriter, r *http.Request) (*reqCtx, *http.Request) {
	if rc := rcFrom(r); rc != nil {
		return rc, r
	}
	rc := &reqCtx{s: s, https: s.isHTTPS(r)}
	ctx := r.Context()
	if tok := readCookie(r, sessionCookie, rc.https); tok != "" {
		p, sess, err := s.d.Account.Authenticate(ctx, tok, s.d.IPs.IP(r))
		if err == nil && p != nil {
			pp := *p
			pp.Via = "web"
			rc.p, rc.token = &pp, tok
			if sess != nil {
				rc.sessionID = sess.ID
				if s.securityOn() {
					rc.flags = fromAccountFlags(sess.Flags)
				}
			}
			ctx = desk.WithPrincipal(ctx, rc.p)
			if u, err := s.d.People.GetUser(ctx, pp.UserID); err == nil {
				rc.user = u
			}
		} else if desk.ErrorCode(err) == desk.EUNAUTHORIZED {
			// Expired or revoked: forget the cookie.
			rc.staleSession = true
			s.setCookie(w, rc, sessionCookie, "", -1)
		} else if err != nil {
			// The store did not answer: keep the cookie for the next try.
			s.log.Warn("web: authenticating a session", "err", err)
		}
	}
	if rc.p != nil {
		rc.csrf = s.csrfToken("session", rc.token)
	} else {
		anon := readCookie(r, anonCookie, rc.https)
		if anon == "" {
			anon = randomToken()
			s.setCookie(w, rc, anonCookie, anon, 0)
		}
		rc.csrf = s.csrfToken("anon", anon)
	}
	set := s.currentSettings(ctx)
	// Locale: the user's setting, else (anonymous) the switcher's cookie,
	// else the browser's languages, else the help desk's default.
	var prefs []string
	if rc.user != nil {
		prefs = append(prefs, rc.user.Locale)
	} else if c := readCookie(r, localeCookie, rc.https); c != "" {
		prefs = append(prefs, c)
	}
	prefs = append(prefs, r.Header.Get("Accept-Language"), set.DefaultLocale)
	if rc.user != nil && isDefaultLocale(rc.user.Locale) {
		// "en-US" is only the store's default: let an explicit cookie choice
		// or the browser decide for users who never picked a language.
		prefs = []string{readCookie(r, localeCookie, rc.https), r.Header.Get("Accept-Language"), set.DefaultLocale}
	}
	rc.locale = s.bundle.Match(prefs...)
	tzName := set.DefaultTimeZone
	if rc.user != nil && rc.user.TimeZone != "" && rc.user.TimeZone != "UTC" {
		tzName = rc.user.TimeZone
	}
	rc.tz = loadZone(tzName)
	rc.tr = s.translator(rc.locale, rc.tz)
	ctx = audit.WithClient(ctx, s.d.IPs.IP(r), r.UserAgent())
	ctx = context.WithValue(ctx, ctxKey{}, rc)
	r = r.WithContext(ctx)
	rc.r = r
	return rc, r
}

// isDefaultLocale reports a locale that the store assigns to every new user,
// which therefore says nothing about the user's choice.
func isDefaultLocale(l string) bool { return l == "" || l == "en-US" }

var zones sync.Map // name → *time.Location

func loadZone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	if z, ok := zones.Load(name); ok {
		return z.(*time.Location)
	}
	z, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		z = time.UTC
	}
	zones.Store(name, z)
	return z
}

// startSession signs the visitor in with a fresh session token.
func (s *Server) startSession(w http.ResponseWriter, rc *reqCtx, token string) {
	s.setCookie(w, rc, sessionCookie, token, 0)
}

// safeReturn accepts only local paths as redirect targets.
func safeReturn(v, fallback string) string {
	if v == "" || len(v) > 2000 || !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") || strings.ContainsAny(v, "\\\r\n\t") {
		return fallback
	}
	u, err := url.Parse(v)
	if err != nil || u.IsAbs() || u.Host != "" {
		return fallback
	}
	return v
}

// baseURL is the site address for links in emails: httpx.PublicBase's
// rule for emails (the public URL, else only a genuinely local request).
// When there is none, the refusal is recorded for the admin pages.
func (s *Server) baseURL(rc *reqCtx) (string, bool) {
	base, ok := httpx.PublicBase(rc.r, s.site(), httpx.ForEmail)
	if !ok {
		s.refuseLink(rc.r)
	}
	return base, ok
}

// locales lists the UI languages with their own names, for the switcher.
func (s *Server) locales() []localeOption {
	var out []localeOption
	for _, l := range s.bundle.Locales() {
		out = append(out, localeOption{Code: l, Name: s.bundle.Printer(l, nil).Name()})
	}
	return out
}

type localeOption struct{ Code, Name string }

// T translates for the visitor.
func (rc *reqCtx) T(key string, args ...any) string { return rc.tr.T(key, args...) }

// N translates a plural for the visitor.
func (rc *reqCtx) N(key string, n int, args ...any) string { return rc.tr.N(key, n, args...) }

// Printer is the locale printer (dates, numbers).
func (rc *reqCtx) Printer() *locale.Printer { return rc.tr.p }
