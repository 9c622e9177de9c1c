// Package web is Frontdesk's browser UI: the agent workspace under /agent,
// the customer portal at / and /requests, and the pages they share (sign-in,
// sign-up, password reset, attachments).
//
// Pages are server-rendered with html/template from embedded files; a small
// hand-written script (static/app.js) adds live updates over Server-Sent
// Events, collision detection and keyboard shortcuts. Nothing is loaded from
// other origins and no inline script or style is used, so every page can be
// served with a strict Content-Security-Policy.
//
// Every page reads and writes through the same services as the REST API,
// with the signed-in user's principal in the context: authorization lives
// there, so a customer's page cannot show what the API would not give that
// customer. State changes are POST only and pass two CSRF checks: Go's
// http.CrossOriginProtection (Sec-Fetch-Site / Origin) and a per-session
// synchronizer token in every form.
package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"github.com/frontdesk/frontdesk/internal/answerbot"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/notify"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/password"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/privacy"
	"github.com/frontdesk/frontdesk/internal/realtime"
	"github.com/frontdesk/frontdesk/internal/retention"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/twofactor"
	"github.com/frontdesk/frontdesk/internal/views"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed i18n/*.json
var overlayFS embed.FS

// CSP is the Content-Security-Policy of every page: scripts and styles only
// from our own origin (no inline code, no eval), no plugins, no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// Deps is what the web UI needs from the rest of Frontdesk.
type Deps struct {
	DB      *store.DB
	Tickets *ticket.Service
	People  *people.Service
	Search  *search.Service
	Account *account.Service
	Outbox  *outbox.Outbox
	// Mailboxes are the support addresses (admin pages); nil hides them.
	Mailboxes *mailbox.Service
	// Rules are triggers and automations (nil hides their pages).
	Rules *rules.Service
	// EmailTemplates are the admins' notification templates (nil hides
	// their page).
	EmailTemplates *notify.Templates
	// Inbound holds the suspended mail queue (agent page); IMAP the
	// fetching health shown on the support-address page. nil hides them.
	Inbound *ingest.Service
	IMAP    *imapin.Poller
	// SLA serves business hours and SLA policies (admin pages) and the
	// ticket page's SLA badges; nil hides them.
	SLA *sla.Service
	// Webhooks are the outbound webhooks (admin pages); nil hides them.
	Webhooks *webhook.Service
	// Retention holds the data retention policies (admin page); nil hides
	// it.
	Retention *retention.Service
	// Privacy makes data-subject exports (the agent user page's "Export
	// data"); nil hides it.
	Privacy *privacy.Service
	// Community serves the forums under /hc/{locale}/community and the
	// moderation page (nil: not served).
	Community *community.Service
	// TwoFactor and Passwords enable the account-security pages, two-step
	// sign-in and password expiry; nil leaves those features off.
	TwoFactor *twofactor.Service
	Passwords *password.Service
	Events    *events.Bus
	Locale    *locale.Bundle // nil means locale.Default()
	Logger    *slog.Logger

	// MaxUpload bounds one attachment (bytes); a form may carry a few.
	MaxUpload int64
	// PublicURL is the site's address for links in emails (reset and
	// verification links), as httpx.ParsePublicURL accepts it. Without
	// it, links are built only for requests from this machine to a
	// loopback host (httpx.PublicBase); elsewhere those emails cannot be
	// sent, because the Host header is the client's to choose.
	PublicURL string
	// IPs knows the trusted proxies: it resolves the client address for
	// rate limits and sessions, and says when X-Forwarded-Proto: https
	// counts as HTTPS (the Secure cookie decision).
	IPs httpx.IPResolver
	// WebFormPerMinute limits anonymous web-form submissions per IP
	// (0 or negative: no limit; server.Defaults has the default).
	WebFormPerMinute int
	// Context bounds the real-time hub: when it ends, every open event
	// stream ends too, so a graceful shutdown is not held up by them.
	Context context.Context
	// Now is the clock for relative times (nil means time.Now).
	Now func() time.Time

	// Settings is the process's settings service (nil: uncached reads).
	Settings *settings.Service
	// OAuth serves the OAuth consent page (nil: no such page).
	OAuth *oauth.Service
	// Assign serves the agents' availability control; CSAT the customers'
	// rating page (p8-assign). nil hides them.
	Assign *assign.Service
	CSAT   *csat.Service
	// Views and Macros serve the configured views in the workspace, the
	// macro picker on the ticket page and their management pages (nil:
	// none of these).
	Views  *views.Service
	Macros *macros.Service
	// HelpCenter serves the knowledge base at /hc and the agents' editing
	// pages (p10-hc); nil: no help center.
	HelpCenter *helpcenter.Service
	// AnswerBot serves the "this answered my question" links of its email
	// suggestions (p11-bot); nil: none.
	AnswerBot *answerbot.Service
	// Chat and ChatHub serve the agents' chat console and the widget-key
	// admin page (p11-chat); nil: none.
	Chat    *chat.Service
	ChatHub *chat.Hub
}

// Server serves the web UI. Build it with New and mount it with Register.
type Server struct {
	d        Deps
	log      *slog.Logger
	bundle   *locale.Bundle
	overlay  overlay
	pages    map[string]*pageTemplate
	hub      *realtime.Hub
	cop      *http.CrossOriginProtection
	formRate *httpx.Limiter
	// reauthRate bounds password checks by signed-in users (re-authentication,
	// password change), per user.
	reauthRate *httpx.Limiter
	// hcVoteRate bounds anonymous help-center votes and "this answered my
	// question" per IP.
	hcVoteRate *httpx.Limiter
	key        []byte
	now        func() time.Time
	static     http.Handler

	// hcPages caches signed-out visitors' help-center pages (hccache.go);
	// nil where it may not run.
	hcPages *hcCache

	// refusals records emails that could not get a link (links.go).
	refusals linkRefusals

	// rendered records template names as they are executed (tests).
	renderedMu sync.Mutex
	rendered   map[string]bool
}

// New builds the web UI: it parses the embedded templates and catalogue
// overlays, loads (or creates) the CSRF key and starts the real-time hub.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.MaxUpload <= 0 { // the defaults live in server.Defaults
		return nil, errors.New("web: Deps.MaxUpload must be positive")
	}
	if d.Context == nil {
		d.Context = context.Background()
	}
	pub, err := httpx.ParsePublicURL(d.PublicURL)
	if err != nil {
		return nil, err
	}
	d.PublicURL = pub
	s := &Server{d: d, log: d.Logger, bundle: d.Locale, now: d.Now, rendered: map[string]bool{}}
	if s.bundle == nil {
		s.bundle = locale.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.overlay, err = loadOverlay(overlayFS); err != nil {
		return nil, err
	}
	if s.pages, err = embeddedPages(); err != nil {
		return nil, err
	}
	sub, _ := fs.Sub(staticFS, "static")
	s.static = http.StripPrefix("/static/", staticHandler(sub))
	s.cop = http.NewCrossOriginProtection()
	s.cop.SetDenyHandler(http.HandlerFunc(s.denyCrossOrigin))
	perMin := max(d.WebFormPerMinute, 0)
	s.formRate = httpx.NewLimiter(perMin, nil)
	s.reauthRate = httpx.NewLimiter(10, nil)
	s.hcVoteRate = httpx.NewLimiter(30, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The site key for CSRF tokens, created on first start; it lives in
	// the store so every process behind a load balancer agrees.
	if s.key, err = s.settingsSvc().SiteKey(ctx, d.DB); err != nil {
		return nil, err
	}
	s.hub = realtime.New(d.Events, d.Tickets, realtime.Options{Logger: d.Logger})
	go func() {
		<-d.Context.Done()
		s.hub.Close()
	}()
	return s, nil
}

// Close stops the real-time hub (ending open event streams).
func (s *Server) Close() { s.hub.Close() }

// Hub is the real-time hub (for tests and other adapters).
func (s *Server) Hub() *realtime.Hub { return s.hub }

// access levels of a route.
type access int

const (
	public   access = iota // anyone
	customer               // any signed-in user (portal pages)
	staff                  // agents and admins
	admin                  // admins
)

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Register mounts every page on mux.
func (s *Server) Register(mux *http.ServeMux) {
	h := func(pattern string, a access, f handlerFunc) { mux.Handle(pattern, s.wrap(a, f)) }
	// Routes whose forms carry files; the only ones that read multipart bodies.
	upload := func(pattern string, rt route, f handlerFunc) {
		rt.uploads = true
		mux.Handle(pattern, s.wrapRoute(rt, f))
	}
	mux.Handle("GET /static/", s.staticWithHeaders())

	// Customer portal.
	h("GET /{$}", public, s.portalHome)
	h("GET /requests/new", public, s.portalHome)
	upload("POST /requests/new", route{access: public, admit: s.admitWebForm}, s.portalSubmit)
	h("GET /requests/submitted", public, s.portalSubmitted)
	h("GET /requests", customer, s.portalRequests)
	h("GET /requests/{id}", customer, s.portalRequest)
	upload("POST /requests/{id}/reply", route{access: customer}, s.portalReply)
	h("POST /requests/{id}/solve", customer, s.portalSolve)
	h("GET /attachments/{id}", customer, s.attachment)

	// Accounts.
	h("GET /signin", public, s.signInPage)
	h("POST /signin", public, s.signIn)
	h("POST /signout", public, s.signOut)
	h("GET /signup", public, s.signUpPage)
	h("POST /signup", public, s.signUp)
	h("GET /verify", public, s.verifyPage)
	h("POST /verify", public, s.verify)
	h("GET /password/forgot", public, s.forgotPage)
	h("POST /password/forgot", public, s.forgot)
	h("GET /password/reset", public, s.resetPage)
	h("POST /password/reset", public, s.reset)
	h("POST /locale", public, s.setLocale)

	// Agent workspace.
	h("GET /agent/signin", public, s.agentSignInPage)
	h("POST /agent/signin", public, s.agentSignIn)
	h("GET /agent/setup", public, s.firstRunPage) // first run (p6-firstrun)
	h("POST /agent/setup", public, s.firstRun)
	h("GET /agent", staff, s.agentHome)
	h("GET /agent/{$}", staff, s.agentHome)
	h("GET /agent/views/{view}", staff, s.agentView)
	h("POST /agent/bulk", staff, s.agentBulk)
	h("GET /agent/events", staff, s.agentEvents)
	h("GET /agent/tickets/new", staff, s.agentNewTicketPage)
	h("GET /agent/suspended", staff, s.suspendedPage)
	h("POST /agent/suspended/{id}/recover", staff, s.suspendedRecover)
	h("POST /agent/suspended/{id}/delete", staff, s.suspendedReject)
	upload("POST /agent/tickets/new", route{access: staff}, s.agentNewTicket)
	h("GET /agent/tickets/{id}", staff, s.agentTicket)
	upload("POST /agent/tickets/{id}", route{access: staff}, s.agentUpdateTicket)
	h("GET /agent/tickets/{id}/presence", staff, s.agentPresencePartial)
	h("POST /agent/tickets/{id}/presence", staff, s.agentPresence)
	h("POST /agent/tickets/{id}/merge", staff, s.agentMerge)
	h("GET /agent/users/{id}", staff, s.agentUser)
	h("POST /agent/users/{id}/notes", staff, s.agentUserNotes)
	h("POST /agent/users/{id}/export", staff, s.agentUserExport)
	h("POST /agent/users/{id}/organizations", staff, s.agentUserAddOrg)
	h("POST /agent/users/{id}/organizations/{org}/default", staff, s.agentUserDefaultOrg)
	h("POST /agent/users/{id}/organizations/{org}/remove", staff, s.agentUserRemoveOrg)
	h("GET /agent/organizations/{id}", staff, s.agentOrg)
	h("POST /agent/organizations/{id}/notes", staff, s.agentOrgNotes)
	h("GET /agent/search", staff, s.agentSearch)

	// Administration.
	h("GET /agent/admin", admin, s.adminHome)
	h("GET /agent/admin/users", admin, s.adminUsers)
	h("POST /agent/admin/users", admin, s.adminCreateUser)
	h("GET /agent/admin/users/{id}", admin, s.adminUser)
	h("POST /agent/admin/users/{id}", admin, s.adminUpdateUser)
	h("GET /agent/admin/organizations", admin, s.adminOrgs)
	h("POST /agent/admin/organizations", admin, s.adminCreateOrg)
	h("GET /agent/admin/organizations/{id}", admin, s.adminOrg)
	h("POST /agent/admin/organizations/{id}", admin, s.adminUpdateOrg)
	h("GET /agent/admin/groups", admin, s.adminGroups)
	h("POST /agent/admin/groups", admin, s.adminCreateGroup)
	h("POST /agent/admin/groups/{id}/members", admin, s.adminAddMember)
	h("POST /agent/admin/memberships/{id}/delete", admin, s.adminRemoveMember)
	h("GET /agent/admin/fields", admin, s.adminFields)
	h("POST /agent/admin/fields", admin, s.adminSaveField)
	h("POST /agent/admin/fields/{id}", admin, s.adminSaveField)
	s.registerPersonFieldAdmin(h)
	h("GET /agent/admin/settings", admin, s.adminSettings)
	h("POST /agent/admin/settings", admin, s.adminSaveSettings)
	h("GET /agent/admin/outbox", admin, s.adminOutbox)
	h("POST /agent/admin/outbox/{id}/retry", admin, s.adminRetryOutbox)
	h("GET /agent/admin/mailboxes", admin, s.adminMailboxes)
	h("POST /agent/admin/mailboxes", admin, s.adminCreateMailbox)
	h("GET /agent/admin/mailboxes/{id}", admin, s.adminMailbox)
	h("POST /agent/admin/mailboxes/{id}", admin, s.adminUpdateMailbox)
	h("POST /agent/admin/mailboxes/{id}/delete", admin, s.adminDeleteMailbox)
	h("POST /agent/admin/mailboxes/{id}/check", admin, s.adminCheckMailbox)
	h("GET /agent/admin/email-templates", admin, s.adminEmailTemplates)
	h("GET /agent/admin/email-templates/{kind}/{locale}", admin, s.adminEmailTemplate)
	h("POST /agent/admin/email-templates/{kind}/{locale}", admin, s.adminSaveEmailTemplate)
	h("POST /agent/admin/email-templates/{kind}/{locale}/reset", admin, s.adminResetEmailTemplate)
	h("POST /agent/admin/mailboxes/{id}/enabled", admin, s.adminToggleMailbox)

	// Account security (two-step sign-in, sessions, password change).
	s.registerSecurity(h)
	// Roles, inactive users, API tokens, session lifetimes.
	s.registerAccess(h)
	// OAuth consent (p6-oauth).
	s.registerOAuth(h)
	// Ticket forms and field options.
	s.registerAdminForms(h)
	// The audit log (p9-audit).
	s.registerAudit(h)
	// Business hours and SLA policies (p8-sla).
	s.registerSLAAdmin(h)
	// Configured views and macros (p8-views).
	s.registerViewsMacros(h)
	s.registerRedaction(h)
	// Triggers and automations (p8-rules).
	s.registerAdminRules(h)
	s.registerTriggerDryRun(h)
	// Outbound webhooks (p8-webhooks).
	s.registerWebhookAdmin(h)
	// Agent availability and satisfaction ratings (p8-assign).
	s.registerAssignCSAT(h)
	// Suspicious sign-in alerts and "this wasn't me" (p9-alerts).
	s.registerAlerts(h)
	// Data retention policies (p9-retention).
	s.registerRetentionAdmin(h)
	// Shareable ticket links, off by default (p9-share).
	s.registerShare(h)
	// Community forums and their moderation (p10-community).
	s.registerCommunity(h)
	// The help center (p10-hc).
	s.registerHelpCenter(h)
	s.registerHelpCenterEditing(h)
	// The answer bot's email links (p11-bot).
	s.registerAnswerBot(h)
	s.registerAnswerBotAdmin(h)
	upload("POST /agent/hc/articles/{id}/attachments", route{access: staff}, s.agentHCUpload)
	// Live chat: the agents' console and the widget keys (p11-chat).
	s.registerChat(h)
	s.registerChatUploads(upload)

	// Anything else is an HTML 404 (the API answers under /api/v2/).
	h("/", public, func(w http.ResponseWriter, r *http.Request) error { return desk.NotFound() })
}

// route is how a page is mounted.
type route struct {
	access access
	// uploads marks the routes whose forms carry files: only they accept a
	// multipart/form-data body (see form.go). Everywhere else such a body
	// is refused with 415 unread, so a new route cannot spool an anonymous
	// upload to disk by accident.
	uploads bool
	// admit, when set, runs after the session, CSRF and access checks and
	// before the files of an upload are read: the anonymous web form's
	// per-IP rate limit, which so also bounds how often a visitor may send
	// an upload-sized body.
	admit func(w http.ResponseWriter, r *http.Request, rc *reqCtx) error
}

// wrap applies the page middleware: security headers, cross-origin
// protection, the session, the CSRF token check for POSTs, and access.
func (s *Server) wrap(a access, f handlerFunc) http.Handler {
	return s.wrapRoute(route{access: a}, f)
}

// wrapRoute is wrap for a route with body rules (uploads, admission).
func (s *Server) wrapRoute(rt route, f handlerFunc) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc, r := s.begin(w, r)
		// No temporary file outlives its request: whatever multipart form
		// ends up on this request (read by finish, or by a handler) is
		// removed when the handler returns. net/http removes only the form
		// of the original request, and r is a copy.
		defer func() {
			if r.MultipartForm != nil {
				_ = r.MultipartForm.RemoveAll()
			}
		}()
		var upload *pendingUpload
		if r.Method == http.MethodPost {
			var err error
			if upload, err = s.readFormHead(w, r, rc, rt); err != nil {
				s.fail(w, r, err)
				return
			}
			if !s.validToken(rc, r) {
				if rc.staleSession {
					s.fail(w, r, errSignIn) // the session ended: sign in again
					return
				}
				s.renderError(w, r, http.StatusForbidden, rc.T("errors.csrf"))
				return
			}
		} else {
			noBody(r)
		}
		// A session that has not finished signing in (second factor,
		// forced enrolment, expired password) goes there first.
		to, err := s.gate(r, rc)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if to != "" {
			if r.Method == http.MethodGet {
				to += "?return=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		if err := s.require(rt.access, rc); err != nil {
			s.fail(w, r, err)
			return
		}
		if rt.admit != nil && r.Method == http.MethodPost {
			if err := rt.admit(w, r, rc); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if upload != nil {
			if err := upload.finish(); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := f(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
	return securityHeaders(s.cop.Handler(inner))
}

// securityHeaders sets the page headers before anything runs, so that
// error pages (including the cross-origin rejection) carry them too.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) staticWithHeaders() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "public, max-age=300")
		s.static.ServeHTTP(w, r)
	})
}

func staticHandler(fsys fs.FS) http.Handler {
	fileServer := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		fileServer.ServeHTTP(w, r)
	})
}

func (s *Server) denyCrossOrigin(w http.ResponseWriter, r *http.Request) {
	rc, r := s.begin(w, r)
	s.renderError(w, r, http.StatusForbidden, rc.T("errors.csrf"))
}

// require enforces the route's access level.
func (s *Server) require(a access, rc *reqCtx) error {
	switch a {
	case customer:
		if rc.p == nil {
			return errSignIn
		}
	case staff:
		if rc.p == nil {
			return errSignIn
		}
		if !rc.p.IsStaff() {
			return desk.Forbidden("agents only")
		}
	case admin:
		if rc.p == nil {
			return errSignIn
		}
		if !rc.p.IsAdmin() {
			return desk.Forbidden("admins only")
		}
	}
	return nil
}

// errSignIn sends the visitor to the sign-in page of the area.
var errSignIn = errors.New("sign in required")

// csrfField is the name of the synchronizer token in forms; fetch calls send
// it as the X-CSRF-Token header instead.
const csrfField = "csrf_token"

// csrfToken derives the synchronizer token: an HMAC of the session token
// (signed in) or of the anonymous visitor cookie, under the site key. It is
// bound to one session, changes with each sign-in and needs no storage.
func (s *Server) csrfToken(kind, value string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("csrf\x00" + kind + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) validToken(rc *reqCtx, r *http.Request) bool {
	got := r.PostForm.Get(csrfField)
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	if got == "" || rc.csrf == "" {
		return false
	}
	return hmac.Equal([]byte(got), []byte(rc.csrf))
}

// randomToken returns 32 random bytes, base64url.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
