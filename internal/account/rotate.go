package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// SessionFlags is the security state of one web session (table
// session_flags, schema v6): MFAPending marks a session whose password was
// right but whose second factor is still missing; ReauthAt is when the user
// last proved who they are (zero: never).
type SessionFlags struct {
	MFAPending bool
	ReauthAt   time.Time
}

// Flags returns the flags of the session token belongs to (zero flags for
// a session that has none).
func (s *Service) Flags(ctx context.Context, token string) (SessionFlags, error) {
	var (
		f  SessionFlags
		at int64
	)
	if !plausibleToken(token) {
		return f, nil
	}
	err := s.DB.QueryRow(ctx, `SELECT mfa_pending, reauth_at FROM session_flags WHERE token_hash = ?`, auth.HashToken(token)).
		Scan(&f.MFAPending, &at)
	if isNoRows(err) {
		return SessionFlags{}, nil
	}
	if err != nil {
		return f, fmt.Errorf("account: session flags: %w", err)
	}
	f.ReauthAt = fromMicros(at)
	return f, nil
}

// SetFlags stores the flags of the session token belongs to.
func (s *Service) SetFlags(ctx context.Context, token string, f SessionFlags) error {
	if err := setFlags(ctx, s.DB, auth.HashToken(token), f); err != nil {
		return fmt.Errorf("account: save session flags: %w", err)
	}
	return nil
}

func setFlags(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (sql.Result, error)
}, hash string, f SessionFlags) error {
	var at int64
	if !f.ReauthAt.IsZero() {
		at = micros(f.ReauthAt)
	}
	_, err := q.Exec(ctx, `INSERT INTO session_flags (token_hash, mfa_pending, reauth_at) VALUES (?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET mfa_pending = excluded.mfa_pending, reauth_at = excluded.reauth_at`,
		hash, f.MFAPending, at)
	return err
}

// Rotate ends the session token belongs to and starts a new one for the same
// user with flags f, returning the new token. Callers rotate at every
// privilege change (the second factor given after the password,
// re-authentication, a password change), so a token copied before the
// change — from a shared computer, a log, a planted cookie — is worth
// nothing after it. The new session keeps the old one's start and absolute
// expiry (rotation does not extend a session). An unknown or expired token
// is EUNAUTHORIZED.
func (s *Service) Rotate(ctx context.Context, token string, f SessionFlags) (string, error) {
	if !plausibleToken(token) {
		return "", unauthenticated()
	}
	old := auth.HashToken(token)
	tok, hash := auth.NewToken()
	now := micros(s.now())
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		q := `SELECT user_id, created_at, expires_at, ip, user_agent FROM sessions WHERE token_hash = ?`
		if tx.Dialect() == store.Postgres {
			q += ` FOR UPDATE`
		}
		var (
			userID, created, expires int64
			ip, ua                   string
		)
		if err := tx.QueryRow(ctx, q, old).Scan(&userID, &created, &expires, &ip, &ua); err != nil {
			if isNoRows(err) {
				return unauthenticated()
			}
			return err
		}
		if now > expires {
			return unauthenticated()
		}
		// The old session (and its flags, by cascade) ends first.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, old); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, userID, hash, created, now, expires, ip, ua); err != nil {
			return err
		}
		return setFlags(ctx, tx, hash, f)
	})
	if err != nil {
		if isNoRows(err) {
			return "", unauthenticated()
		}
		return "", wrapErr("rotate session", err)
	}
	return tok, nil
}

// wrapErr adds context to a store failure; the service's own errors
// (desk.Error) pass unchanged.
func wrapErr(what string, err error) error {
	var de *desk.Error
	if err == nil || errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("account: %s: %w", what, err)
}
