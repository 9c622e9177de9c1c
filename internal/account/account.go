// Package account handles web sign-in for people with a password: sessions,
// password reset, customer self-sign-up and email verification.
//
// Secrets handed out here (session cookies, reset and verification links)
// are 256-bit random tokens from auth.NewToken; only their hashes are stored,
// so a copy of the database does not let anyone sign in.
//
// Rules worth knowing:
//
//   - Every sign-in failure (unknown email, wrong or no password, suspended
//     or deleted user, sign-up not yet verified, account locked or backing
//     off) is the same EUNAUTHORIZED "Invalid email or password", and takes
//     about as long. The one exception reveals nothing about accounts: a
//     client IP with too many failures gets ErrThrottled (ETOOMANY).
//   - Failed sign-ins are throttled per account (counters in the database,
//     so they hold across restarts and instances: exponential back-off after
//     BackoffAfter failures, a lock after MaxFailures, doubling, with one
//     KindAccountLocked email per lock, and a KindAccountLockedOwner
//     notice to the account owner) and per IP (in memory). Addresses
//     nobody owns are counted like accounts, so throttling reveals nothing
//     either. See throttle.go. The account lock and the per-IP block apply
//     to unfamiliar devices only: a browser that signed in before (device
//     token, devices.go) has its own counters, so a lock is no weapon to
//     keep a user out.
//   - The session id changes at every privilege change (Rotate): callers
//     rotate after the second factor, at re-authentication and at a
//     password change.
//   - Users and their identities are written by package people only
//     (SetPasswordTx, MarkEmailVerifiedTx, …); account decides when.
//   - Emails go through the outbox, which seals them: no admin can read a
//     link sent to someone else.
//   - New passwords (sign-up, reset) must meet the password policy of the
//     user's role (package password), and are recorded in the history.
//   - A user who signed up themselves (SignUp) cannot sign in until they have
//     verified their email address: an unverified user with a pending
//     verification link is refused. Users created by agents, admins or the
//     API have no pending verification, so the rule does not touch them (an
//     admin who sets a password for someone vouches for them). An admin
//     marking the user verified, or a completed password reset (which proves
//     the address works), also lifts the block.
//   - Sessions expire when idle longer than the idle limit, and in any case
//     once older than the absolute limit; both limits depend on the user's
//     current role (staff: 30 minutes / 12 hours, end-users: 2 hours / 30
//     days by default), so a promoted customer gets the staff limits at once.
//   - Requests that must not reveal whether an address is registered
//     (RequestPasswordReset, SignUp) give the same answer either way and
//     differ only in which email, if any, they queue.
//   - Emails never quote text a stranger typed (such as a sign-up name), so
//     sign-up forms cannot be used to send spam or phishing text to others.
//   - baseURL arguments must come from configuration (the site's public
//     URL), never from the request's Host header, or an attacker could
//     have reset links point at their own site.
package account

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/password"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Config holds the session lifetimes. Zero fields take the defaults.
type Config struct {
	StaffIdle, StaffAbsolute time.Duration // agents and admins
	UserIdle, UserAbsolute   time.Duration // end-users
}

// DefaultConfig is what New uses.
var DefaultConfig = Config{
	StaffIdle:     30 * time.Minute,
	StaffAbsolute: 12 * time.Hour,
	UserIdle:      2 * time.Hour,
	UserAbsolute:  30 * 24 * time.Hour,
}

// Lifetimes and limits of the other secrets.
const (
	// TouchInterval is how often Authenticate records that a session is in
	// use (and so how precisely idle time is measured).
	TouchInterval = time.Minute
	// ResetTTL is how long a password-reset link works.
	ResetTTL = time.Hour
	// VerifyTTL is how long an email-verification link works.
	VerifyTTL = 24 * time.Hour
	// MaxResetsPerHour caps reset emails per user per hour (beyond it,
	// requests are silently ignored, so nobody can flood a mailbox).
	MaxResetsPerHour = 3
	// MaxNoticesPerHour caps "someone tried to sign up" emails per address.
	MaxNoticesPerHour = 3
	// MinPasswordLength and MaxPasswordLength are the bounds (in
	// characters) of the Recommended password policy; the policy of the
	// user's role (package password) decides.
	MinPasswordLength = password.RecommendedMinLength
	MaxPasswordLength = password.MaxLength
)

// Email kinds queued in the outbox.
const (
	KindPasswordReset     = "password_reset"
	KindVerifyEmail       = "verify_email"
	KindAlreadyRegistered = "already_registered"
	KindAccountLocked     = "account_locked"
	// KindAccountLockedOwner tells the account owner that another user's
	// account was locked.
	KindAccountLockedOwner = "account_locked_owner"
)

// Service is the account service.
type Service struct {
	DB     *store.DB
	People *people.Service
	Outbox *outbox.Outbox
	Config Config
	// Passwords checks new passwords against the policies and records
	// them; New makes one that shares Now.
	Passwords *password.Service
	// BaseURL is the site's public URL from configuration, quoted in emails
	// that are not the answer to a request carrying one (account_locked).
	// Optional.
	BaseURL string
	// Now is the clock for every expiry and throttling decision; tests
	// replace it.
	Now func() time.Time

	thrOnce sync.Once
	thr     *ipThrottles

	// auditOnce bounds audit entries of throttled attempts (audit.go).
	auditOnceInit sync.Once
	auditOnce     *auditOnce

	// Settings is the process's settings service (nil: uncached reads).
	Settings *settings.Service
	// The last session lifetimes read (limits.go), for a failed read.
	limMu  sync.Mutex
	limCfg Config
	limOK  bool
}

// New returns a Service with DefaultConfig and the wall clock.
func New(db *store.DB, ppl *people.Service, ob *outbox.Outbox) *Service {
	s := &Service{DB: db, People: ppl, Outbox: ob, Config: DefaultConfig, Now: time.Now}
	s.Passwords = &password.Service{DB: db, Now: s.now}
	if ppl != nil {
		// This package owns the sessions table: people ends a user's
		// sessions (role change, suspension, deletion) through it.
		ppl.EndSessionsTx = EndUserSessionsTx
		// ... and erases the rest of what it keeps about a user who is
		// permanently deleted.
		ppl.EraseAccountTx = EraseUserTx
	}
	if db != nil && ob != nil {
		// The security contact hears of security-relevant entries
		// (notices.go), whichever service records them.
		audit.Observe(db, "account.security_notices", s.observeSecurityEntry)
	}
	return s
}

// passwords returns s.Passwords, or one over s.DB sharing s's clock.
func (s *Service) passwords() *password.Service {
	if s.Passwords != nil {
		return s.Passwords
	}
	return &password.Service{DB: s.DB, Now: s.now}
}

// Session is one signed-in browser. The token itself is never kept.
type Session struct {
	ID         int64
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry (the idle limit may end it sooner)
	IP         string    // the address it was last seen from
	UserAgent  string
	// Flags are the session's security state, read with it by Authenticate
	// (zero for sessions listed by Sessions).
	Flags SessionFlags
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// limits returns the idle and absolute session lifetimes for role.
func (s *Service) limits(ctx context.Context, role desk.Role) (idle, absolute time.Duration) {
	c := s.SessionLimits(ctx)
	if role.Staff() {
		return c.StaffIdle, c.StaffAbsolute
	}
	return c.UserIdle, c.UserAbsolute
}

func or(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

// invalidCredentials is the one answer to every failed sign-in.
func invalidCredentials() *desk.Error {
	return &desk.Error{Code: desk.EUNAUTHORIZED, Message: "Invalid email or password"}
}

// unauthenticated is the answer to a missing, unknown or expired session.
func unauthenticated() *desk.Error {
	return &desk.Error{Code: desk.EUNAUTHORIZED, Message: "Couldn't authenticate you"}
}

func invalidToken() *desk.Error { return desk.Invalid("token", "is invalid or has expired") }

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// plausibleToken rejects values that cannot be one of our tokens before
// they reach the database.
func plausibleToken(t string) bool { return t != "" && len(t) <= 256 }

// checkName validates a display name.
func checkName(v *desk.Validation, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		v.Add("name", "can't be blank")
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		v.Add("name", "contains invalid characters")
	case utf8.RuneCountInString(name) > 255:
		v.Add("name", "is too long (maximum is 255 characters)")
	}
	return name
}

var localeRE = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func checkLocale(v *desk.Validation, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "en-US"
	}
	if len(s) > 35 || !localeRE.MatchString(s) {
		v.Add("locale", "is not a valid locale")
	}
	return s
}

// cleanBase checks that baseURL is an absolute http(s) URL and drops any
// trailing slash, so links read baseURL + "/path".
func cleanBase(baseURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" ||
		strings.ContainsAny(baseURL, "\r\n\t <>\"'") {
		return "", errors.New("account: base URL must be an absolute http(s) URL without query")
	}
	return strings.TrimRight(strings.TrimSpace(baseURL), "/"), nil
}

// cleanMeta makes a client-supplied string (IP, user agent) safe to store
// and show: valid UTF-8, single line, at most n bytes.
func cleanMeta(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// micros converts a time to the stores' representation.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// requireSelfOrAdmin allows p to act on userID's account.
func requireSelfOrAdmin(ctx context.Context, userID int64) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if p.IsAdmin() || (!p.System && p.UserID == userID && userID != 0) {
		return p, nil
	}
	return nil, desk.Forbidden("You can only manage your own sessions")
}
