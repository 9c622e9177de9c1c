package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Lifetimes. Codes live briefly and work once; access tokens expire and are
// renewed with their refresh token, which rotates on every use. A client
// may ask for other lifetimes within Zendesk's bounds.
const (
	CodeLifetime           = 5 * time.Minute
	DefaultAccessLifetime  = 2 * time.Hour
	DefaultRefreshLifetime = 30 * 24 * time.Hour
	minAccessLifetime      = 5 * time.Minute
	maxAccessLifetime      = 48 * time.Hour
	minRefreshLifetime     = 7 * 24 * time.Hour
	maxRefreshLifetime     = 90 * 24 * time.Hour
)

// Grant types the token endpoint accepts.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// Token prefixes tell an OAuth access token from a Frontdesk API token at
// a glance (and in the Authorization header).
const (
	AccessPrefix  = "fdo_"
	refreshPrefix = "fdr_"
	codePrefix    = "fdc_"
)

// IsAccessToken reports whether a bearer token is an OAuth access token.
func IsAccessToken(token string) bool { return strings.HasPrefix(token, AccessPrefix) }

// ProtocolError is an error of the OAuth protocol (RFC 6749 §4.1.2.1 and
// §5.2), answered in its own shape, not Zendesk's.
type ProtocolError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *ProtocolError) Error() string { return "oauth: " + e.Code + ": " + e.Description }

// Status is the HTTP status of the error at the token endpoint.
func (e *ProtocolError) Status() int {
	if e.Code == "invalid_client" {
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

func protoErr(code, description string) *ProtocolError {
	return &ProtocolError{Code: code, Description: description}
}

// AuthRequest is the query of GET /oauth/authorizations/new.
type AuthRequest struct {
	ResponseType        string
	ClientID            string // the client's identifier
	RedirectURI         string
	Scope               string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
}

// Consent is a checked authorization request: what the consent page shows.
type Consent struct {
	Client *Client
	Scopes []string
	Req    AuthRequest
}

// ErrBadClient means the request names no registered client or a redirect
// URI the client did not register: the user is told so and never
// redirected (RFC 6749 §4.1.2.1).
var ErrBadClient = errors.New("oauth: unknown client or redirect URI")

// CheckAuthorization validates an authorization request. It returns
// ErrBadClient (show an error page), a *ProtocolError (redirect it back
// with ErrorRedirect), or the consent to ask the user for.
func (s *Service) CheckAuthorization(ctx context.Context, req AuthRequest) (*Consent, error) {
	if len(req.ClientID) > 100 || len(req.RedirectURI) > maxURI || len(req.State) > 1000 || len(req.Scope) > 2000 {
		return nil, ErrBadClient
	}
	c, _, err := clientByIdentifier(ctx, s.DB, req.ClientID)
	if err != nil {
		return nil, err
	}
	if !contains(c.RedirectURI, req.RedirectURI) {
		return nil, ErrBadClient
	}
	if req.ResponseType != "code" {
		return nil, protoErr("unsupported_response_type", "response_type must be code")
	}
	scopes, err := ParseScopes(req.Scope)
	if err != nil {
		return nil, protoErr("invalid_scope", desk.ErrorMessage(err)+": "+detail(err))
	}
	if err := checkChallenge(c, req); err != nil {
		return nil, err
	}
	return &Consent{Client: c, Scopes: scopes, Req: req}, nil
}

func detail(err error) string {
	var e *desk.Error
	if errors.As(err, &e) {
		for _, fe := range e.Details["scopes"] {
			return fe.Description
		}
	}
	return ""
}

// checkChallenge holds the PKCE rules: S256 only (plain is refused), a
// well-formed challenge, and one required from public clients.
func checkChallenge(c *Client, req AuthRequest) *ProtocolError {
	if req.CodeChallenge == "" {
		if req.CodeChallengeMethod != "" {
			return protoErr("invalid_request", "code_challenge_method without code_challenge")
		}
		if c.Kind == KindPublic {
			return protoErr("invalid_request", "public clients must use PKCE (code_challenge with S256)")
		}
		return nil
	}
	if req.CodeChallengeMethod != "S256" {
		return protoErr("invalid_request", "code_challenge_method must be S256 (plain is not accepted)")
	}
	if len(req.CodeChallenge) != 43 || !isUnreserved(req.CodeChallenge) {
		return protoErr("invalid_request", "code_challenge must be a base64url SHA-256 digest")
	}
	return nil
}

// isUnreserved reports whether s uses only RFC 3986 unreserved characters.
func isUnreserved(s string) bool {
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~'
		if !ok {
			return false
		}
	}
	return true
}

func clientByIdentifier(ctx context.Context, q store.Querier, identifier string) (*Client, string, error) {
	var secretHash string
	row := q.QueryRow(ctx, `SELECT `+clientCols+`, secret_hash FROM oauth_clients WHERE identifier = ?`, identifier)
	c, err := scanClient(scanFunc(func(dest ...any) error { return row.Scan(append(dest, &secretHash)...) }))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", ErrBadClient
	}
	if err != nil {
		return nil, "", fmt.Errorf("oauth: reading client: %w", err)
	}
	return c, secretHash, nil
}

type scanFunc func(...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// Approve records the signed-in user's consent: it issues a single-use
// code bound to the client, user, redirect URI, scopes and PKCE challenge,
// and returns where to send the browser.
func (s *Service) Approve(ctx context.Context, req AuthRequest) (string, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return "", err
	}
	if p.System || p.UserID == 0 || p.OAuth != nil {
		return "", desk.Forbidden("Only a signed-in user can authorize an app")
	}
	consent, err := s.CheckAuthorization(ctx, req)
	if err != nil {
		return "", err
	}
	code, hash := newSecret(codePrefix)
	now := s.now()
	_, err = s.DB.Exec(ctx, `INSERT INTO oauth_codes (code_hash, client_id, user_id, redirect_uri, scopes, code_challenge, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, consent.Client.ID, p.UserID, req.RedirectURI, strings.Join(consent.Scopes, " "),
		req.CodeChallenge, now+CodeLifetime.Microseconds(), now)
	if err != nil {
		return "", fmt.Errorf("oauth: issuing a code: %w", err)
	}
	return withQuery(req.RedirectURI, url.Values{"code": {code}}, req.State), nil
}

// DenyRedirect is where to send the browser when the user declines.
func DenyRedirect(req AuthRequest) string {
	return ErrorRedirect(req, protoErr("access_denied", "The user denied the request"))
}

// ErrorRedirect sends a protocol error back to the (checked) redirect URI.
func ErrorRedirect(req AuthRequest, e *ProtocolError) string {
	return withQuery(req.RedirectURI, url.Values{"error": {e.Code}, "error_description": {e.Description}}, req.State)
}

func withQuery(base string, v url.Values, state string) string {
	if state != "" {
		v.Set("state", state)
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + v.Encode()
}

// TokenRequest is a request to POST /oauth/tokens (form or JSON).
type TokenRequest struct {
	GrantType             string `json:"grant_type"`
	Code                  string `json:"code"`
	RedirectURI           string `json:"redirect_uri"`
	ClientID              string `json:"client_id"`
	ClientSecret          string `json:"client_secret"`
	CodeVerifier          string `json:"code_verifier"`
	RefreshToken          string `json:"refresh_token"`
	Scope                 string `json:"scope"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
}

// TokenResponse is the token endpoint's answer (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken           string `json:"access_token"`
	TokenType             string `json:"token_type"`
	Scope                 string `json:"scope"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
}

// Exchange serves the token endpoint: an authorization code (with its
// PKCE verifier) or a refresh token for a new access token. Every failure
// is a *ProtocolError; nothing changes on failure except that a replayed
// code revokes the tokens issued from it.
func (s *Service) Exchange(ctx context.Context, req TokenRequest) (*TokenResponse, error) {
	life, err := lifetimes(req)
	if err != nil {
		return nil, err
	}
	c, err := s.authenticateClient(ctx, req)
	if err != nil {
		return nil, err
	}
	switch req.GrantType {
	case GrantAuthorizationCode:
		return s.exchangeCode(ctx, c, req, life)
	case GrantRefreshToken:
		return s.refresh(ctx, c, req, life)
	case "":
		return nil, protoErr("invalid_request", "grant_type is required")
	}
	return nil, protoErr("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
}

type tokenLifetimes struct{ access, refresh time.Duration }

func lifetimes(req TokenRequest) (tokenLifetimes, error) {
	l := tokenLifetimes{DefaultAccessLifetime, DefaultRefreshLifetime}
	if req.ExpiresIn != 0 {
		if !within(req.ExpiresIn, minAccessLifetime, maxAccessLifetime) {
			return l, protoErr("invalid_request", "expires_in must be between 300 and 172800 seconds")
		}
		l.access = time.Duration(req.ExpiresIn) * time.Second
	}
	if req.RefreshTokenExpiresIn != 0 {
		if !within(req.RefreshTokenExpiresIn, minRefreshLifetime, maxRefreshLifetime) {
			return l, protoErr("invalid_request", "refresh_token_expires_in must be between 604800 and 7776000 seconds")
		}
		l.refresh = time.Duration(req.RefreshTokenExpiresIn) * time.Second
	}
	return l, nil
}

// within reports whether seconds lies in [lo, hi] (compared in seconds, so
// a huge value cannot overflow into range).
func within(seconds int64, lo, hi time.Duration) bool {
	return seconds >= int64(lo/time.Second) && seconds <= int64(hi/time.Second)
}

// authenticateClient checks the client: a confidential one by its secret
// (constant-time), a public one by its identifier alone.
func (s *Service) authenticateClient(ctx context.Context, req TokenRequest) (*Client, error) {
	bad := protoErr("invalid_client", "Client authentication failed")
	if req.ClientID == "" || len(req.ClientID) > 100 || len(req.ClientSecret) > 200 {
		return nil, bad
	}
	c, hash, err := clientByIdentifier(ctx, s.DB, req.ClientID)
	if errors.Is(err, ErrBadClient) {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	if c.Kind == KindConfidential && !secretMatches(req.ClientSecret, hash) {
		return nil, bad
	}
	return c, nil
}

// codeRow is a stored authorization code.
type codeRow struct {
	id, userID, expires, used int64
	redirectURI, scopes       string
	challenge                 string
}

func (s *Service) exchangeCode(ctx context.Context, c *Client, req TokenRequest, life tokenLifetimes) (*TokenResponse, error) {
	invalid := protoErr("invalid_grant", "The authorization code is invalid, expired or already used")
	if !strings.HasPrefix(req.Code, codePrefix) || len(req.Code) > 200 {
		return nil, invalid
	}
	var out *TokenResponse
	replayed := false
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var cr codeRow
		err := tx.QueryRow(ctx, `SELECT id, user_id, expires_at, used_at, redirect_uri, scopes, code_challenge FROM oauth_codes WHERE code_hash = ? AND client_id = ?`,
			hashSecret(req.Code), c.ID).Scan(&cr.id, &cr.userID, &cr.expires, &cr.used, &cr.redirectURI, &cr.scopes, &cr.challenge)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid
		}
		if err != nil {
			return err
		}
		now := s.now()
		if cr.used != 0 {
			// A code used twice has leaked: revoke what it gave (RFC 6749 §4.1.2).
			replayed = true
			_, err := tx.Exec(ctx, `DELETE FROM oauth_tokens WHERE code_id = ?`, cr.id)
			return err
		}
		if now >= cr.expires {
			return invalid
		}
		if req.RedirectURI != cr.redirectURI {
			return protoErr("invalid_grant", "redirect_uri does not match the authorization request")
		}
		if err := verifyPKCE(cr.challenge, req.CodeVerifier); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE oauth_codes SET used_at = ? WHERE id = ? AND used_at = 0`, now, cr.id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return invalid
		}
		if err := requireActiveUser(ctx, tx, cr.userID); err != nil {
			return err
		}
		out, _, err = s.issue(ctx, tx, issueInput{clientID: c.ID, userID: cr.userID, codeID: cr.id, scopes: strings.Fields(cr.scopes), life: life, refresh: true})
		return err
	})
	if replayed && err == nil {
		err = invalid
	}
	if err != nil {
		return nil, protocolOnly(err)
	}
	return out, nil
}

// protocolOnly keeps protocol errors and wraps the rest with context.
func protocolOnly(err error) error {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe
	}
	return fmt.Errorf("oauth: token endpoint: %w", err)
}

// verifyPKCE checks the verifier against the stored S256 challenge (in
// constant time); a grant without a challenge takes no verifier.
func verifyPKCE(challenge, verifier string) *ProtocolError {
	if challenge == "" {
		if verifier != "" {
			return protoErr("invalid_grant", "code_verifier given for a grant without code_challenge")
		}
		return nil
	}
	if len(verifier) < 43 || len(verifier) > 128 || !isUnreserved(verifier) {
		return protoErr("invalid_grant", "code_verifier is missing or malformed")
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) != 1 {
		return protoErr("invalid_grant", "code_verifier does not match code_challenge")
	}
	return nil
}

// requireActiveUser refuses grants for users who may no longer act.
func requireActiveUser(ctx context.Context, q store.Querier, userID int64) error {
	var active, suspended bool
	err := q.QueryRow(ctx, `SELECT active, suspended FROM users WHERE id = ?`, userID).Scan(&active, &suspended)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!active || suspended)) {
		return protoErr("invalid_grant", "The user of this grant can no longer sign in")
	}
	return err
}

func (s *Service) refresh(ctx context.Context, c *Client, req TokenRequest, life tokenLifetimes) (*TokenResponse, error) {
	invalid := protoErr("invalid_grant", "The refresh token is invalid, expired or revoked")
	if !strings.HasPrefix(req.RefreshToken, refreshPrefix) || len(req.RefreshToken) > 200 {
		return nil, invalid
	}
	var out *TokenResponse
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var id, userID, codeID, refreshExpires int64
		var scopes string
		err := tx.QueryRow(ctx, `SELECT id, user_id, code_id, refresh_expires_at, scopes FROM oauth_tokens WHERE refresh_hash = ? AND client_id = ?`,
			hashSecret(req.RefreshToken), c.ID).Scan(&id, &userID, &codeID, &refreshExpires, &scopes)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid
		}
		if err != nil {
			return err
		}
		if s.now() >= refreshExpires {
			return invalid
		}
		granted := strings.Fields(scopes)
		if req.Scope != "" {
			asked, err := ParseScopes(req.Scope)
			if err != nil || !subset(asked, granted) {
				return protoErr("invalid_scope", "scope may only narrow the scopes originally granted")
			}
			granted = asked
		}
		if err := requireActiveUser(ctx, tx, userID); err != nil {
			return err
		}
		// Rotation: the old pair is gone the moment the new one exists.
		res, err := tx.Exec(ctx, `DELETE FROM oauth_tokens WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return invalid
		}
		out, _, err = s.issue(ctx, tx, issueInput{clientID: c.ID, userID: userID, codeID: codeID, scopes: granted, life: life, refresh: true})
		return err
	})
	if err != nil {
		return nil, protocolOnly(err)
	}
	return out, nil
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

type issueInput struct {
	clientID, userID, codeID int64
	scopes                   []string
	life                     tokenLifetimes
	refresh                  bool
}

// issue stores a new access token (and refresh token) and returns them.
func (s *Service) issue(ctx context.Context, tx *store.Tx, in issueInput) (*TokenResponse, int64, error) {
	access, accessHash := newSecret(AccessPrefix)
	now := s.now()
	out := &TokenResponse{AccessToken: access, TokenType: "bearer", Scope: strings.Join(in.scopes, " "), ExpiresIn: int64(in.life.access / time.Second)}
	var refreshHash any
	var refreshExpires int64
	if in.refresh {
		var h string
		out.RefreshToken, h = newSecret(refreshPrefix)
		refreshHash, refreshExpires = h, now+in.life.refresh.Microseconds()
		out.RefreshTokenExpiresIn = int64(in.life.refresh / time.Second)
	}
	id, err := tx.InsertID(ctx, `INSERT INTO oauth_tokens (client_id, user_id, code_id, token_hash, token_hint, refresh_hash, scopes, expires_at, refresh_expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.clientID, in.userID, in.codeID, accessHash, hint(access), refreshHash,
		out.Scope, now+in.life.access.Microseconds(), refreshExpires, now)
	if err != nil {
		return nil, 0, fmt.Errorf("oauth: storing a token: %w", err)
	}
	return out, id, nil
}

// hint is the part of a token lists show: the prefix and four characters.
func hint(token string) string { return token[:len(AccessPrefix)+4] }
