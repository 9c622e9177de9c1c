// Package thread keeps email conversations on their tickets. It makes the
// Message-ID of every mail Frontdesk sends, records the Message-IDs of
// mail sent and received with their ticket (table email_messages), and signs
// ticket tokens that travel in the Reply-To address
// ("support+t123.sig@example.com"), so a reply finds its ticket even when a
// relay rewrote the Message-ID of the mail it answers.
package thread

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Direction says whether a recorded message was sent or received.
type Direction string

const (
	Outbound Direction = "outbound"
	Inbound  Direction = "inbound"
)

// MaxMessageID bounds a stored Message-ID (RFC 5322 lines are at most 998
// characters; real ids are far shorter).
const MaxMessageID = 512

// Record is one message seen by Frontdesk.
type Record struct {
	MessageID string // without angle brackets
	MailboxID int64
	Direction Direction
	TicketID  int64
}

// Store reads and writes email_messages.
type Store struct {
	DB *store.DB
	// Box derives the key that signs ticket tokens.
	Box *secrets.Box
}

// New returns a Store over db signing with box.
func New(db *store.DB, box *secrets.Box) *Store { return &Store{DB: db, Box: box} }

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewMessageID returns a fresh, globally unique Message-ID (without angle
// brackets) in domain, e.g. "fd.1733.4CQ…@example.com".
func NewMessageID(domain string) string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" {
		domain = "frontdesk.invalid"
	}
	return "fd." + strconv.FormatInt(time.Now().UnixMilli(), 36) + "." + strings.ToLower(b32.EncodeToString(b)) + "@" + domain
}

// Normalize strips white space and angle brackets from a Message-ID.
func Normalize(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	id = strings.TrimSuffix(id, ">")
	return strings.TrimSpace(id)
}

func validID(id string) bool {
	return id != "" && len(id) <= MaxMessageID && !strings.ContainsFunc(id, func(r rune) bool {
		return r <= ' ' || r == '<' || r == '>' || r == 0x7f
	})
}

// RecordTx stores r inside tx. Recording the same message twice (same id,
// mailbox and direction) keeps the first record.
func (s *Store) RecordTx(ctx context.Context, tx *store.Tx, r Record) error {
	_, err := s.RecordNewTx(ctx, tx, r)
	return err
}

// RecordNewTx records r like RecordTx and reports whether the record is
// new: false when the same message was recorded for the mailbox and
// direction already, possibly by a transaction that committed while this
// one waited on the row (PostgreSQL), which is how two concurrent
// deliveries of one message are told apart.
func (s *Store) RecordNewTx(ctx context.Context, tx *store.Tx, r Record) (bool, error) {
	id := Normalize(r.MessageID)
	if !validID(id) {
		return false, fmt.Errorf("thread: invalid Message-ID %q", r.MessageID)
	}
	if r.Direction != Outbound && r.Direction != Inbound {
		return false, fmt.Errorf("thread: invalid direction %q", r.Direction)
	}
	if r.TicketID <= 0 {
		return false, fmt.Errorf("thread: message %s has no ticket", id)
	}
	res, err := tx.Exec(ctx, `INSERT INTO email_messages (message_id, mailbox_id, direction, ticket_id, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (message_id, mailbox_id, direction) DO NOTHING`, id, r.MailboxID, string(r.Direction), r.TicketID, store.Now())
	if err != nil {
		return false, fmt.Errorf("thread: record %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("thread: record %s: %w", id, err)
	}
	return n == 1, nil
}

// Lookup returns the ticket of the first of ids (Message-IDs, with or
// without angle brackets, as found in In-Reply-To and References) that
// Frontdesk recorded. Callers pass the most specific id first (In-Reply-To,
// then References newest first). ok is false when none is known.
func (s *Store) Lookup(ctx context.Context, ids ...string) (ticketID int64, ok bool, err error) {
	return lookup(ctx, s.DB, ids)
}

// LookupTx is Lookup inside tx (an incoming mail's transaction), so that
// it needs no second connection while tx holds one.
func (s *Store) LookupTx(ctx context.Context, tx *store.Tx, ids ...string) (ticketID int64, ok bool, err error) {
	return lookup(ctx, tx, ids)
}

func lookup(ctx context.Context, q store.Querier, ids []string) (ticketID int64, ok bool, err error) {
	for _, raw := range ids {
		id := Normalize(raw)
		if !validID(id) {
			continue
		}
		err := q.QueryRow(ctx, `SELECT ticket_id FROM email_messages WHERE message_id = ? ORDER BY created_at LIMIT 1`, id).Scan(&ticketID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, false, fmt.Errorf("thread: lookup %s: %w", id, err)
		}
		return ticketID, true, nil
	}
	return 0, false, nil
}

// ForTicket returns the Message-IDs recorded for ticket, oldest first, at
// most limit of them: the References of the next mail about it.
func (s *Store) ForTicket(ctx context.Context, ticketID int64, limit int) ([]string, error) {
	return forTicket(ctx, s.DB, ticketID, limit)
}

// ForTicketTx is ForTicket inside tx (for hooks in a ticket change).
func (s *Store) ForTicketTx(ctx context.Context, tx *store.Tx, ticketID int64, limit int) ([]string, error) {
	return forTicket(ctx, tx, ticketID, limit)
}

type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func forTicket(ctx context.Context, q querier, ticketID int64, limit int) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT message_id FROM email_messages WHERE ticket_id = ? ORDER BY created_at DESC, message_id LIMIT ?`, ticketID, max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("thread: messages of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	// newest first from the query; References lists oldest first
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// tokenContext is what the signing key is derived for: a sealed value is
// never a ticket token and the other way round.
const tokenContext = "email:ticket-token"

// sigLen is the length of a token's signature in base32 characters (80
// bits): enough that guessing one for a given ticket is hopeless.
const sigLen = 16

// signature returns the signature of ticketID.
func (s *Store) signature(ticketID int64) (string, error) {
	if s.Box == nil {
		return "", errors.New("thread: no instance key to sign tokens with")
	}
	key, err := s.Box.DeriveKey(tokenContext)
	if err != nil {
		return "", err
	}
	return signWith(key, ticketID), nil
}

func signWith(key []byte, ticketID int64) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("ticket:" + strconv.FormatInt(ticketID, 10)))
	return strings.ToLower(b32.EncodeToString(mac.Sum(nil)))[:sigLen]
}

// Token returns the signed token of ticketID: "t123.<signature>".
func (s *Store) Token(ticketID int64) (string, error) {
	sig, err := s.signature(ticketID)
	if err != nil {
		return "", err
	}
	return "t" + strconv.FormatInt(ticketID, 10) + "." + sig, nil
}

// VerifyToken returns the ticket a token names when its signature is
// right. Tokens are case-insensitive (some mail systems lowercase or
// uppercase local parts).
func (s *Store) VerifyToken(token string) (ticketID int64, ok bool) {
	token = strings.ToLower(strings.TrimSpace(token))
	rest, found := strings.CutPrefix(token, "t")
	if !found {
		return 0, false
	}
	num, sig, found := strings.Cut(rest, ".")
	if !found || len(num) == 0 || len(num) > 18 {
		return 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != num {
		return 0, false
	}
	if s.Box == nil {
		return 0, false
	}
	// Tokens sent before a key rotation were signed with a key derived
	// from an older key: they still name their ticket.
	keys, err := s.Box.DeriveKeys(tokenContext)
	if err != nil {
		return 0, false
	}
	for _, key := range keys {
		if hmac.Equal([]byte(signWith(key, id)), []byte(sig)) {
			return id, true
		}
	}
	return 0, false
}

// ReplyTo returns the plus-address of mailbox address for ticketID:
// "support+t123.sig@example.com".
func (s *Store) ReplyTo(address string, ticketID int64) (string, error) {
	tok, err := s.Token(ticketID)
	if err != nil {
		return "", err
	}
	local, domain, ok := strings.Cut(address, "@")
	if !ok || local == "" || domain == "" {
		return "", fmt.Errorf("thread: invalid address %q", address)
	}
	return local + "+" + tok + "@" + domain, nil
}

// TokenFromAddress returns the ticket of a plus-address made by ReplyTo
// when its signature verifies.
func (s *Store) TokenFromAddress(address string) (ticketID int64, ok bool) {
	local, _, found := strings.Cut(strings.TrimSpace(address), "@")
	if !found {
		return 0, false
	}
	_, tok, found := strings.Cut(local, "+")
	if !found {
		return 0, false
	}
	return s.VerifyToken(tok)
}

// Subject returns the stable subject of mail about a ticket: the ticket's
// subject followed by "[#id]", whatever reply prefixes it had.
func Subject(ticketID int64, subject string) string {
	tag := "[#" + strconv.FormatInt(ticketID, 10) + "]"
	subject = strings.TrimSpace(strings.ReplaceAll(subject, tag, ""))
	if subject == "" {
		return tag
	}
	return subject + " " + tag
}

type inboundKey struct{}

// WithInbound marks ctx as the handling of received message id, so hooks of
// the ticket change it causes (the "request received" acknowledgement)
// can thread their mail onto it.
func WithInbound(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, inboundKey{}, Normalize(id))
}

// InboundFrom returns the received Message-ID WithInbound set, if any.
func InboundFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(inboundKey{}).(string)
	return id, ok && id != ""
}
