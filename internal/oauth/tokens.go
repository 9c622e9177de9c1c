package oauth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// UsedTouchInterval is how stale used_at may get before Authenticate
// writes it again, so API traffic is not a write per request.
const UsedTouchInterval = time.Minute

// Token is an access token as the API shows it. Token is a short hint;
// FullToken and RefreshToken are set only in the answer that created it.
type Token struct {
	ID                    int64     `json:"id"`
	UserID                int64     `json:"user_id"`
	ClientID              int64     `json:"client_id"`
	Token                 string    `json:"token"`
	FullToken             string    `json:"full_token,omitempty"`
	RefreshToken          *string   `json:"refresh_token"`
	Scopes                []string  `json:"scopes"`
	CreatedAt             desk.Time `json:"created_at"`
	ExpiresAt             desk.Time `json:"expires_at"`
	UsedAt                desk.Time `json:"used_at"`
	RefreshTokenExpiresAt desk.Time `json:"refresh_token_expires_at"`
}

const tokenCols = `id, user_id, client_id, token_hint, scopes, created_at, expires_at, used_at, refresh_expires_at`

func scanToken(sc scanner) (*Token, error) {
	var t Token
	var scopes string
	var created, expires, used, refresh int64
	if err := sc.Scan(&t.ID, &t.UserID, &t.ClientID, &t.Token, &scopes, &created, &expires, &used, &refresh); err != nil {
		return nil, err
	}
	t.Token += "…"
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt = desk.TimeFromMicros(created)
	t.ExpiresAt, t.UsedAt, t.RefreshTokenExpiresAt = desk.NullTimeFromMicros(expires), desk.NullTimeFromMicros(used), desk.NullTimeFromMicros(refresh)
	return &t, nil
}

// tokenScope limits tokens to those p may see and revoke, by the rule of
// API tokens: their own; for admins everyone's except the account owner's,
// which only the owner (and the system) sees — a token acts as its user.
func (s *Service) tokenScope(ctx context.Context, p *desk.Principal) (string, []any, error) {
	if !p.IsAdmin() {
		return "user_id = ?", []any{p.UserID}, nil
	}
	if p.System {
		return "1 = 1", nil, nil
	}
	owner, err := settings.Owner.Read(ctx, s.DB)
	if err != nil {
		return "", nil, fmt.Errorf("oauth: reading the account owner: %w", err)
	}
	if owner == 0 || owner == p.UserID {
		return "1 = 1", nil, nil
	}
	return "user_id <> ?", []any{owner}, nil
}

// ListTokens lists the tokens the caller may see (see tokenScope), newest
// first, at most limit (1–1000).
func (s *Service) ListTokens(ctx context.Context, limit int) ([]*Token, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	cond, args, err := s.tokenScope(ctx, p)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+tokenCols+` FROM oauth_tokens WHERE `+cond+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("oauth: listing tokens: %w", err)
	}
	defer rows.Close()
	out := []*Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// GetToken returns a token the caller may see; id 0 with an OAuth
// principal is the token of the request ("current").
func (s *Service) GetToken(ctx context.Context, id int64) (*Token, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		if p.OAuth == nil {
			return nil, desk.NotFound()
		}
		id = p.OAuth.TokenID
		// The current token is the caller's own even when it acts for
		// someone (impersonate).
		t, err := scanToken(s.DB.QueryRow(ctx, `SELECT `+tokenCols+` FROM oauth_tokens WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, desk.NotFound()
		}
		return t, err
	}
	cond, args, err := s.tokenScope(ctx, p)
	if err != nil {
		return nil, err
	}
	t, err := scanToken(s.DB.QueryRow(ctx, `SELECT `+tokenCols+` FROM oauth_tokens WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	return t, err
}

// TokenInput is an admin's request for a token of their own for a client.
type TokenInput struct {
	ClientID              int64    `json:"client_id"`
	Scopes                []string `json:"scopes"`
	ExpiresIn             int64    `json:"expires_in"`
	RefreshTokenExpiresIn int64    `json:"refresh_token_expires_in"`
}

// CreateToken issues an access token (with a refresh token) acting as the
// calling admin, as Zendesk's POST /api/v2/oauth/tokens does. The secrets
// are in FullToken and RefreshToken of this answer only.
func (s *Service) CreateToken(ctx context.Context, in TokenInput) (*Token, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() || p.System || p.UserID == 0 {
		return nil, desk.Forbidden("Only admins can create OAuth tokens")
	}
	scopes, err := ParseScopes(strings.Join(in.Scopes, " "))
	if err != nil {
		return nil, err
	}
	life, err := lifetimes(TokenRequest{ExpiresIn: in.ExpiresIn, RefreshTokenExpiresIn: in.RefreshTokenExpiresIn})
	if err != nil {
		var pe *ProtocolError
		errors.As(err, &pe)
		return nil, desk.Invalid("expires_in", pe.Description)
	}
	var out *Token
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := clientByID(ctx, tx, in.ClientID); desk.ErrorCode(err) == desk.ENOTFOUND {
			return desk.Invalid("client_id", "does not exist")
		} else if err != nil {
			return err
		}
		resp, id, err := s.issue(ctx, tx, issueInput{clientID: in.ClientID, userID: p.UserID, scopes: scopes, life: life, refresh: true})
		if err != nil {
			return err
		}
		if out, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenCols+` FROM oauth_tokens WHERE id = ?`, id)); err != nil {
			return err
		}
		out.FullToken, out.RefreshToken = resp.AccessToken, &resp.RefreshToken
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "oauth_token.created", TargetType: "oauth_token", TargetID: id,
			Data: map[string]any{"client_id": in.ClientID, "scopes": scopes}})
	})
	if err != nil {
		return nil, fmt.Errorf("oauth: creating a token: %w", err)
	}
	return out, nil
}

// RevokeToken deletes a token the caller may see (its refresh token goes
// with it); id 0 is the token of the request.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	t, err := s.GetToken(ctx, id)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM oauth_tokens WHERE id = ?`, t.ID); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "oauth_token.revoked", TargetType: "oauth_token", TargetID: t.ID,
			Data: map[string]any{"client_id": t.ClientID, "user_id": t.UserID}})
	})
	if err != nil {
		return fmt.Errorf("oauth: revoking token %d: %w", t.ID, err)
	}
	return nil
}

func unauthorized() error {
	return &desk.Error{Code: desk.EUNAUTHORIZED, Message: "Couldn't authenticate you"}
}

// Authenticate resolves an access token to the principal of its user with
// the grant's scopes attached (see Authorize). onBehalfOf, from
// X-On-Behalf-Of, makes an admin's token with the impersonate scope act as
// that end-user. The token must exist, not have expired, and its user may
// act (active, not suspended); used_at is written at most once per
// UsedTouchInterval.
func (s *Service) Authenticate(ctx context.Context, token, onBehalfOf string) (*desk.Principal, error) {
	if !IsAccessToken(token) || len(token) > 200 {
		return nil, unauthorized()
	}
	var id, userID, clientID, expires, used int64
	var scopes string
	err := s.DB.QueryRow(ctx, `SELECT id, user_id, client_id, expires_at, used_at, scopes FROM oauth_tokens WHERE token_hash = ?`, hashSecret(token)).
		Scan(&id, &userID, &clientID, &expires, &used, &scopes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, unauthorized()
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: reading a token: %w", err)
	}
	now := s.now()
	if expires != 0 && now >= expires {
		return nil, unauthorized()
	}
	p, err := people.PrincipalFor(ctx, s.DB, userID)
	if err != nil {
		return nil, err
	}
	p.Via = "api"
	p.OAuth = &desk.OAuthGrant{TokenID: id, ClientID: clientID, Scopes: strings.Fields(scopes)}
	if onBehalfOf != "" {
		if p, err = s.impersonate(ctx, p, onBehalfOf); err != nil {
			return nil, err
		}
	}
	if now-used >= UsedTouchInterval.Microseconds() {
		// Conditional, so concurrent requests write once; a failure here
		// must not fail the request.
		_, _ = s.DB.Exec(ctx, `UPDATE oauth_tokens SET used_at = ? WHERE id = ? AND used_at = ?`, now, id, used)
	}
	return p, nil
}

// impersonate turns an admin's principal whose token holds the
// impersonate scope into the principal of the end-user with that email,
// keeping the grant's scopes and naming the admin in it.
func (s *Service) impersonate(ctx context.Context, admin *desk.Principal, email string) (*desk.Principal, error) {
	if !contains(admin.OAuth.Scopes, ScopeImpersonate) || !admin.IsAdmin() {
		return nil, desk.Forbidden("X-On-Behalf-Of needs an admin's token with the impersonate scope")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > 320 || strings.ContainsRune(email, 0) {
		return nil, desk.Invalid("X-On-Behalf-Of", "must be an email address")
	}
	var target int64
	var role string
	err := s.DB.QueryRow(ctx, `SELECT id, role FROM users WHERE email = ?`, email).Scan(&target, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.Invalid("X-On-Behalf-Of", "names no user")
	}
	if err != nil {
		return nil, err
	}
	if desk.Role(role) != desk.RoleEndUser {
		return nil, desk.Forbidden("Only end-users can be impersonated")
	}
	p, err := people.PrincipalFor(ctx, s.DB, target)
	if err != nil {
		return nil, err
	}
	p.Via = "api"
	grant := *admin.OAuth
	grant.ImpersonatorID = admin.UserID
	p.OAuth = &grant
	return p, nil
}
