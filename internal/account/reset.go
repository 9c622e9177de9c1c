package account

import (
	"context"
	"database/sql"
	"github.com/frontdesk/frontdesk/internal/audit"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
)

// RequestPasswordReset emails a single-use reset link (baseURL +
// "/password/reset?token=…", valid for ResetTTL) to email if it belongs to
// an active, unsuspended user with a password. It returns nil whether or not
// it sent anything, so the answer reveals nothing about the address; only a
// bad baseURL (a configuration error) or a store failure is an error.
//
// The link goes to the address typed, which must be the user's primary
// email or one of their verified email identities. Beyond MaxResetsPerHour
// requests per user per hour, requests are silently ignored. Beyond
// MaxResetRequestsPerIP requests an hour from the client IP in ctx
// (WithClientIP), whatever the address, the answer is ErrThrottled.
func (s *Service) RequestPasswordReset(ctx context.Context, email, baseURL string) error {
	base, err := cleanBase(baseURL)
	if err != nil {
		return err
	}
	if err := limitIP(ctx, s.throttles().resets); err != nil {
		return err
	}
	e, err := people.NormalizeEmail(email)
	if err != nil {
		return nil
	}
	u, err := s.People.UserByEmail(ctx, e)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	token, hash := auth.NewToken()
	now := s.now()
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		ok, err := s.issueResetTx(ctx, tx, u.ID, e, hash, false)
		if err != nil || !ok {
			return err
		}
		return s.queueMail(ctx, tx, KindPasswordReset, e, mailData{Base: base, Link: base + "/password/reset?token=" + token}, now)
	})
}

// issueResetTx stores a reset token hash for userID, to be sent to email,
// unless the user may not have one: deleted or suspended users, users
// without a password (unless passwordless is set), addresses that are
// neither the primary email nor a verified identity, and users who already
// had MaxResetsPerHour resets in the last hour. It reports whether it
// stored one.
func (s *Service) issueResetTx(ctx context.Context, tx *store.Tx, userID int64, email, hash string, passwordless bool) (bool, error) {
	now := s.now()
	q := `SELECT password_hash, email, active, suspended FROM users WHERE id = ?`
	if tx.Dialect() == store.Postgres {
		q += ` FOR UPDATE` // serialise concurrent requests for one user, so the cap holds
	}
	var (
		pwHash, primary   sql.NullString
		active, suspended bool
	)
	if err := tx.QueryRow(ctx, q, userID).Scan(&pwHash, &primary, &active, &suspended); err != nil {
		if isNoRows(err) {
			return false, nil
		}
		return false, err
	}
	if !active || suspended || (pwHash.String == "" && !passwordless) {
		return false, nil
	}
	if email != primary.String {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM user_identities WHERE user_id = ? AND type = ? AND value = ? AND verified = ?`,
			userID, people.IdentityEmail, email, true).Scan(&n); err != nil || n == 0 {
			return false, err
		}
	}
	var recent int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM password_resets WHERE user_id = ? AND created_at > ?`,
		userID, micros(now.Add(-ResetTTL))).Scan(&recent); err != nil {
		return false, err
	}
	if recent >= MaxResetsPerHour {
		return false, nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO password_resets (user_id, email, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		userID, email, hash, micros(now), micros(now.Add(ResetTTL)))
	return err == nil, err
}

// ResetPassword sets a new password (one that meets the password policy of
// the user's role, see package password) for the user a valid, unexpired,
// unused reset token belongs to. It uses up that token and every other
// outstanding one of the user, ends ALL their sessions, lifts a sign-in
// lock, records the password in the history, and marks the address the
// link was sent to as verified (following the link proved it works). A
// bad, expired or used token is desk.Invalid("token", …); a password the
// policy refuses is desk.Invalid("password", …) (codes in
// FieldError.Error) and leaves the token usable.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error {
	if !plausibleToken(token) {
		return invalidToken()
	}
	hash := auth.HashToken(token)
	var (
		userID         int64
		sentTo         string
		primary        sql.NullString
		name, role     string
		active, susp   bool
		now            = s.now()
		nowUS          = micros(now)
		pwHash, verify string
	)
	err := s.DB.QueryRow(ctx, `SELECT r.user_id, r.email, u.email, u.name, u.role, u.active, u.suspended FROM password_resets r
		JOIN users u ON u.id = r.user_id WHERE r.token_hash = ? AND r.used_at = ? AND r.expires_at > ?`, hash, 0, nowUS).
		Scan(&userID, &sentTo, &primary, &name, &role, &active, &susp)
	if isNoRows(err) || (err == nil && (!active || susp)) {
		return invalidToken()
	}
	if err != nil {
		return err
	}
	// The user's stored name and addresses (sentTo among them) count too.
	if err := s.passwords().Check(ctx, s.DB, userID, name, primary.String, newPassword, desk.Role(role)); err != nil {
		return err
	}
	// Hash outside the transaction: argon2 is slow by design.
	if pwHash, err = auth.HashPassword(newPassword); err != nil {
		return err
	}
	verify = sentTo
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		// Claim the token atomically: of two concurrent resets one wins.
		var claimed int64
		err := tx.QueryRow(ctx, `UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at = ? AND expires_at > ?
			RETURNING user_id`, nowUS, hash, 0, nowUS).Scan(&claimed)
		if isNoRows(err) || (err == nil && claimed != userID) {
			return invalidToken()
		}
		if err != nil {
			return err
		}
		if err := s.People.SetPasswordTx(ctx, tx, userID, pwHash); err != nil {
			return err
		}
		// Following the link proved the address works.
		if _, err := people.MarkEmailVerifiedTx(ctx, tx, userID, verify); err != nil {
			return err
		}
		for _, st := range []struct {
			q    string
			args []any
		}{
			{`UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at = ?`, []any{nowUS, userID, 0}},
			{`UPDATE email_verifications SET used_at = ? WHERE user_id = ? AND email = ? AND used_at = ?`, []any{nowUS, userID, verify, 0}},
			// Proving control of the mailbox lifts a sign-in lock.
			{`DELETE FROM login_failures WHERE subject = ?`, []any{userSubject(userID)}},
		} {
			if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
				return err
			}
		}
		if err := EndUserSessionsTx(ctx, tx, userID); err != nil {
			return err
		}
		actx := ctx
		if desk.PrincipalFrom(ctx) == nil {
			actx = desk.WithPrincipal(ctx, &desk.Principal{UserID: userID, Role: desk.Role(role), Via: "web"})
		}
		return audit.RecordTx(actx, tx, audit.Entry{Action: AuditPasswordReset, TargetType: "user", TargetID: userID})
	})
}
