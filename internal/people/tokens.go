package people

import (
	"context"
	"fmt"
	"github.com/frontdesk/frontdesk/internal/audit"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// TokenTouchInterval is how stale last_used_at may get before
// AuthenticateToken writes it again, so API traffic is not a write per request.
const TokenTouchInterval = time.Minute

const tokenCols = `t.id, t.user_id, t.name, t.scope, t.expires_at, t.last_used_at, t.last_used_ip, t.created_at, t.account, t.staff_only`

// Token scopes: a read token may only read (the API refuses anything but
// GET and HEAD with it).
const (
	ScopeRead      = "read"
	ScopeReadWrite = "read-write"
)

func scanToken(sc scanner) (*desk.APIToken, error) {
	var t desk.APIToken
	var expires, used, created int64
	if err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.Scope, &expires, &used, &t.LastUsedIP, &created, &t.Account, &t.StaffOnly); err != nil {
		return nil, err
	}
	t.ExpiresAt = desk.NullTimeFromMicros(expires)
	t.LastUsedAt = desk.NullTimeFromMicros(used)
	t.CreatedAt = desk.TimeFromMicros(created)
	t.UpdatedAt = t.CreatedAt
	return &t, nil
}

// TokenInput describes a new API token.
type TokenInput struct {
	// UserID is whose token it is; 0 means the caller.
	UserID      int64
	Description string
	// Scope is ScopeRead or ScopeReadWrite ("" = read-write).
	Scope string
	// ExpiresAt is when the token stops working (zero: never); it must lie
	// in the future.
	ExpiresAt desk.Time
	// Account asks for an account token (Zendesk's kind): it acts as
	// whichever user a request names in Basic email/token:TOKEN. Only the
	// account owner creates them; the token records its creator.
	// StaffOnly limits an account token to acting as agents and admins.
	Account, StaffOnly bool
}

// CreateToken creates a read-write token that never expires (see
// CreateTokenWith).
func (s *Service) CreateToken(ctx context.Context, userID int64, name string) (*desk.APIToken, error) {
	return s.CreateTokenWith(ctx, TokenInput{UserID: userID, Description: name})
}

// CreateTokenWith creates an API token. Staff whose role grants
// manage_api_tokens may create tokens for themselves; admins for any active
// agent or admin. The returned Token field holds the secret; it is not
// stored and never shown again.
func (s *Service) CreateTokenWith(ctx context.Context, in TokenInput) (*desk.APIToken, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	userID := in.UserID
	if userID == 0 {
		userID = p.UserID
	}
	if !p.IsStaff() || !p.Can().ManageAPITokens {
		return nil, desk.Forbidden("You are not allowed to create API tokens")
	}
	if !p.IsAdmin() && userID != p.UserID {
		return nil, desk.Forbidden("You can only create API tokens for yourself")
	}
	var v desk.Validation
	if in.Account && userID != p.UserID && !p.System {
		v.Add("user_id", "an account token records its creator; it cannot be made for someone else")
	}
	if in.StaffOnly && !in.Account {
		v.Add("staff_only", "applies to account tokens only")
	}
	name := checkShort(&v, "description", in.Description)
	scope := strings.ToLower(strings.TrimSpace(in.Scope))
	switch scope {
	case "":
		scope = ScopeReadWrite
	case ScopeRead, ScopeReadWrite:
	case "write", "readwrite", "read_write":
		scope = ScopeReadWrite
	default:
		v.Add("scope", "must be read or read-write")
	}
	expires := in.ExpiresAt.Micros()
	if expires != 0 && expires <= store.Now() {
		v.Add("expires_at", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *desk.APIToken
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var role string
		var active, suspended bool
		err := tx.QueryRow(ctx, `SELECT role, active, suspended FROM users WHERE id = ?`, userID).Scan(&role, &active, &suspended)
		if isNoRows(err) {
			return desk.Invalid("user_id", "does not exist")
		}
		if err != nil {
			return err
		}
		if !desk.Role(role).Staff() || !active || suspended {
			return desk.Invalid("user_id", "must be an active agent or admin")
		}
		// An account token acts as anyone: only the owner mints one (the
		// system may, for an admin).
		if in.Account && !p.System {
			owner, err := isOwner(ctx, tx, p.UserID)
			if err != nil {
				return err
			}
			if !owner {
				return desk.Forbidden("Only the account owner can create account API tokens")
			}
		}
		if in.Account && desk.Role(role) != desk.RoleAdmin {
			return desk.Invalid("user_id", "an account token must be created by an admin")
		}
		// A token acts as its user: nobody mints one for the owner but
		// the owner (it would hand over the account).
		if userID != p.UserID && !p.System {
			owner, err := isOwner(ctx, tx, userID)
			if err != nil {
				return err
			}
			if owner {
				return desk.Forbidden("Only the account owner can create API tokens for the owner")
			}
		}
		secret, hash := auth.NewToken()
		id, err := tx.InsertID(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, scope, expires_at, created_at, account, staff_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			userID, name, hash, scope, expires, store.Now(), in.Account, in.StaffOnly)
		if err != nil {
			return err
		}
		out, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.id = ?`, id))
		if err != nil {
			return err
		}
		out.Token = secret
		return auditTokenTx(ctx, tx, AuditTokenCreated, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// tokenScope returns a condition on api_tokens t limiting them to those p
// may list and revoke: their own; for admins everyone's except the account
// owner's, which only the owner (and the system) sees — a token acts as its
// user, so an admin who could list or revoke the owner's could watch or cut
// off the one account that holds every key.
func (s *Service) tokenScope(ctx context.Context, p *desk.Principal) (string, []any, error) {
	if !p.IsAdmin() {
		return `t.user_id = ?`, []any{p.UserID}, nil
	}
	if p.System {
		return "1 = 1", nil, nil
	}
	owner, err := ownerID(ctx, s.DB)
	if err != nil {
		return "", nil, fmt.Errorf("people: reading the account owner: %w", err)
	}
	if owner == 0 || owner == p.UserID {
		return "1 = 1", nil, nil
	}
	return `t.user_id <> ?`, []any{owner}, nil
}

// ListTokens lists API tokens without secrets: the caller's own; for admins
// everyone's but the account owner's (unless the admin is the owner).
func (s *Service) ListTokens(ctx context.Context) ([]*desk.APIToken, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	cond, args, err := s.tokenScope(ctx, p)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE `+cond+` ORDER BY t.id`, args...)
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

// DeleteToken revokes a token the caller may list (see ListTokens), else
// NotFound.
func (s *Service) DeleteToken(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	cond, args, err := s.tokenScope(ctx, p)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, err := scanToken(tx.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.id = ? AND `+cond, append([]any{id}, args...)...))
		if isNoRows(err) {
			return desk.NotFound()
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM api_tokens WHERE id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM api_token_ips WHERE token_id = ?`, id); err != nil {
			return err
		}
		if err := s.accessChangedTx(ctx, tx); err != nil {
			return err
		}
		return auditTokenTx(ctx, tx, AuditTokenRevoked, t)
	})
}

// AuthenticateToken resolves an API token to a principal, with the
// permissions of the user's role, in one indexed lookup. It fails with
// EUNAUTHORIZED unless the token exists, has not expired and belongs to an
// active, non-suspended user who owns email (when email != "": Zendesk's
// Basic form is email/token:TOKEN). An account token instead acts as the
// user email names (see actAs), and the principal carries its id for the
// audit log. A read-scoped token yields a ReadOnly principal. It records
// last_used_at/last_used_ip at most once per TokenTouchInterval per token.
//
// What it reads about a token and its user is kept for TokenCacheTTL
// (lookupToken): a change made through any people Service drops it at once,
// so a revoked token, a suspended user or a changed role takes effect on
// the next request.
func (s *Service) AuthenticateToken(ctx context.Context, email, token, ip string) (*desk.Principal, error) {
	if token == "" || len(token) > 256 || strings.ContainsRune(email, 0) || strings.ContainsRune(token, 0) {
		return nil, unauthorized()
	}
	t, err := s.lookupToken(ctx, auth.HashToken(token))
	if err != nil {
		return nil, err
	}
	p, ok := t.row.principal("api")
	now := store.Now()
	if !ok || (t.expires != 0 && now >= t.expires) {
		return nil, unauthorized()
	}
	if t.account {
		if p, err = s.actAs(ctx, p, email, t.staffOnly); err != nil {
			return nil, err
		}
		p.AccountTokenID = t.tokenID
	}
	p.ReadOnly = t.scope != ScopeReadWrite
	if email != "" && !t.account {
		e := strings.ToLower(strings.TrimSpace(email))
		if e != p.Email || e == "" {
			// Rare path: a secondary address of the same user also works.
			ok, err := exists(ctx, s.DB, `SELECT COUNT(*) FROM user_identities WHERE user_id = ? AND type = ? AND value = ?`,
				p.UserID, IdentityEmail, e)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, unauthorized()
			}
		}
	}
	if err := s.noteTokenIP(ctx, p, t.tokenID, *t.lastIP.Load(), ip, now); err != nil {
		return nil, err
	}
	s.touchToken(ctx, t, now, ip)
	return p, nil
}

// lookupToken returns what the store says about the token of hash and its
// user, from the cache when it was read less than the cache's TTL ago (see
// DefaultTokenCacheTTL). An unknown token is EUNAUTHORIZED and never cached.
func (s *Service) lookupToken(ctx context.Context, hash string) (*cachedToken, error) {
	now := store.Now()
	ttl := s.tokenCacheTTL()
	if t := s.tokens.get(hash, now, ttl); t != nil {
		return t, nil
	}
	gen := s.tokens.generation()
	t := &cachedToken{readAt: now}
	var lastUsed int64
	var lastIP string
	err := s.DB.Lookup(ctx, `SELECT t.id, t.last_used_at, t.last_used_ip, t.scope, t.expires_at, t.account, t.staff_only, `+principalCols+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id`+principalJoin+` WHERE t.token_hash = ?`, hash).
		Scan(append([]any{&t.tokenID, &lastUsed, &lastIP, &t.scope, &t.expires, &t.account, &t.staffOnly}, t.row.dest()...)...)
	if isNoRows(err) {
		return nil, unauthorized()
	}
	if err != nil {
		return nil, err
	}
	t.lastUsed.Store(lastUsed)
	t.lastIP.Store(&lastIP)
	if ttl > 0 {
		s.tokens.put(hash, t, gen)
	}
	return t, nil
}

// noteTokenIP records in the audit log the first use of a token from an
// address (api_token_ips keeps the addresses seen; the insert is
// conditional, so concurrent first requests record it once). Pairs known
// to this process skip the store.
func (s *Service) noteTokenIP(ctx context.Context, p *desk.Principal, tokenID int64, lastIP, ip string, now int64) error {
	if ip == "" || len(ip) > 64 || !validText(ip) {
		return nil
	}
	key := strconv.FormatInt(tokenID, 10) + " " + ip
	if s.tokenIPs.known(key) {
		return nil
	}
	actx := audit.WithClient(desk.WithPrincipal(ctx, p), ip, "")
	err := s.DB.InTx(actx, func(tx *store.Tx) error {
		res, err := tx.Exec(actx, `INSERT INTO api_token_ips (token_id, ip, first_seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, tokenID, ip, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return audit.RecordTx(actx, tx, audit.Entry{Action: AuditTokenUsedFromNewIP, TargetType: "api_token", TargetID: tokenID,
			Data: map[string]any{"ip": ip, "last_ip": lastIP}})
	})
	if err == nil {
		s.tokenIPs.add(key)
	}
	return err
}

// seenIPs is a bounded set of token/address pairs already recorded.
type seenIPs struct {
	mu sync.Mutex
	m  map[string]struct{}
}

func (c *seenIPs) known(k string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[k]
	return ok
}

func (c *seenIPs) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 100000 {
		c.m = map[string]struct{}{}
	}
	c.m[k] = struct{}{}
}

// touchToken records when and from where a token was last used, at most
// once per TokenTouchInterval: of the requests that find the interval
// passed, the one that moves t's lastUsed writes.
func (s *Service) touchToken(ctx context.Context, t *cachedToken, now int64, ip string) {
	lastUsed := t.lastUsed.Load()
	if now-lastUsed < TokenTouchInterval.Microseconds() || !t.lastUsed.CompareAndSwap(lastUsed, now) {
		return
	}
	if len(ip) > 64 || !validText(ip) {
		ip = ""
	}
	t.lastIP.Store(&ip)
	// Conditional, so concurrent requests (on other instances too) write
	// once; a failure here must not fail the request.
	_, _ = s.DB.Exec(ctx, `UPDATE api_tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ? AND last_used_at = ?`,
		now, ip, t.tokenID, lastUsed)
}

// actAs resolves an account token's request to the principal of the user
// it names by email (any of their addresses). The creator must still be an
// admin who may act; a staff-only token acts only as agents and admins.
// Every failure is EUNAUTHORIZED, as for any bad credential.
func (s *Service) actAs(ctx context.Context, creator *desk.Principal, email string, staffOnly bool) (*desk.Principal, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	if e == "" || creator.Role != desk.RoleAdmin {
		return nil, unauthorized()
	}
	id, _, found, err := ownerOfEmail(ctx, s.DB, e)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, unauthorized()
	}
	p, err := PrincipalFor(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if staffOnly && !p.IsStaff() {
		return nil, unauthorized()
	}
	p.Via = "api"
	return p, nil
}
