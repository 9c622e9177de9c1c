package people

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// TokenTouchInterval is how stale last_used_at may get before
// AuthenticateToken writes it again, so API traffic is not a write per request.
const TokenTouchInterval = time.Minute

const tokenCols = `t.id, t.user_id, t.name, t.last_used_at, t.created_at`

func scanToken(sc scanner) (*desk.APIToken, error) {
	var t desk.APIToken
	var used, created int64
	if err := sc.Scan(&t.ID, &t.UserID, &t.Name, &used, &created); err != nil {
		return nil, err
	}
	t.LastUsedAt = desk.NullTimeFromMicros(used)
	t.CreatedAt = desk.TimeFromMicros(created)
	t.UpdatedAt = t.CreatedAt
	return &t, nil
}

// CreateToken creates an API token for userID (0 means the caller). Admins
// may create tokens for any agent or admin, agents only for themselves. The
// returned Token field holds the secret; it is not stored and never shown again.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string) (*desk.APIToken, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if userID == 0 {
		userID = p.UserID
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to create API tokens")
	}
	if !p.IsAdmin() && userID != p.UserID {
		return nil, desk.Forbidden("You can only create API tokens for yourself")
	}
	var v desk.Validation
	name = checkShort(&v, "description", name)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *desk.APIToken
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var role string
		var active bool
		err := tx.QueryRow(ctx, `SELECT role, active FROM users WHERE id = ?`, userID).Scan(&role, &active)
		if isNoRows(err) {
			return desk.Invalid("user_id", "does not exist")
		}
		if err != nil {
			return err
		}
		if !desk.Role(role).Staff() || !active {
			return desk.Invalid("user_id", "must be an active agent or admin")
		}
		secret, hash := auth.NewToken()
		id, err := tx.InsertID(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`,
			userID, name, hash, store.Now())
		if err != nil {
			return err
		}
		out, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.id = ?`, id))
		if err != nil {
			return err
		}
		out.Token = secret
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListTokens lists API tokens without secrets: all for admins, else the
// caller's own.
func (s *Service) ListTokens(ctx context.Context) ([]*desk.APIToken, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT `+tokenCols+` FROM api_tokens t`, []any{}
	if !p.IsAdmin() {
		q += ` WHERE t.user_id = ?`
		args = append(args, p.UserID)
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY t.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken revokes a token: admins any, others their own (else NotFound).
func (s *Service) DeleteToken(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	q, args := `DELETE FROM api_tokens WHERE id = ?`, []any{id}
	if !p.IsAdmin() {
		q += ` AND user_id = ?`
		args = append(args, p.UserID)
	}
	res, err := s.DB.Exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return desk.NotFound()
	}
	return nil
}

// AuthenticateToken resolves an API token to a principal with one indexed
// lookup. It fails with EUNAUTHORIZED unless the token exists and belongs to
// an active, non-suspended user who owns email (when email != "": Zendesk's
// Basic form is email/token:TOKEN). It records last_used_at/last_used_ip at
// most once per TokenTouchInterval per token.
func (s *Service) AuthenticateToken(ctx context.Context, email, token, ip string) (*desk.Principal, error) {
	if token == "" || len(token) > 256 || strings.ContainsRune(email, 0) || strings.ContainsRune(token, 0) {
		return nil, unauthorized()
	}
	var (
		tokenID, lastUsed, userID int64
		role                      string
		org                       sql.NullInt64
		userEmail                 sql.NullString
		active, suspended         bool
	)
	err := s.DB.QueryRow(ctx, `SELECT t.id, t.last_used_at, u.id, u.role, u.organization_id, u.email, u.active, u.suspended
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, auth.HashToken(token)).
		Scan(&tokenID, &lastUsed, &userID, &role, &org, &userEmail, &active, &suspended)
	if isNoRows(err) {
		return nil, unauthorized()
	}
	if err != nil {
		return nil, err
	}
	if !active || suspended {
		return nil, unauthorized()
	}
	if email != "" {
		e := strings.ToLower(strings.TrimSpace(email))
		if e != userEmail.String || e == "" {
			// Rare path: a secondary address of the same user also works.
			ok, err := exists(ctx, s.DB, `SELECT COUNT(*) FROM user_identities WHERE user_id = ? AND type = ? AND value = ?`,
				userID, IdentityEmail, e)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, unauthorized()
			}
		}
	}
	if now := store.Now(); now-lastUsed >= TokenTouchInterval.Microseconds() {
		if len(ip) > 64 || !validText(ip) {
			ip = ""
		}
		// Conditional, so concurrent requests write once; a failure here must
		// not fail the request.
		_, _ = s.DB.Exec(ctx, `UPDATE api_tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ? AND last_used_at = ?`,
			now, ip, tokenID, lastUsed)
	}
	return &desk.Principal{UserID: userID, Role: desk.Role(role), OrgID: org.Int64, Email: userEmail.String, Via: "api"}, nil
}
