package account

// Audit entries for sign-in and sessions (issue P9): every sign-in attempt
// (success, failure, throttled), sign-out, sessions ended, password changes
// and resets. A success and a change are written in their transaction; a
// failed attempt changes nothing, so it gets a transaction of its own.
// Throttled attempts are written at most once per address and account a
// minute, so a flood of refused requests cannot flood the log.

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Audit actions of the account service.
const (
	AuditSignIn           = "session.signed_in"
	AuditSignInFailed     = "session.sign_in_failed"
	AuditSignInThrottled  = "session.sign_in_throttled"
	AuditSignOut          = "session.signed_out"
	AuditSessionRevoked   = "session.revoked"
	AuditSessionsRevoked  = "session.revoked_all"
	AuditPasswordChanged  = "user.password_changed"
	AuditPasswordReset    = "user.password_reset"
	auditThrottledEvery   = time.Minute
	maxAuditedEmailLength = 254
)

// auditCtx is ctx with the client and, when known, the user as the actor
// (a sign-in acts as the user signing in).
func auditCtx(ctx context.Context, userID int64, role desk.Role, ip, userAgent string) context.Context {
	if userID != 0 {
		ctx = desk.WithPrincipal(ctx, &desk.Principal{UserID: userID, Role: role, Via: "web"})
	} else {
		ctx = desk.WithPrincipal(ctx, nil)
	}
	return audit.WithClient(ctx, ip, userAgent)
}

// attempted is the address a failed sign-in named, bounded.
func attempted(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > maxAuditedEmailLength {
		email = email[:maxAuditedEmailLength]
	}
	return email
}

// auditFailedSignIn records a refused sign-in: the account it named (0 when
// no such user) and why, in the log's own transaction.
func (s *Service) auditFailedSignIn(ctx context.Context, action string, userID int64, email, ip, userAgent, reason string) error {
	if action == AuditSignInThrottled && !s.throttledAudits().admit(ip+"\x00"+attempted(email), s.now()) {
		return nil
	}
	actx := auditCtx(ctx, 0, "", ip, userAgent)
	return s.DB.InTx(actx, func(tx *store.Tx) error {
		return audit.RecordTx(actx, tx, audit.Entry{Action: action, TargetType: "user", TargetID: userID,
			Data: map[string]any{"email": attempted(email), "reason": reason}})
	})
}

// auditOnce admits one entry per key per auditThrottledEvery.
type auditOnce struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (a *auditOnce) admit(key string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen == nil {
		a.seen = map[string]time.Time{}
	}
	if t, ok := a.seen[key]; ok && now.Sub(t) < auditThrottledEvery {
		return false
	}
	if len(a.seen) > 10000 { // forget everything rather than grow without bound
		a.seen = map[string]time.Time{}
	}
	a.seen[key] = now
	return true
}

func (s *Service) throttledAudits() *auditOnce {
	s.auditOnceInit.Do(func() { s.auditOnce = &auditOnce{} })
	return s.auditOnce
}
