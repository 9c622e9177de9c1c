// Package outbox holds emails waiting for delivery. Services add a message
// inside the transaction of the change that causes it (a password reset, a
// sign-up), so an email is queued exactly when that change commits.
//
// Outgoing mail carries secrets (password-reset, verification and sign-in
// links), and nobody but the recipient may ever read them, admins included:
// an admin who could read the owner's reset link could take over the owner's
// account. So the outbox never keeps a deliverable message readable:
//
//   - the deliverable message (subject and both bodies) is sealed with the
//     instance key (package secrets, AES-GCM, bound to the recipient and
//     kind) and only Pending, Deliverable and Latest open it; they serve the
//     system principal only (the delivery path, the command line, tests),
//     never a user, so no adapter can hand a deliverable body to a browser;
//   - what List shows admins (Entry) is made here, by Redact, from the
//     message itself: every link and every token-like word is replaced, so
//     a sender cannot leak a secret into the admin view by forgetting to
//     mark it. Entry has no field for a body that was not redacted.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Message is one deliverable email. SentAt is the zero time while it is
// unsent. Only the system principal ever receives one (Pending,
// Deliverable, Latest).
type Message struct {
	ID        int64
	To        string
	Subject   string
	Text      string
	HTML      string
	Kind      string
	CreatedAt time.Time
	SentAt    time.Time // zero = unsent

	// What a message about a ticket needs to thread in mail clients.
	// TicketID and MailboxID are 0 for mail about no ticket (password
	// resets) and for mail sent as the default support address.
	TicketID  int64
	MailboxID int64
	// MessageID (without angle brackets) is chosen by the sender when it
	// records the thread in the same transaction; "" lets delivery pick
	// one (MarkSent stores it).
	MessageID  string
	InReplyTo  string   // Message-ID this answers, without brackets
	References []string // the thread's Message-IDs, oldest first
	ReplyTo    string   // bare address replies go to (the ticket token)
	// AutoSubmitted is the Auto-Submitted header ("auto-replied",
	// "auto-generated"); "" means none.
	AutoSubmitted string
	// Attempts counts failed delivery attempts so far.
	Attempts int
}

// Entry is what admins see of a message: who it is for, its kind, its
// subject and a preview with every link and token-like word hidden
// (Redact), and whether it has been delivered.
type Entry struct {
	ID        int64
	To        string
	Subject   string
	Kind      string
	Preview   string
	CreatedAt time.Time
	SentAt    time.Time // zero = unsent
	TicketID  int64
	// Attempts counts failed delivery attempts; LastError is the last
	// failure (redacted like the preview), FailedAt when delivery gave up
	// for good (a permanent 5xx answer, or too many attempts).
	Attempts  int
	LastError string
	FailedAt  time.Time
}

// Sent reports whether the message has been delivered.
func (e Entry) Sent() bool { return !e.SentAt.IsZero() }

// Failed reports whether delivery gave up on the message.
func (e Entry) Failed() bool { return !e.FailedAt.IsZero() }

// Outbox is the store of messages waiting for delivery.
type Outbox struct {
	DB *store.DB
	// Box seals deliverable messages; without one nothing can be queued.
	Box *secrets.Box
	// Queued, when set, is called once after the commit of each
	// transaction that queued mail (the server kicks a delivery round).
	Queued func()
}

// New returns an Outbox over db sealing with box.
func New(db *store.DB, box *secrets.Box) *Outbox { return &Outbox{DB: db, Box: box} }

// Limits on what one message may hold.
const (
	maxAddr    = 320 // bytes: 64 local + @ + 255 domain
	maxSubject = 255 // runes
	maxKind    = 64  // bytes
	maxBody    = 1 << 20
	// DefaultLimit and MaxLimit bound List and Pending.
	DefaultLimit = 100
	MaxLimit     = 1000
)

// sealed is the deliverable part of a row, before sealing.
type sealed struct {
	Subject       string   `json:"subject"`
	Text          string   `json:"text"`
	HTML          string   `json:"html"`
	InReplyTo     string   `json:"in_reply_to,omitempty"`
	References    []string `json:"references,omitempty"`
	ReplyTo       string   `json:"reply_to,omitempty"`
	AutoSubmitted string   `json:"auto_submitted,omitempty"`
}

// sealContext binds a sealed body to its recipient and kind, so a body
// copied into another row does not open.
func sealContext(to, kind string) string { return "outbox:" + kind + ":" + to }

// AddTx queues m inside the caller's transaction. To must be a bare address
// without control characters (a CR or LF would let a value inject mail
// headers); the subject is folded onto one line; bodies are stored as
// valid UTF-8 without NUL bytes. CreatedAt defaults to the store's clock.
// ID and SentAt are ignored. The message is stored sealed, with a redacted
// copy for admins (see the package comment).
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
	hdr, err := threadHeaders(m)
	if err != nil {
		return err
	}
	hdr.Subject, hdr.Text, hdr.HTML = subject, text, html
	raw, err := json.Marshal(hdr)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	box, err := o.Box.Seal(raw, sealContext(to, kind))
	if err != nil {
		return fmt.Errorf("outbox: sealing a message: %w", err)
	}
	preview := Redact(text)
	if text == "" {
		preview = Redact(htmlText(html))
	}
	created := store.Now()
	if !m.CreatedAt.IsZero() {
		created = m.CreatedAt.UnixMicro()
	}
	_, err = tx.Exec(ctx, `INSERT INTO outbox (to_addr, subject, text_body, html_body, kind, created_at, sealed, ticket_id, mailbox_id, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		to, Redact(subject), preview, "", kind, created, box, max(m.TicketID, 0), max(m.MailboxID, 0), hdr.messageID)
	if err != nil {
		return fmt.Errorf("outbox: queue %s: %w", kind, err)
	}
	if o.Queued != nil && tx.Value(queuedKey{}) == nil {
		tx.SetValue(queuedKey{}, true)
		tx.AfterCommit(o.Queued)
	}
	return nil
}

// queuedKey marks a transaction whose commit already calls Queued.
type queuedKey struct{}

// CountSinceTx counts the messages of kind queued for to at or after since,
// inside tx; services use it to cap how many emails one address receives.
func (o *Outbox) CountSinceTx(ctx context.Context, tx *store.Tx, to, kind string, since time.Time) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND kind = ? AND created_at >= ?`,
		strings.ToLower(strings.TrimSpace(to)), kind, since.UnixMicro()).Scan(&n)
	return n, err
}

const (
	entryCols   = `id, to_addr, subject, text_body, kind, created_at, sent_at, ticket_id, attempts, last_error, failed_at`
	messageCols = `id, to_addr, kind, created_at, sent_at, sealed, ticket_id, mailbox_id, message_id, attempts`
)

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var created, sent, failed int64
	if err := sc.Scan(&e.ID, &e.To, &e.Subject, &e.Preview, &e.Kind, &created, &sent, &e.TicketID, &e.Attempts, &e.LastError, &failed); err != nil {
		return e, err
	}
	e.CreatedAt, e.SentAt, e.FailedAt = fromMicros(created), fromMicros(sent), fromMicros(failed)
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.UnixMicro(0).UTC()
	}
	return e, nil
}

// scanMessage reads a row and opens its sealed part.
func (o *Outbox) scanMessage(sc interface{ Scan(...any) error }) (Message, error) {
	m, box, err := scanSealed(sc)
	if err != nil {
		return m, err
	}
	return m, o.open(&m, box)
}

// scanSealed reads a row of messageCols (plus any extra destinations)
// without opening its sealed part.
func scanSealed(sc interface{ Scan(...any) error }, extra ...any) (Message, string, error) {
	var m Message
	var created, sent int64
	var box string
	dest := append([]any{&m.ID, &m.To, &m.Kind, &created, &sent, &box, &m.TicketID, &m.MailboxID, &m.MessageID, &m.Attempts}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return m, "", err
	}
	m.CreatedAt, m.SentAt = time.UnixMicro(created).UTC(), fromMicros(sent)
	return m, box, nil
}

// open fills m's deliverable part from its sealed value.
func (o *Outbox) open(m *Message, box string) error {
	if box == "" {
		return fmt.Errorf("outbox: message %d was queued before messages were sealed and cannot be delivered", m.ID)
	}
	raw, err := o.Box.Open(box, sealContext(m.To, m.Kind))
	if err != nil {
		return fmt.Errorf("outbox: message %d: %w", m.ID, err)
	}
	var d sealed
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("outbox: message %d: %w", m.ID, err)
	}
	m.Subject, m.Text, m.HTML = d.Subject, d.Text, d.HTML
	m.InReplyTo, m.References, m.ReplyTo, m.AutoSubmitted = d.InReplyTo, d.References, d.ReplyTo, d.AutoSubmitted
	return nil
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func clampLimit(limit int) int {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return min(limit, MaxLimit)
}

// List returns up to limit messages as admins may see them (Entry: no
// links, no tokens), newest first. Admins only. limit <= 0 means
// DefaultLimit; it is capped at MaxLimit.
func (o *Outbox) List(ctx context.Context, limit int) ([]Entry, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, desk.Forbidden("Only admins can see the outbox")
	}
	rows, err := o.DB.Query(ctx, `SELECT `+entryCols+` FROM outbox ORDER BY id DESC LIMIT ?`, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("outbox: list: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("outbox: list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// requireSystem admits only the system principal: deliverable messages go
// to the mail server, never to a person.
func requireSystem(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.System {
		return desk.Forbidden("Only the delivery process can read deliverable messages")
	}
	return nil
}

// Pending returns up to limit unsent messages (not given up on), oldest first, ready to hand
// to a mail server (system principal only). Messages queued before they
// were sealed (schema version 10 blanked them) are never pending. A row
// that does not open (sealed with another key, tampered with) is an error
// naming its id.
func (o *Outbox) Pending(ctx context.Context, limit int) ([]Message, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	rows, err := o.DB.Query(ctx, `SELECT `+messageCols+` FROM outbox WHERE sent_at = ? AND failed_at = ? AND sealed <> ? ORDER BY id LIMIT ?`, 0, 0, "", clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("outbox: pending: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := o.scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Deliverable returns message id as it must be delivered (system principal
// only), or desk.NotFound.
func (o *Outbox) Deliverable(ctx context.Context, id int64) (*Message, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	m, err := o.scanMessage(o.DB.QueryRow(ctx, `SELECT `+messageCols+` FROM outbox WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MarkSent records that message id has been delivered (system principal
// only). Marking a message twice keeps the first time.
func (o *Outbox) MarkSent(ctx context.Context, id int64, at time.Time) error {
	if err := requireSystem(ctx); err != nil {
		return err
	}
	res, err := o.DB.Exec(ctx, `UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at = ?`, at.UnixMicro(), id, 0)
	if err != nil {
		return fmt.Errorf("outbox: mark %d sent: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		var one int
		if err := o.DB.QueryRow(ctx, `SELECT 1 FROM outbox WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return desk.NotFound()
		}
	}
	return nil
}

// Latest returns the newest message to the address to, deliverable, or
// desk.NotFound. System principal only: it is for tests and the command
// line.
func (o *Outbox) Latest(ctx context.Context, to string) (*Message, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	m, err := o.scanMessage(o.DB.QueryRow(ctx, `SELECT `+messageCols+` FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1`,
		strings.ToLower(strings.TrimSpace(to))))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// Hidden replaces what Redact removes.
const (
	HiddenLink  = "[link hidden]"
	HiddenToken = "[hidden]"
)

var (
	linkRE = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*:(//)?[^\s<>"']+`)
	// Words that may be a secret: long mixes of letters and digits (a
	// base64 or hex token), or codes of six or more digits.
	tokenRE = regexp.MustCompile(`[A-Za-z0-9_\-+/=]{16,}|\d{6,}`)
	tagRE   = regexp.MustCompile(`<[^>]*>`)
)

// Redact returns s with every link (anything with a URL scheme) replaced by
// HiddenLink and every token-like word (24 or more characters of a token
// alphabet, 16 or more with a digit among them, or 6 or more digits) by
// HiddenToken. It is what admins see of a message.
func Redact(s string) string {
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(strings.ToLower(m), "mailto:") {
			return m // an address, not a secret
		}
		if !strings.Contains(m, "//") && !strings.ContainsAny(m, "?=/") {
			return m // "Note:" and the like
		}
		return HiddenLink
	})
	return tokenRE.ReplaceAllStringFunc(s, func(m string) string {
		digits := strings.IndexFunc(m, unicode.IsDigit) >= 0
		if len(m) >= 24 || digits {
			return HiddenToken
		}
		return m
	})
}

// htmlText is a rough text version of an HTML body, for the preview only.
func htmlText(s string) string {
	return strings.Join(strings.Fields(tagRE.ReplaceAllString(s, " ")), " ")
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
