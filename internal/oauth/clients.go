// Package oauth is OAuth 2.0 as Zendesk has it: clients (apps) that admins
// register, the authorization-code flow with PKCE, access and refresh
// tokens with scopes, and their revocation. It writes oauth_clients,
// oauth_codes and oauth_tokens. Secrets, codes and tokens are stored only
// as hashes; presented secrets are compared in constant time.
//
// The HTTP adapters are thin: internal/api serves /oauth/tokens and
// /api/v2/oauth/…, internal/web the consent page. Scopes are enforced in one
// place, Authorize, which the API calls for every request made with an
// access token.
package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Client kinds: a confidential client authenticates with its secret at the
// token endpoint; a public one (a browser or mobile app) has none and must
// use PKCE.
const (
	KindConfidential = "confidential"
	KindPublic       = "public"
)

// Limits on client records.
const (
	maxRedirectURIs = 10
	maxURI          = 2000
	maxText         = 255
)

// Service is the OAuth service. Now, when set, is the clock (tests).
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

// New returns the service over db.
func New(db *store.DB) *Service { return &Service{DB: db} }

func (s *Service) now() int64 {
	if s.Now != nil {
		return s.Now().UnixMicro()
	}
	return store.Now()
}

// Client is a registered OAuth client, in Zendesk's field names. Secret is
// set only in the answer that created or regenerated it.
type Client struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Identifier  string    `json:"identifier"`
	UserID      int64     `json:"user_id"`
	Company     string    `json:"company"`
	Description string    `json:"description"`
	Kind        string    `json:"kind"`
	RedirectURI []string  `json:"redirect_uri"`
	Secret      string    `json:"secret,omitempty"`
	CreatedAt   desk.Time `json:"created_at"`
	UpdatedAt   desk.Time `json:"updated_at"`
}

// ClientInput creates or changes a client; nil fields stay as they are on
// update.
type ClientInput struct {
	Name        *string   `json:"name"`
	Identifier  *string   `json:"identifier"`
	Company     *string   `json:"company"`
	Description *string   `json:"description"`
	Kind        *string   `json:"kind"`
	RedirectURI *[]string `json:"redirect_uri"`
}

const clientCols = `id, name, identifier, COALESCE(user_id, 0), company, description, kind, redirect_uris, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanClient(sc scanner) (*Client, error) {
	var c Client
	var uris string
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.Name, &c.Identifier, &c.UserID, &c.Company, &c.Description, &c.Kind, &uris, &created, &updated); err != nil {
		return nil, err
	}
	c.RedirectURI = splitURIs(uris)
	c.CreatedAt, c.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &c, nil
}

func splitURIs(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// requireAdmin is the rule for managing clients: admins only.
func requireAdmin(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, desk.Forbidden("Only admins can manage OAuth clients")
	}
	return p, nil
}

var identifierRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,99}$`)

// clientFields is a validated ClientInput merged over the current record.
type clientFields struct {
	name, identifier, company, description, kind string
	uris                                         []string
}

func validateClient(in ClientInput, cur *Client) (clientFields, error) {
	var f clientFields
	if cur != nil {
		f = clientFields{cur.Name, cur.Identifier, cur.Company, cur.Description, cur.Kind, cur.RedirectURI}
	} else {
		f.kind = KindConfidential
	}
	var v desk.Validation
	text := func(field string, p *string, dst *string, required bool) {
		if p != nil {
			*dst = strings.TrimSpace(*p)
		}
		switch {
		case required && *dst == "":
			v.Add(field, "can't be blank")
		case len(*dst) > maxText:
			v.Add(field, "is too long")
		case !utf8.ValidString(*dst) || strings.ContainsFunc(*dst, unicode.IsControl):
			v.Add(field, "contains invalid characters")
		}
	}
	text("name", in.Name, &f.name, true)
	text("company", in.Company, &f.company, false)
	text("description", in.Description, &f.description, false)
	if in.Identifier != nil {
		f.identifier = strings.TrimSpace(*in.Identifier)
	}
	if !identifierRE.MatchString(f.identifier) {
		v.Add("identifier", "must be 1–100 lower-case letters, digits, '.', '_' or '-'")
	}
	if in.Kind != nil {
		f.kind = strings.TrimSpace(*in.Kind)
	}
	if f.kind != KindConfidential && f.kind != KindPublic {
		v.Add("kind", "must be confidential or public")
	}
	if in.RedirectURI != nil {
		f.uris = nil
		for _, u := range *in.RedirectURI {
			if err := checkRedirectURI(u); err != nil {
				v.Add("redirect_uri", err.Error())
				continue
			}
			if !contains(f.uris, u) {
				f.uris = append(f.uris, u)
			}
		}
	}
	if len(f.uris) == 0 {
		v.Add("redirect_uri", "must list at least one redirect URI")
	} else if len(f.uris) > maxRedirectURIs {
		v.Add("redirect_uri", "lists too many redirect URIs")
	}
	return f, v.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkRedirectURI accepts absolute https URIs without a fragment, and http
// only on the loopback interface (native apps, development).
func checkRedirectURI(raw string) error {
	if raw == "" || len(raw) > maxURI || strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return errors.New("must be an absolute URI without spaces")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(raw, "#") || u.User != nil {
		return fmt.Errorf("%q is not an absolute URI without a fragment", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
	}
	return fmt.Errorf("%q must use https (http only for localhost)", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hashSecret is the stored form of a client secret, code or token. They
// all carry 256 random bits, so a fast hash suffices.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte("frontdesk-oauth:" + secret))
	return hex.EncodeToString(sum[:])
}

// newSecret returns a random secret with a recognisable prefix and its hash.
func newSecret(prefix string) (secret, hash string) {
	secret = prefix + auth.RandomString(32)
	return secret, hashSecret(secret)
}

// secretMatches compares a presented secret with a stored hash in constant
// time.
func secretMatches(presented, storedHash string) bool {
	if storedHash == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(hashSecret(presented)), []byte(storedHash)) == 1
}

// ListClients lists every client (admins only).
func (s *Service) ListClients(ctx context.Context) ([]*Client, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+clientCols+` FROM oauth_clients ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("oauth: listing clients: %w", err)
	}
	defer rows.Close()
	out := []*Client{}
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetClient returns one client (admins only).
func (s *Service) GetClient(ctx context.Context, id int64) (*Client, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return clientByID(ctx, s.DB, id)
}

func clientByID(ctx context.Context, q store.Querier, id int64) (*Client, error) {
	c, err := scanClient(q.QueryRow(ctx, `SELECT `+clientCols+` FROM oauth_clients WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	return c, err
}

// CreateClient registers a client. A confidential client gets a secret,
// returned once in Secret.
func (s *Service) CreateClient(ctx context.Context, in ClientInput) (*Client, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	f, err := validateClient(in, nil)
	if err != nil {
		return nil, err
	}
	var out *Client
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		secret, hash := "", ""
		if f.kind == KindConfidential {
			secret, hash = newSecret("")
		}
		var owner any
		if p.UserID != 0 {
			owner = p.UserID
		}
		now := s.now()
		id, err := tx.InsertID(ctx, `INSERT INTO oauth_clients (identifier, name, company, description, kind, secret_hash, redirect_uris, user_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.identifier, f.name, f.company, f.description, f.kind, hash, strings.Join(f.uris, "\n"), owner, now, now)
		if store.IsUniqueViolation(err) {
			return desk.Invalid("identifier", "is already taken")
		}
		if err != nil {
			return err
		}
		if out, err = clientByID(ctx, tx, id); err != nil {
			return err
		}
		out.Secret = secret
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "oauth_client.created", TargetType: "oauth_client", TargetID: id,
			Data: map[string]any{"identifier": f.identifier, "kind": f.kind}})
	})
	if err != nil {
		return nil, fmt.Errorf("oauth: creating client: %w", err)
	}
	return out, nil
}

// UpdateClient changes a client. Switching a client to public drops its
// secret; to confidential gives it one (returned once).
func (s *Service) UpdateClient(ctx context.Context, id int64, in ClientInput) (*Client, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var out *Client
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := clientByID(ctx, tx, id)
		if err != nil {
			return err
		}
		f, err := validateClient(in, cur)
		if err != nil {
			return err
		}
		secretSQL, args, secret := "", []any{}, ""
		if f.kind != cur.Kind {
			var hash string
			if f.kind == KindConfidential {
				secret, hash = newSecret("")
			}
			secretSQL, args = `, secret_hash = ?`, []any{hash}
		}
		_, err = tx.Exec(ctx, `UPDATE oauth_clients SET identifier = ?, name = ?, company = ?, description = ?, kind = ?, redirect_uris = ?, updated_at = ?`+secretSQL+` WHERE id = ?`,
			append(append([]any{f.identifier, f.name, f.company, f.description, f.kind, strings.Join(f.uris, "\n"), s.now()}, args...), id)...)
		if store.IsUniqueViolation(err) {
			return desk.Invalid("identifier", "is already taken")
		}
		if err != nil {
			return err
		}
		if out, err = clientByID(ctx, tx, id); err != nil {
			return err
		}
		out.Secret = secret
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "oauth_client.updated", TargetType: "oauth_client", TargetID: id,
			Data: map[string]any{"identifier": f.identifier, "kind": f.kind}})
	})
	if err != nil {
		return nil, fmt.Errorf("oauth: updating client %d: %w", id, err)
	}
	return out, nil
}

// RegenerateSecret gives a confidential client a new secret (returned
// once); the old one stops working at once.
func (s *Service) RegenerateSecret(ctx context.Context, id int64) (*Client, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var out *Client
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := clientByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Kind != KindConfidential {
			return desk.Invalid("kind", "public clients have no secret")
		}
		secret, hash := newSecret("")
		if _, err := tx.Exec(ctx, `UPDATE oauth_clients SET secret_hash = ?, updated_at = ? WHERE id = ?`, hash, s.now(), id); err != nil {
			return err
		}
		if out, err = clientByID(ctx, tx, id); err != nil {
			return err
		}
		out.Secret = secret
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "oauth_client.secret_regenerated", TargetType: "oauth_client", TargetID: id})
	})
	if err != nil {
		return nil, fmt.Errorf("oauth: regenerating the secret of client %d: %w", id, err)
	}
	return out, nil
}

// DeleteClient removes a client and with it every code and token it was
// given.
func (s *Service) DeleteClient(ctx context.Context, id int64) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := clientByID(ctx, tx, id); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM oauth_tokens WHERE client_id = ?`,
			`DELETE FROM oauth_codes WHERE client_id = ?`,
			`DELETE FROM oauth_clients WHERE id = ?`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "oauth_client.deleted", TargetType: "oauth_client", TargetID: id})
	})
	if err != nil {
		return fmt.Errorf("oauth: deleting client %d: %w", id, err)
	}
	return nil
}
