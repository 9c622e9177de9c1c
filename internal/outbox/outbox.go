// Package outbox holds emails waiting for delivery. Services add a message
// inside the transaction of the change that causes it (a password reset, a
// sign-up), so an email is queued exactly when that change commits. Until an
// SMTP sender drains the table (rows with sent_at = 0), admins can read the
// messages in the web UI and tests or the CLI can pick links out of them.
package outbox

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Message is one email. SentAt is the zero time while it is unsent.
type Message struct {
	ID        int64
	To        string
	Subject   string
	Text      string
	HTML      string
	Kind      string
	CreatedAt time.Time
	SentAt    time.Time // zero = unsent
}

// Outbox is the store of messages waiting for delivery.
type Outbox struct {
	DB *store.DB
}

// New returns an Outbox over db.
func New(db *store.DB) *Outbox { return &Outbox{DB: db} }

// Limits on what one message may hold.
const (
	maxAddr    = 320 // bytes: 64 local + @ + 255 domain
	maxSubject = 255 // runes
	maxKind    = 64  // bytes
	maxBody    = 1 << 20
	// DefaultLimit and MaxLimit bound List.
	DefaultLimit = 100
	MaxLimit     = 1000
)

// AddTx queues m inside the caller's transaction. To must be a bare address
// without control characters (a CR or LF would let a value inject mail
// headers); the subject is folded onto one line; bodies are stored as
// valid UTF-8 without NUL bytes. CreatedAt defaults to the store's clock.
// ID and SentAt are ignored.
func (o *Outbox) AddTx(ctx context.Context, tx *store.Tx, m Message) error {
	to := strings.ToLower(strings.TrimSpace(m.To))
	if !validAddr(to) {
		return desk.Invalid("to", "is not a valid email address")
	}
	kind := strings.TrimSpace(m.Kind)
	if len(kind) > maxKind || hasControl(kind) || !utf8.ValidString(kind) {
		return desk.Invalid("kind", "is invalid")
	}
	subject := oneLine(m.Subject)
	if subject == "" {
		return desk.Invalid("subject", "can't be blank")
	}
	if r := []rune(subject); len(r) > maxSubject {
		subject = string(r[:maxSubject])
	}
	text, html := cleanBody(m.Text), cleanBody(m.HTML)
	if text == "" && html == "" {
		return desk.Invalid("text", "can't be blank")
	}
	if len(text) > maxBody || len(html) > maxBody {
		return desk.Errorf(desk.ETOOLARGE, "Email body is too large")
	}
	created := store.Now()
	if !m.CreatedAt.IsZero() {
		created = m.CreatedAt.UnixMicro()
	}
	_, err := tx.Exec(ctx, `INSERT INTO outbox (to_addr, subject, text_body, html_body, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		to, subject, text, html, kind, created)
	return err
}

// CountSinceTx counts the messages of kind queued for to at or after since,
// inside tx; services use it to cap how many emails one address receives.
func (o *Outbox) CountSinceTx(ctx context.Context, tx *store.Tx, to, kind string, since time.Time) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND kind = ? AND created_at >= ?`,
		strings.ToLower(strings.TrimSpace(to)), kind, since.UnixMicro()).Scan(&n)
	return n, err
}

const cols = `id, to_addr, subject, text_body, html_body, kind, created_at, sent_at`

func scan(sc interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var created, sent int64
	if err := sc.Scan(&m.ID, &m.To, &m.Subject, &m.Text, &m.HTML, &m.Kind, &created, &sent); err != nil {
		return m, err
	}
	m.CreatedAt = time.UnixMicro(created).UTC()
	if sent != 0 {
		m.SentAt = time.UnixMicro(sent).UTC()
	}
	return m, nil
}

// List returns up to limit messages, newest first (admins only: messages
// hold password-reset and verification links). limit <= 0 means
// DefaultLimit; it is capped at MaxLimit.
func (o *Outbox) List(ctx context.Context, limit int) ([]Message, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, desk.Forbidden("Only admins can see the outbox")
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	rows, err := o.DB.Query(ctx, `SELECT `+cols+` FROM outbox ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Latest returns the newest message to the address to, or desk.NotFound.
// It checks no permissions: it is for tests and the CLI, never for adapters
// that serve untrusted callers.
func (o *Outbox) Latest(ctx context.Context, to string) (*Message, error) {
	m, err := scan(o.DB.QueryRow(ctx, `SELECT `+cols+` FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1`,
		strings.ToLower(strings.TrimSpace(to))))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// validAddr is a light check: one '@' with text on both sides, no white
// space, control characters or header/address punctuation. Services
// normalise real addresses (people.NormalizeEmail) before they get here.
func validAddr(s string) bool {
	if s == "" || len(s) > maxAddr || !utf8.ValidString(s) {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.Count(s, "@") != 1 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>(),;:\\\"[]", r)
	}) < 0
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

// oneLine makes s valid UTF-8 on a single line: control characters (CR and
// LF above all) become spaces and runs of white space collapse.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cleanBody makes s storable on both stores (PostgreSQL rejects invalid
// UTF-8 and NUL in TEXT).
func cleanBody(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
