// Package api serves Frontdesk's Zendesk-compatible REST API v2. Handlers
// are thin: they decode a request, call a service with the principal in the
// context, and encode the answer in Zendesk's envelopes. Every rule lives in
// the services.
package api

import (
	"context"
	"github.com/frontdesk/frontdesk/internal/answerbot"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/privacy"
	"github.com/frontdesk/frontdesk/internal/ratelimit"
	"github.com/frontdesk/frontdesk/internal/retention"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/views"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// MaxBody caps JSON request bodies; uploads have their own, larger limit.
const MaxBody = 1 << 20

// Server holds what the API handlers need.
type Server struct {
	DB      *store.DB
	Tickets *ticket.Service
	People  *people.Service
	Search  *search.Service
	Bulk    *bulk.Service
	Jobs    *jobs.Runner
	// Account changes the caller's own password (PUT /users/{id}/password).
	Account *account.Service
	// OAuth serves OAuth clients and tokens; Bearer OAuth access tokens
	// authenticate through it.
	OAuth  *oauth.Service
	Logger *slog.Logger
	// Limiter caps requests per token per minute (FRONTDESK_API_RATE_LIMIT);
	// on PostgreSQL the budget is shared by every instance.
	Limiter ratelimit.Limiter
	// AuthFailures throttles failed authentication per client IP.
	AuthFailures *httpx.FailThrottle
	IPs          httpx.IPResolver
	// MaxUpload caps one uploaded file.
	MaxUpload int64
	// PublicURL is the site's public address (httpx.ParsePublicURL), the
	// base of "url" fields and paging links; see withBase.
	PublicURL string

	// Mailboxes are the support addresses (/recipient_addresses).
	Mailboxes *mailbox.Service
	// Inbound holds the suspended tickets queue (/suspended_tickets).
	Inbound *ingest.Service
	// SLA serves business hours and SLA policies (/business_hours,
	// /slas) and the tickets' ?include=slas.
	SLA *sla.Service
	// Rules holds triggers and automations (/triggers, /automations).
	Rules *rules.Service
	// Webhooks are the outbound webhooks (/webhooks).
	Webhooks *webhook.Service
	// Assign serves agent availability and group assignment settings;
	// CSAT satisfaction ratings (p8-assign). Nil: routes not served.
	Assign *assign.Service
	CSAT   *csat.Service

	// Views and Macros serve /views and /macros (p8-views).
	Views  *views.Service
	Macros *macros.Service
	// Retention serves /retention_policies (p9-retention). Nil: routes
	// not served.
	Retention *retention.Service
	// Privacy serves the data-subject export (p9-export). Nil: route not
	// served.
	Privacy *privacy.Service
	// Community serves /community/... (p10-community). Nil: routes not
	// served.
	Community *community.Service
	// HelpCenter serves /api/v2/help_center (p10-hc); nil: 404.
	HelpCenter *helpcenter.Service
	// AnswerBot serves /api/v2/answer_bot (p11-bot); nil: 404.
	AnswerBot *answerbot.Service
	// Chat serves /api/v2/chat/widget_keys (p11-keys); nil: 404.
	Chat *chat.Service

	// routes lists every pattern registered through handle, so tests can
	// check that each route has its entry in the permission matrix.
	routes []string
}

// handlerFunc returns an error instead of writing one, so error rendering
// is one function and handlers stay short.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Register adds every API route to mux.
func (s *Server) Register(mux *http.ServeMux) {
	s.registerTickets(mux)
	s.registerPeople(mux)
	s.registerPeopleBulk(mux)
	s.registerPersonFields(mux)
	s.registerMisc(mux)
	s.registerAdmin(mux)
	s.registerPassword(mux)
	s.registerIncremental(mux) // p6-incremental
	s.registerRequests(mux)
	s.registerMiscP6(mux)  // p6b-misc
	s.registerEmail(mux)   // p7-out
	s.registerOAuth(mux)   // p6-oauth
	s.registerUsersP6(mux) // p6-users
	s.registerOrgMemberships(mux)
	s.registerSuspended(mux)  // p7-in
	s.registerAuditLogs(mux)  // p9-audit
	s.registerSLA(mux)        // p8-sla
	s.registerViews(mux)      // p8-views
	s.registerMacros(mux)     // p8-views
	s.registerRules(mux)      // p8-rules
	s.registerWebhooks(mux)   // p8-webhooks
	s.registerAssignCSAT(mux) // p8-assign
	s.registerRetention(mux)  // p9-retention
	s.registerShareLinks(mux) // p9-share
	s.registerPrivacy(mux)    // p9-export
	s.registerCommunity(mux)  // p10-community
	s.registerHelpCenter(mux) // p10-hc
	s.registerAnswerBot(mux)  // p11-bot
	s.registerChatKeys(mux)   // p11-keys
	// p9-auditops
	s.registerSecurityAlerts(mux)
	mux.Handle("/api/v2/", s.public(func(w http.ResponseWriter, r *http.Request) error {
		return &desk.Error{Code: desk.ENOTFOUND, Message: "No route matches " + r.Method + " " + r.URL.Path}
	}))
}

// StripJSON removes Zendesk's optional ".json" suffix before routing, and
// collapses repeated slashes in API paths ("/api/v2//tickets.json", which
// zendesk-node-api builds): ServeMux would answer those with a redirect, and
// clients following it lose a POST or PUT body. It changes the request in
// place (no copy), so outer middleware still sees the route pattern ServeMux
// records.
func StripJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(strings.TrimLeft(r.URL.Path, "/"), "api/") && strings.Contains(r.URL.Path, "//") {
			r.URL.Path = collapseSlashes(r.URL.Path)
			if r.URL.RawPath != "" {
				r.URL.RawPath = collapseSlashes(r.URL.RawPath)
			}
		}
		if strings.HasPrefix(r.URL.Path, "/api/v2/") && strings.HasSuffix(r.URL.Path, ".json") {
			r.URL.Path = strings.TrimSuffix(r.URL.Path, ".json")
			if r.URL.RawPath != "" {
				r.URL.RawPath = strings.TrimSuffix(r.URL.RawPath, ".json")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// collapseSlashes replaces every run of slashes in p with one.
func collapseSlashes(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// auth wraps h, the handler of route pattern, with authentication, rate
// limiting, the token's scope check and error rendering.
func (s *Server) auth(pattern string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		ip := s.IPs.IP(r)
		if blocked, retry := s.AuthFailures.Blocked(httpx.IPKey(ip)); blocked {
			httpx.WriteRetryAfter(w, retry)
			writeError(w, r, s.Logger, &desk.Error{Code: desk.ETOOMANY, Message: "Too many failed authentication attempts"})
			return
		}
		p, tokenKey, err := s.authenticate(r.Context(), r, ip)
		if err != nil {
			if desk.ErrorCode(err) == desk.EUNAUTHORIZED {
				s.AuthFailures.Fail(httpx.IPKey(ip))
				w.Header().Set("WWW-Authenticate", `Basic realm="Frontdesk API"`)
			}
			writeError(w, r, s.Logger, err)
			return
		}
		if !s.allow(w, r, tokenKey) {
			return
		}
		// A read-scoped token reads only. This is the one place that knows
		// which requests change something: the HTTP method.
		if p.ReadOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, r, s.Logger, desk.Forbidden("This API token is read-only"))
			return
		}
		// An OAuth access token reaches only what its scopes cover.
		if err := oauth.Authorize(p, pattern, r.Method); err != nil {
			writeError(w, r, s.Logger, err)
			return
		}
		r = s.withBase(r)
		r = r.WithContext(audit.WithClient(desk.WithPrincipal(r.Context(), p), ip, r.UserAgent()))
		if err := h(w, r); err != nil {
			writeError(w, r, s.Logger, err)
		}
	})
}

// authOrAnonymous is auth for the reads Zendesk serves without signing
// in (the public Help Center): a request with no Authorization header runs
// with no principal, rate limited per IP, so the service shows it only
// what anyone may read; a request with credentials is authenticated as
// any other (bad ones are still a 401).
func (s *Server) authOrAnonymous(pattern string, h handlerFunc) http.Handler {
	authed := s.auth(pattern, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			authed.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		ip := s.IPs.IP(r)
		if !s.allow(w, r, "anon:"+httpx.IPKey(ip)) {
			return
		}
		r = s.withBase(r)
		r = r.WithContext(audit.WithClient(r.Context(), ip, r.UserAgent()))
		if err := h(w, r); err != nil {
			writeError(w, r, s.Logger, err)
		}
	})
}

// allow applies the per-caller API rate limit to key, sets the
// X-Rate-Limit headers and, over the limit, answers 429; it reports
// whether the request may go on.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, key string) bool {
	rl, err := s.Limiter.Allow(r.Context(), key)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return false
	}
	httpx.SetHeaders(w, rl.Limit, rl.Remaining, rl.Reset)
	if !rl.Allowed {
		httpx.WriteRetryAfter(w, rl.RetryAfter)
		writeError(w, r, s.Logger, &desk.Error{Code: desk.ETOOMANY, Message: "Rate limit exceeded"})
		return false
	}
	return true
}

// handleOpen is handle for a GET route anonymous callers may use too
// (see authOrAnonymous).
func (s *Server) handleOpen(mux *http.ServeMux, pattern string, h handlerFunc) {
	if !strings.HasPrefix(pattern, "GET ") {
		panic("api: only reads may be open to anonymous callers: " + pattern)
	}
	s.routes = append(s.routes, pattern)
	mux.Handle(pattern, s.authOrAnonymous(pattern, h))
}

// public wraps handlers that need no principal.
func (s *Server) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if err := h(w, r); err != nil {
			writeError(w, r, s.Logger, err)
		}
	})
}

// authenticate accepts Zendesk's two token forms: Basic "email/token:TOKEN"
// and Bearer TOKEN, where a bearer token is an OAuth access token (its
// prefix says so) or a Frontdesk API token. Password Basic auth is refused:
// it is deprecated in Zendesk and would put a slow password hash on the
// API's hot path.
func (s *Server) authenticate(ctx context.Context, r *http.Request, ip string) (*desk.Principal, string, error) {
	h := r.Header.Get("Authorization")
	unauth := &desk.Error{Code: desk.EUNAUTHORIZED, Message: "Couldn't authenticate you"}
	var email, token string
	switch {
	case len(h) > 7 && strings.EqualFold(h[:7], "Bearer "):
		token = strings.TrimSpace(h[7:])
	case len(h) > 6 && strings.EqualFold(h[:6], "Basic "):
		user, pass, ok := r.BasicAuth()
		if !ok || !strings.HasSuffix(user, "/token") {
			return nil, "", unauth
		}
		email, token = strings.TrimSuffix(user, "/token"), pass
		// No address has control characters (PostgreSQL cannot even
		// compare text with NUL in it); refuse them as any bad login.
		if len(email) > 320 || !utf8.ValidString(email) || strings.ContainsFunc(email, unicode.IsControl) {
			return nil, "", unauth
		}
	default:
		return nil, "", unauth
	}
	if token == "" || len(token) > 512 {
		return nil, "", unauth
	}
	if email == "" && oauth.IsAccessToken(token) && s.OAuth != nil {
		p, err := s.OAuth.Authenticate(ctx, token, r.Header.Get("X-On-Behalf-Of"))
		if err != nil {
			return nil, "", err
		}
		return p, "u" + itoa(p.UserID), nil
	}
	p, err := s.People.AuthenticateToken(ctx, email, token, ip)
	if err != nil {
		return nil, "", err
	}
	if p.Via == "" {
		p.Via = "api"
	}
	return p, "u" + itoa(p.UserID), nil
}

// handle registers h for a pattern ("GET /api/v2/x/{id}") behind
// authentication, and records the pattern (see Routes).
func (s *Server) handle(mux *http.ServeMux, pattern string, h handlerFunc) {
	s.routes = append(s.routes, pattern)
	mux.Handle(pattern, s.auth(pattern, h))
}

// Routes returns the patterns Register mounted, in registration order.
func (s *Server) Routes() []string { return slices.Clone(s.routes) }

// NewLimiter builds an in-process per-token API limiter from requests per
// minute (one instance; see ratelimit.For for the choice by store).
func NewLimiter(perMinute int) ratelimit.Limiter { return ratelimit.NewMemory(perMinute, time.Now) }

// NewAuthThrottle allows 20 failed authentications per IP in 5 minutes.
func NewAuthThrottle() *httpx.FailThrottle { return httpx.NewFailThrottle(20, 5*time.Minute, time.Now) }
