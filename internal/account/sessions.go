package account

import (
	"context"
	"github.com/frontdesk/frontdesk/internal/audit"
	"time"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Bounds on what a client may make us store with a session.
const (
	maxIP        = 64
	maxUserAgent = 512
	// maxSignInPassword bounds the work a sign-in attempt can cause;
	// longer inputs fail like any wrong password.
	maxSignInPassword = 4096
)

// SignIn checks email and password and starts a session, for a browser
// without a device token; see SignInDevice.
func (s *Service) SignIn(ctx context.Context, email, password, ip, userAgent string) (string, *desk.Principal, error) {
	res, err := s.SignInDevice(ctx, email, password, ip, userAgent, "")
	if err != nil {
		return "", nil, err
	}
	return res.Token, res.Principal, nil
}

// SignInResult is what a successful sign-in hands the browser.
type SignInResult struct {
	// Token is the session cookie (256 random bits; only its hash is
	// stored).
	Token string
	// Device is the device cookie: the token presented, renewed, or a new
	// one when none (or no live one of this user) was presented.
	Device    string
	Principal *desk.Principal
}

// SignInDevice checks email and password and starts a session. device is
// the browser's device token from an earlier successful sign-in ("" for
// none): a live one of this user gets its own attempt counter, untouched
// by the account's lock and by a per-IP block (see devices.go). Every
// failure — unknown email, wrong password, no password set, suspended or
// deleted user, sign-up not yet verified, account locked or backing off
// after failed attempts (see throttle.go) — is the same EUNAUTHORIZED
// "Invalid email or password". Only an IP with too many failures gets
// another answer, ErrThrottled (ETOOMANY), before any password is checked.
// Each sign-in gets a new token, so a token planted before sign-in
// (session fixation) is worthless.
func (s *Service) SignInDevice(ctx context.Context, email, password, ip, userAgent, device string) (*SignInResult, error) {
	ip, userAgent = cleanMeta(ip, maxIP), cleanMeta(userAgent, maxUserAgent)
	perIP := s.throttles().signIn
	ipBlocked := false
	if ip != "" {
		ipBlocked, _ = perIP.Blocked(ip)
	}
	// refuse records a refused attempt in the audit log and answers err.
	refuse := func(action string, userID int64, reason string, err error) (*SignInResult, error) {
		if aerr := s.auditFailedSignIn(ctx, action, userID, email, ip, userAgent, reason); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if ipBlocked && device == "" {
		return refuse(AuditSignInThrottled, 0, "ip_blocked", throttled())
	}
	failed := func(userID int64, reason string) (*SignInResult, error) {
		if ip != "" {
			perIP.Fail(ip)
		}
		return refuse(AuditSignInFailed, userID, reason, invalidCredentials())
	}
	if len(password) > maxSignInPassword || len(email) > 1024 || len(device) > 256 {
		if ipBlocked {
			return refuse(AuditSignInThrottled, 0, "ip_blocked", throttled())
		}
		return failed(0, "malformed")
	}
	subject, userID, err := s.loginSubject(ctx, email)
	if err != nil {
		return nil, err
	}
	devHash, known, err := s.knownDevice(ctx, device, userID)
	if err != nil {
		return nil, err
	}
	if ipBlocked && !known {
		return refuse(AuditSignInThrottled, userID, "ip_blocked", throttled())
	}
	// A known device is counted on its own; everyone else on the account.
	mailTo := userID
	if known {
		subject, mailTo = deviceSubject(devHash), 0
	}
	if subject != "" {
		ok, err := s.admit(ctx, subject)
		if err != nil {
			return nil, err
		}
		if !ok {
			auth.DummyCheck(password) // as long as a real check, and no check at all
			if ip != "" {
				perIP.Fail(ip)
			}
			return refuse(AuditSignInThrottled, userID, "account_locked", invalidCredentials())
		}
	}
	u, err := s.People.CheckPassword(ctx, email, password)
	if err != nil {
		if desk.ErrorCode(err) == desk.EUNAUTHORIZED {
			if subject != "" {
				if err := s.noteFailure(ctx, subject, mailTo); err != nil {
					return nil, err
				}
			}
			return failed(userID, "bad_credentials")
		}
		return nil, err
	}
	if !u.Verified {
		// Checked after the password so that the answer and its timing are
		// those of a wrong password.
		pending, err := pendingSignUp(ctx, s.DB, u.ID)
		if err != nil {
			return nil, err
		}
		if pending {
			// The right password all the same: not a guess to count.
			if err := s.DB.InTx(ctx, func(tx *store.Tx) error { return clearFailuresTx(ctx, tx, subject) }); err != nil {
				return nil, err
			}
			return refuse(AuditSignInFailed, u.ID, "unverified", invalidCredentials())
		}
	}
	if ip != "" {
		perIP.Success(ip)
	}
	token, hash := auth.NewToken()
	now := s.now()
	idle, absolute := s.limits(ctx, u.Role)
	var devToken string
	devSubject := ""
	if known {
		devSubject = deviceSubject(devHash)
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		// Suspicious sign-in alerts (alerts.go), before the failure
		// counters are cleared and the new session is stored.
		if err := s.checkSignInTx(ctx, tx, signInCheck{userID: u.ID, role: u.Role, known: known, subject: subject,
			devSubject: devSubject, ip: ip, ua: userAgent, idle: idle, now: now}); err != nil {
			return err
		}
		if err := clearFailuresTx(ctx, tx, subject); err != nil {
			return err
		}
		// Tidy this user's dead sessions while we are here.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND (expires_at < ? OR last_seen_at < ?)`,
			u.ID, micros(now), micros(now.Add(-idle))); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, u.ID, hash, micros(now), micros(now), micros(now.Add(absolute)), ip, userAgent); err != nil {
			return err
		}
		var err error
		if devToken, err = s.rememberDeviceTx(ctx, tx, u.ID, device, devHash); err != nil {
			return err
		}
		actx := auditCtx(ctx, u.ID, u.Role, ip, userAgent)
		return audit.RecordTx(actx, tx, audit.Entry{Action: AuditSignIn, TargetType: "user", TargetID: u.ID,
			Data: map[string]any{"known_device": known}})
	})
	if err != nil {
		return nil, wrapErr("sign in", err)
	}
	// The principal carries the permissions of the user's role (the same
	// helper builds API principals).
	p, err := people.PrincipalFor(ctx, s.DB, u.ID)
	if err != nil {
		return nil, err
	}
	p.Via = "web"
	return &SignInResult{Token: token, Device: devToken, Principal: p}, nil
}

// pendingSignUp reports whether userID signed up and has not verified yet.
func pendingSignUp(ctx context.Context, q store.Querier, userID int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM email_verifications WHERE user_id = ? AND used_at = ?`, userID, 0).Scan(&n)
	return n > 0, err
}

// Authenticate resolves a session token to its principal (Via "web") with
// one indexed lookup. It fails with EUNAUTHORIZED when the token is unknown,
// the session has been idle longer than the idle limit or is older than the
// absolute limit (limits by the user's current role), or the user is
// suspended or deleted; such sessions are deleted. It records last_seen_at
// and the client IP at most once per TouchInterval.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (*desk.Principal, *Session, error) {
	if !plausibleToken(token) {
		return nil, nil, unauthenticated()
	}
	var (
		sess                        Session
		created, seen, ex, reauthAt int64
		role                        string
		active, suspended           bool
	)
	// The session's flags come in the same read (one query per request,
	// a lookup: see store.DB.Lookup).
	err := s.DB.Lookup(ctx, `SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent,
		u.role, u.active, u.suspended, COALESCE(f.mfa_pending, FALSE), COALESCE(f.reauth_at, 0)
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN session_flags f ON f.token_hash = s.token_hash
		WHERE s.token_hash = ?`, auth.HashToken(token)).
		Scan(&sess.ID, &sess.UserID, &created, &seen, &ex, &sess.IP, &sess.UserAgent, &role, &active, &suspended,
			&sess.Flags.MFAPending, &reauthAt)
	if isNoRows(err) {
		return nil, nil, unauthenticated()
	}
	if err != nil {
		return nil, nil, err
	}
	now := micros(s.now())
	if !s.live(ctx, desk.Role(role), now, created, seen, ex) || !active || suspended {
		// Best effort: a failure here must not turn a 401 into a 500.
		_, _ = s.DB.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, sess.ID)
		return nil, nil, unauthenticated()
	}
	if now-seen >= TouchInterval.Microseconds() {
		if ip = cleanMeta(ip, maxIP); ip == "" {
			ip = sess.IP // an unknown address does not erase the last known one
		}
		// Conditional, so concurrent requests write once; failing to record
		// activity must not fail the request.
		if _, err := s.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = ?, ip = ? WHERE id = ? AND last_seen_at = ?`,
			now, ip, sess.ID, seen); err == nil {
			seen, sess.IP = now, ip
		}
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(ex)
	if reauthAt != 0 {
		sess.Flags.ReauthAt = fromMicros(reauthAt)
	}
	p, err := people.PrincipalFor(ctx, s.DB, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	p.Via = "web"
	return p, &sess, nil
}

// live reports whether a session is still valid at now (all microseconds).
func (s *Service) live(ctx context.Context, role desk.Role, now, created, seen, expires int64) bool {
	idle, absolute := s.limits(ctx, role)
	return within(idle, absolute, now, created, seen, expires)
}

// within says whether a session is live under the given limits.
func within(idle, absolute time.Duration, now, created, seen, expires int64) bool {
	return now <= expires && now-created <= absolute.Microseconds() && now-seen <= idle.Microseconds()
}

// SignOut ends the session token belongs to. Unknown tokens are not an
// error: signing out twice is fine.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if !plausibleToken(token) {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		var id, userID int64
		err := tx.QueryRow(ctx, `DELETE FROM sessions WHERE token_hash = ? RETURNING id, user_id`, auth.HashToken(token)).Scan(&id, &userID)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		actx := ctx
		if desk.PrincipalFrom(ctx) == nil {
			actx = desk.WithPrincipal(ctx, &desk.Principal{UserID: userID, Via: "web"})
		}
		return audit.RecordTx(actx, tx, audit.Entry{Action: AuditSignOut, TargetType: "user", TargetID: userID, Data: map[string]any{"session_id": id}})
	})
}

// Sessions lists userID's live sessions, most recently used first. Users
// see their own; admins anyone's.
func (s *Service) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	if _, err := requireSelfOrAdmin(ctx, userID); err != nil {
		return nil, err
	}
	role, _, _, err := people.UserRoleTx(ctx, s.DB, userID)
	if err != nil {
		return nil, err
	}
	// The limits are read before the rows: a read while the rows hold
	// their connection would need a second one, and as many concurrent
	// calls as the pool has connections would wait for each other forever.
	idle, absolute := s.limits(ctx, role)
	rows, err := s.DB.Query(ctx, `SELECT id, user_id, created_at, last_seen_at, expires_at, ip, user_agent
		FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC, id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := micros(s.now())
	out := []Session{}
	for rows.Next() {
		var (
			sess              Session
			created, seen, ex int64
		)
		if err := rows.Scan(&sess.ID, &sess.UserID, &created, &seen, &ex, &sess.IP, &sess.UserAgent); err != nil {
			return nil, err
		}
		if !within(idle, absolute, now, created, seen, ex) {
			continue
		}
		sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(ex)
		out = append(out, sess)
	}
	return out, rows.Err()
}

// RevokeSession ends one session: the caller's own, or anyone's for admins.
// Other people's sessions are NotFound, like ones that do not exist.
func (s *Service) RevokeSession(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	var owner int64
	err = s.DB.QueryRow(ctx, `SELECT user_id FROM sessions WHERE id = ?`, id).Scan(&owner)
	if isNoRows(err) {
		return desk.NotFound()
	}
	if err != nil {
		return err
	}
	if !p.IsAdmin() && (p.System || p.UserID != owner) {
		return desk.NotFound()
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return revokedTx(ctx, tx, owner, id) })
}

// revokedTx ends session id of userID and records it.
func revokedTx(ctx context.Context, tx *store.Tx, userID, id int64) error {
	res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return err
		}
		return desk.NotFound()
	}
	return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditSessionRevoked, TargetType: "user", TargetID: userID, Data: map[string]any{"session_id": id}})
}

// RevokeAll ends every session of userID (the caller's own, or anyone's for
// admins), including the one the caller may be using.
func (s *Service) RevokeAll(ctx context.Context, userID int64) error {
	if _, err := requireSelfOrAdmin(ctx, userID); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := EndUserSessionsTx(ctx, tx, userID); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditSessionsRevoked, TargetType: "user", TargetID: userID})
	})
}

// PurgeExpired deletes dead sessions, old reset and verification records
// and sign-in failure counters that no longer matter (unlocked and quiet
// for LockMemory); run it now and then (a daily job is plenty). It keeps unused
// verifications of unverified users: they are what keeps an unverified
// sign-up from signing in.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	now := s.now()
	maxIdle := max(s.cfgIdle(ctx, desk.RoleAgent), s.cfgIdle(ctx, desk.RoleEndUser))
	day := micros(now.Add(-24 * time.Hour))
	var total int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		total = 0
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, []any{micros(now), micros(now.Add(-maxIdle))}},
			{`DELETE FROM password_resets WHERE expires_at < ?`, []any{day}},
			{`DELETE FROM email_verifications WHERE (used_at <> ? AND used_at < ?)
				OR (expires_at < ? AND user_id IN (SELECT id FROM users WHERE verified = ?))`, []any{0, day, day, true}},
			// Sign-in counters outlive neither their lock nor LockMemory.
			{`DELETE FROM login_failures WHERE locked_until < ? AND updated_at < ?`,
				[]any{micros(now), micros(now.Add(-LockMemory - FailureWindow))}},
			{`DELETE FROM known_devices WHERE expires_at < ?`, []any{micros(now)}},
			// Sign-in alerts are kept AlertRetention (alerts.go).
			{`DELETE FROM security_alerts WHERE created_at < ?`, []any{micros(now.Add(-AlertRetention))}},
		} {
			res, err := tx.Exec(ctx, q.sql, q.args...)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	return total, err
}

func (s *Service) cfgIdle(ctx context.Context, role desk.Role) time.Duration {
	idle, _ := s.limits(ctx, role)
	return idle
}

// EndUserSessionsTx ends every web session of userID inside tx (their flags
// go with them). people calls it when a user's role changes, or the user is
// suspended or deleted.
func EndUserSessionsTx(ctx context.Context, tx *store.Tx, userID int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// EraseUserTx deletes what this package keeps about userID beyond sessions,
// inside tx: pending (and used) password-reset and email-verification
// records, remembered devices and the sign-in failure counter. people calls
// it (PurgeUser, installed by New) when the user is permanently deleted.
func EraseUserTx(ctx context.Context, tx *store.Tx, userID int64) error {
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM password_resets WHERE user_id = ?`, []any{userID}},
		{`DELETE FROM email_verifications WHERE user_id = ?`, []any{userID}},
		{`DELETE FROM known_devices WHERE user_id = ?`, []any{userID}},
		{`DELETE FROM login_failures WHERE subject = ?`, []any{userSubject(userID)}},
		{`DELETE FROM signin_networks WHERE user_id = ?`, []any{userID}},
		{`DELETE FROM security_alerts WHERE user_id = ?`, []any{userID}},
	} {
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return err
		}
	}
	return nil
}
