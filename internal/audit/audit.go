// Package audit owns the audit log: an append-only record of
// security-relevant changes (who changed private-group memberships or a
// group's visibility, and, as more services adopt it, any change an
// administrator may have to account for later).
//
// Services call RecordTx inside the transaction that makes the change, so an
// entry exists exactly when the change committed. The log has no update or
// delete API, and the store refuses UPDATE and DELETE on the table (schema
// version 11), so history cannot be rewritten through Frontdesk.
//
// The actor comes from the principal in the context; the client's address
// and user agent from WithClient, which the HTTP adapters set for every
// request.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Limits on what one entry stores.
const (
	maxIP        = 64
	maxUserAgent = 512
	maxName      = 100 // action and target type
	maxDetails   = 64 << 10
)

// Change is one field's value before and after.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// Entry is one audited change.
type Entry struct {
	ID        int64     `json:"id"`
	CreatedAt desk.Time `json:"created_at"`
	// ActorID is who acted; 0 for the system (command line, jobs).
	ActorID int64 `json:"actor_id"`
	// Via is the channel the actor used (api, web, system).
	Via string `json:"via,omitempty"`
	// Action names what happened, "<target type>.<verb>", e.g.
	// "group.member_added", "group.updated".
	Action string `json:"action"`
	// TargetType and TargetID name the record changed ("group", 7).
	TargetType string `json:"target_type"`
	TargetID   int64  `json:"target_id"`
	IP         string `json:"ip"`
	UserAgent  string `json:"user_agent"`
	// Changes holds the fields that changed, with before and after.
	Changes map[string]Change `json:"changes,omitempty"`
	// Data is further context (e.g. the member added to a group).
	Data map[string]any `json:"data,omitempty"`
	// Credential names the credential the actor used when it was not their
	// own session or API token (an account token, an OAuth access token),
	// filled in from the principal.
	Credential *Credential `json:"credential,omitempty"`
	// Seq and Hash are the entry's place in the hash chain and its hash
	// (0 and "" for entries recorded before the chain began).
	Seq  int64  `json:"seq,omitempty"`
	Hash string `json:"hash,omitempty"`
	// Subjects are further users the entry is about, beside a user target
	// and a "user_id" in Data: its personal strings are kept where their
	// erasure can remove them (see pii.go). Not stored.
	Subjects []int64 `json:"-"`
}

// Credential is the credential behind an action: an account API token, or
// an OAuth access token (and its client) with the admin who acted as the
// actor through it (impersonate scope), so an entry names both the token
// and the user acted as (the actor).
type Credential struct {
	Type           string `json:"type"`
	TokenID        int64  `json:"token_id"`
	ClientID       int64  `json:"client_id,omitempty"`
	ImpersonatorID int64  `json:"impersonator_id,omitempty"`
}

// credentialOf describes the credential of p, nil for sessions, API tokens
// and the system.
func credentialOf(p *desk.Principal) *Credential {
	if p != nil && p.AccountTokenID != 0 {
		return &Credential{Type: "account_token", TokenID: p.AccountTokenID}
	}
	if p == nil || p.OAuth == nil {
		return nil
	}
	return &Credential{Type: "oauth_token", TokenID: p.OAuth.TokenID, ClientID: p.OAuth.ClientID, ImpersonatorID: p.OAuth.ImpersonatorID}
}

// details is the JSON stored in audit_log.details.
type details struct {
	Via        string            `json:"via,omitempty"`
	Changes    map[string]Change `json:"changes,omitempty"`
	Data       map[string]any    `json:"data,omitempty"`
	Credential *Credential       `json:"credential,omitempty"`
}

type clientKey struct{}

type client struct{ ip, userAgent string }

// WithClient returns a context telling RecordTx the client's address and
// user agent. The HTTP adapters call it once per request.
func WithClient(ctx context.Context, ip, userAgent string) context.Context {
	return context.WithValue(ctx, clientKey{}, client{ip: clean(ip, maxIP), userAgent: clean(userAgent, maxUserAgent)})
}

// ClientFrom returns the client's address and user agent that WithClient
// put in ctx (cleaned and bounded as stored here), and whether there were
// any: other services record them too (the ticket service, in Zendesk's
// audit and comment metadata).
func ClientFrom(ctx context.Context) (ip, userAgent string, ok bool) {
	c, ok := ctx.Value(clientKey{}).(client)
	return c.ip, c.userAgent, ok
}

// clean makes s storable on both stores (valid UTF-8, no NUL) and at most
// max bytes long.
func clean(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	for len(s) > max {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// RecordTx appends e to the audit log inside tx, with the actor taken from
// the principal in ctx and the client from WithClient. e.ID, e.CreatedAt,
// e.ActorID, e.Via, e.Credential, e.IP and e.UserAgent are filled in; the caller sets
// Action, TargetType, TargetID, Changes and Data.
//
// The entry is checked and encoded at once, and written when the
// transaction's function has returned, still inside the transaction
// (store.Tx.BeforeCommit): there it is chained to the log (see chain.go)
// under the chain head's lock, which is then held only for the commit.
func RecordTx(ctx context.Context, tx *store.Tx, e Entry) error {
	if e.Action == "" || e.TargetType == "" || len(e.Action) > maxName || len(e.TargetType) > maxName {
		return fmt.Errorf("audit: entry needs an action and a target type of at most %d bytes", maxName)
	}
	if p := desk.PrincipalFrom(ctx); p != nil {
		e.ActorID, e.Via = p.UserID, p.Via
		if p.System && e.Via == "" {
			e.Via = "system"
		}
		e.Credential = credentialOf(p)
	}
	if c, ok := ctx.Value(clientKey{}).(client); ok {
		e.IP, e.UserAgent = c.ip, c.userAgent
	}
	changes, data, pii, err := splitPersonal(e)
	if err != nil {
		return fmt.Errorf("audit: encoding %s: %w", e.Action, err)
	}
	b, err := json.Marshal(details{Via: e.Via, Changes: changes, Data: data, Credential: e.Credential})
	if err != nil {
		return fmt.Errorf("audit: encoding %s: %w", e.Action, err)
	}
	if len(b) > maxDetails {
		return fmt.Errorf("audit: details of %s are too large (%d bytes)", e.Action, len(b))
	}
	e.CreatedAt = desk.TimeFromMicros(store.Now())
	queue(ctx, tx, row{entry: e, created: e.CreatedAt.UnixMicro(), details: string(b), pii: pii})
	return observe(ctx, tx, e)
}
