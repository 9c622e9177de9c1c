// Package ingest turns one received e-mail (raw MIME, from the IMAP poller,
// the SMTP receiver or the HTTP inbound endpoint) into a ticket change:
//
//   - auto-replies, bounces, read receipts and mail from Frontdesk's own
//     addresses make no ticket and trigger nothing (a bounce marks the
//     failed recipient's address as undeliverable);
//   - a reply joins its ticket by In-Reply-To/References, else by the
//     signed ticket token in a recipient address or the subject, else by a
//     bare "[#123]" in the subject when the sender is that ticket's
//     requester or one of its CCs or followers;
//   - anything else opens a ticket with the sender as requester and the
//     CC'd addresses as CCs;
//   - mail from a suspended user or a blocked address goes to the
//     suspended tickets queue instead.
//
// The original message is stored as an attachment of the comment
// ("original.eml"), attachments and inline images too, all streamed to the
// attachment store while the message is parsed. The message's Message-ID
// is recorded for its mailbox in the same transaction as the ticket change
// (or the suspension), so a message delivered twice, or fetched again after
// a crash, changes nothing the second time.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"html"
	"io"
	"log/slog"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/parse"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Outcome says what a message became.
type Outcome string

const (
	Created   Outcome = "created"   // a new ticket
	Commented Outcome = "commented" // a comment on an existing ticket
	Duplicate Outcome = "duplicate" // seen before for this mailbox: nothing changed
	Suspended Outcome = "suspended" // held in the suspended tickets queue
	Ignored   Outcome = "ignored"   // auto-reply, bounce, receipt, own mail
)

// Result is what Ingest did with one message.
type Result struct {
	Outcome   Outcome
	TicketID  int64
	MailboxID int64
	MessageID string
	// Reason explains Ignored and Suspended outcomes.
	Reason string
}

// Delivery says how a message arrived: the mailbox it was fetched from
// (IMAP), or the envelope recipients (SMTP, HTTP) from which the mailbox
// is found.
type Delivery struct {
	MailboxID  int64
	Recipients []string
	// EnvelopeFrom is the SMTP reverse path ("" for bounces), if known.
	EnvelopeFrom string
	// Mailboxes are the support addresses as the receiver read them for
	// this message (checking its recipients); nil: Ingest reads them.
	Mailboxes []*mailbox.Mailbox
}

// Service ingests messages. Its fields are set once while wiring.
type Service struct {
	DB        *store.DB
	Tickets   *ticket.Service
	Threads   *thread.Store
	Mailboxes *mailbox.Service
	Settings  *settings.Service
	// MaxBytes bounds one raw message (0: parse.DefaultMaxBytes).
	MaxBytes int64
	Logger   *slog.Logger
	// AfterParse, when set, runs after a message is parsed and its files
	// stored, before the ticket transaction: tests use it to simulate a
	// crash between fetch and commit.
	AfterParse func()
}

// ErrTooLarge is returned for a message over the size limit.
var ErrTooLarge = parse.ErrTooLarge

// ErrNoMailbox is returned when no support address takes the message.
var ErrNoMailbox = errors.New("ingest: no support address is configured for this message")

// Limits that keep odd mail inside what a ticket accepts.
const (
	maxBodyBytes = 60 << 10
	maxSubject   = 250
	maxCCs       = 40
)

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Ingest reads one raw message from r and turns it into a ticket change.
// It returns an error only when the message could not be handled (too
// large, storage failure); the caller must then keep the message and try
// again later (IMAP leaves it unseen, SMTP answers 4xx).
func (s *Service) Ingest(ctx context.Context, d Delivery, r io.Reader) (*Result, error) {
	sys := emailContext(ctx)
	box, own, err := s.mailboxFor(sys, d)
	if err != nil {
		return nil, err
	}
	pm, err := s.read(sys, r)
	if err != nil {
		return nil, err
	}
	if s.AfterParse != nil {
		s.AfterParse()
	}
	res, err := s.decide(sys, box, own, d, pm)
	if err != nil || res.Outcome != Created && res.Outcome != Commented && res.Outcome != Suspended {
		s.discard(sys, pm) // nothing holds the stored files
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// emailContext is the principal mail acts as: the system, through the
// email channel. Authors are set on each comment explicitly.
func emailContext(ctx context.Context) context.Context {
	return desk.WithPrincipal(ctx, &desk.Principal{System: true, Role: desk.RoleAdmin, Via: "email"})
}

// parsed is a message read and its files written to the attachment store.
// Their rows are written in the ticket transaction (addUploads), so a
// message costs one write transaction.
type parsed struct {
	msg       *parse.Message
	messageID string
	// files are the stored files: the original first, then the message's
	// attachments and inline images in the order of msg.Attachments.
	files []*ticket.StagedFile
	// uploads are the files' upload tokens and attachment ids, once
	// addUploads made them pending uploads inside the transaction.
	uploads   []string
	attachIDs []int64
	// html is the mail HTML the comment shows (see apply).
	html string
}

// read stores the raw message while parsing it from the same stream, so a
// large message is read once and never held whole.
func (s *Service) read(ctx context.Context, r io.Reader) (*parsed, error) {
	pr, pw := io.Pipe()
	h := sha256.New()
	type saved struct {
		f   *ticket.StagedFile
		err error
	}
	done := make(chan saved, 1)
	go func() {
		f, err := s.Tickets.StageFile(ctx, "original.eml", io.TeeReader(io.TeeReader(r, h), pw))
		pw.CloseWithError(errOr(err, io.EOF))
		done <- saved{f, err}
	}()
	var files []*ticket.StagedFile
	msg, perr := parse.Parse(pr, parse.Options{MaxBytes: s.MaxBytes, Attachment: func(info parse.AttachmentInfo, body io.Reader) (string, error) {
		f, err := s.Tickets.StageFile(ctx, info.Filename, body)
		if err != nil {
			return "", err
		}
		files = append(files, f)
		return strconv.Itoa(len(files)), nil
	}})
	_, _ = io.Copy(io.Discard, pr) // let the store finish whatever Parse left
	pr.Close()
	sv := <-done
	if perr != nil || sv.err != nil {
		// a failed parse may have stored a truncated file: drop them all
		s.Tickets.DropStaged(context.WithoutCancel(ctx), append(files, sv.f)...)
		if errors.Is(perr, parse.ErrTooLarge) || desk.ErrorCode(sv.err) == desk.ETOOLARGE {
			return nil, ErrTooLarge
		}
		return nil, fmt.Errorf("ingest: read message: %w", errors.Join(perr, sv.err))
	}
	p := &parsed{msg: msg, files: append([]*ticket.StagedFile{sv.f}, files...)}
	p.messageID = thread.Normalize(msg.MessageID)
	if p.messageID == "" || len(p.messageID) > thread.MaxMessageID || strings.ContainsAny(p.messageID, " \t\r\n<>") {
		p.messageID = syntheticID(h)
	}
	return p, nil
}

// addUploads makes the message's stored files pending uploads inside tx,
// for the comment (or the suspended entry) to take; the images html shows
// from the message's parts are marked inline.
func (s *Service) addUploads(ctx context.Context, tx *store.Tx, p *parsed, h string) error {
	shown := map[string]bool{}
	if h = keptHTML(h); h != "" {
		for _, m := range cidSrcRE.FindAllStringSubmatch(h, -1) {
			shown[strings.ToLower(cidOf(m[1]))] = true
		}
	}
	for _, f := range p.files {
		f.Inline = false
	}
	for _, a := range p.msg.Attachments {
		if i, err := strconv.Atoi(a.Ref); err == nil && i > 0 && i < len(p.files) && a.ContentID != "" {
			p.files[i].Inline = shown[strings.ToLower(a.ContentID)]
		}
	}
	ups, err := s.Tickets.AddUploadsTx(ctx, tx, p.files)
	if err != nil {
		return err
	}
	p.uploads, p.attachIDs = p.uploads[:0], p.attachIDs[:0]
	for _, u := range ups {
		p.uploads = append(p.uploads, u.Token)
		p.attachIDs = append(p.attachIDs, u.Attachment.ID)
	}
	return nil
}

func errOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// syntheticID names a message without a usable Message-ID by its content,
// so the same bytes delivered twice still count once.
func syntheticID(h hash.Hash) string {
	return "sha256." + hex.EncodeToString(h.Sum(nil))[:40] + "@frontdesk.invalid"
}

// discard removes the stored files of a message no transaction committed
// (their rows, if any were written, went with the rolled-back transaction).
func (s *Service) discard(ctx context.Context, p *parsed) {
	s.Tickets.DropStaged(context.WithoutCancel(ctx), p.files...)
}

// discardUploads removes pending uploads that no comment took.
func (s *Service) discardUploads(ctx context.Context, tokens []string) {
	for _, tok := range tokens {
		if err := s.Tickets.DeleteUpload(ctx, tok); err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
			s.log().Warn("ingest: drop upload", "err", err)
		}
	}
}

// mailboxFor returns the mailbox a message was delivered to (the one
// named, else the first whose address is among the recipients, else the
// default) and every support address (lower case), from one read of the
// mailboxes.
func (s *Service) mailboxFor(ctx context.Context, d Delivery) (*mailbox.Mailbox, map[string]bool, error) {
	boxes := d.Mailboxes
	if boxes == nil {
		var err error
		if boxes, err = s.Mailboxes.List(ctx); err != nil {
			return nil, nil, fmt.Errorf("ingest: mailboxes: %w", err)
		}
	}
	own := make(map[string]bool, len(boxes))
	for _, b := range boxes {
		own[strings.ToLower(b.Address)] = true
	}
	if d.MailboxID != 0 {
		for _, b := range boxes {
			if b.ID == d.MailboxID {
				return b, own, nil
			}
		}
		b, err := s.Mailboxes.Get(ctx, d.MailboxID)
		return b, own, err
	}
	if b := MatchMailbox(boxes, d.Recipients); b != nil {
		return b, own, nil
	}
	b, err := s.Mailboxes.Default(ctx)
	if errors.Is(err, mailbox.ErrNoRelay) {
		return nil, nil, ErrNoMailbox
	}
	return b, own, err
}

// MatchMailbox returns the enabled mailbox whose address (or a
// plus-address of it) is one of rcpts.
func MatchMailbox(boxes []*mailbox.Mailbox, rcpts []string) *mailbox.Mailbox {
	for _, rc := range rcpts {
		for _, b := range boxes {
			if b.Enabled && mailbox.IsOwnAddress(map[string]bool{strings.ToLower(b.Address): true}, rc) {
				return b
			}
		}
	}
	return nil
}

// decide classifies the message and applies it.
func (s *Service) decide(ctx context.Context, box *mailbox.Mailbox, own map[string]bool, d Delivery, p *parsed) (*Result, error) {
	m := p.msg
	res := &Result{MailboxID: box.ID, MessageID: p.messageID, Outcome: Ignored}
	switch {
	case m.Kind == parse.KindBounce:
		res.Reason = "bounce"
		return res, s.markBounced(ctx, m)
	case m.Kind != parse.KindNormal:
		res.Reason = m.Kind.String()
		return res, nil
	case mailbox.IsOwnAddress(own, m.From.Address):
		res.Reason = "sent by a support address"
		return res, nil
	}
	if _, err := people.NormalizeSenderEmail(m.From.Address); err != nil {
		res.Reason = "no valid sender address"
		return res, nil
	}
	// Read outside the single writer: the blocked-senders setting.
	blocked, err := settings.BlockedSenders.Get(ctx, settings.Or(s.Settings, s.DB, nil))
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		*res = Result{MailboxID: box.ID, MessageID: p.messageID}
		return s.apply(ctx, tx, box, d, p, own, blocked, res)
	})
	if errors.Is(err, errRaced) {
		// A concurrent delivery of the same message committed first: this
		// one's ticket change was rolled back with its transaction.
		*res = Result{MailboxID: box.ID, MessageID: p.messageID, Outcome: Duplicate}
		return res, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ingest %s: %w", p.messageID, err)
	}
	return res, nil
}

// markBounced marks the addresses a bounce reports as failed.
func (s *Service) markBounced(ctx context.Context, m *parse.Message) error {
	if m.Bounce == nil {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range m.Bounce.Recipients {
			if !strings.EqualFold(r.Action, "failed") {
				continue // delayed, relayed, delivered: not a failure
			}
			if _, err := people.MarkUndeliverableTx(ctx, tx, r.Address); err != nil {
				return err
			}
		}
		return nil
	})
}

// apply runs inside the transaction: dedupe, suspension, threading, and
// the ticket change with the Message-ID record.
func (s *Service) apply(ctx context.Context, tx *store.Tx, box *mailbox.Mailbox, d Delivery, p *parsed, own map[string]bool, blocked string, res *Result) error {
	seen, err := seenTx(ctx, tx, p.messageID, box.ID)
	if err != nil || seen {
		res.Outcome = Duplicate
		return err
	}
	m := p.msg
	sender, err := people.SenderByEmailTx(ctx, tx, m.From.Address)
	if err != nil {
		return err
	}
	if cause, held := suspendCause(sender, blocked, m.From.Address); held {
		res.Outcome, res.Reason = Suspended, cause.String()
		if err := s.addUploads(ctx, tx, p, ""); err != nil {
			return err
		}
		return suspendTx(ctx, tx, box, p, cause)
	}
	ticketID, err := s.threadOf(ctx, tx, d, m, sender)
	if err != nil {
		return err
	}
	// the comment's HTML: the whole mail's on a new ticket, the reply's on
	// an existing one (see body)
	p.html = m.HTML
	if ticketID != 0 {
		p.html = replyHTML(m)
	}
	if err := s.addUploads(ctx, tx, p, p.html); err != nil {
		return err
	}
	if ticketID != 0 {
		res.Outcome, res.TicketID = Commented, ticketID
		if err := s.comment(ctx, tx, ticketID, box, p, sender); err != nil {
			return err
		}
	} else {
		t, err := s.create(ctx, tx, box, p, own)
		if err != nil {
			return err
		}
		res.Outcome, res.TicketID = Created, t
	}
	fresh, err := s.Threads.RecordNewTx(ctx, tx, thread.Record{MessageID: p.messageID, MailboxID: box.ID, Direction: thread.Inbound, TicketID: res.TicketID})
	if err == nil && !fresh {
		return errRaced
	}
	return err
}

// errRaced rolls back an ingest whose message another transaction
// recorded first (two deliveries at once, as a relay's retry can make):
// seenTx cannot see an uncommitted record, the unique Message-ID row can.
var errRaced = errors.New("ingest: message recorded concurrently")

// seenTx reports whether the message was already ingested or suspended for
// the mailbox.
func seenTx(ctx context.Context, tx *store.Tx, id string, boxID int64) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM email_messages WHERE message_id = ? AND mailbox_id = ? AND direction = ?)
		+ (SELECT COUNT(*) FROM suspended_tickets WHERE message_id = ? AND mailbox_id = ?)`,
		id, boxID, string(thread.Inbound), id, boxID).Scan(&n)
	return n > 0, err
}

// threadOf finds the ticket a reply belongs to (0: none, open a new one).
// A ticket found must be live and not closed; mail about a closed ticket
// opens a new one, as in Zendesk.
func (s *Service) threadOf(ctx context.Context, tx *store.Tx, d Delivery, m *parse.Message, sender *people.Sender) (int64, error) {
	ids := []string{m.InReplyTo}
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	if id, ok, err := s.Threads.LookupTx(ctx, tx, ids...); err != nil || ok {
		if err != nil {
			return 0, err
		}
		return usable(ctx, tx, id)
	}
	if id, ok := s.tokenIn(d, m); ok {
		return usable(ctx, tx, id)
	}
	if id, ok := bareTicketRef(m.Subject); ok && sender != nil {
		t, err := ticket.LoadTx(ctx, tx, id)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		if onTicket(t, sender.UserID) && t.Status != desk.StatusClosed {
			return t.ID, nil
		}
	}
	return 0, nil
}

func usable(ctx context.Context, tx *store.Tx, id int64) (int64, error) {
	t, err := ticket.LoadTx(ctx, tx, id)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if t.Status == desk.StatusClosed {
		return 0, nil
	}
	return t.ID, nil
}

func onTicket(t *desk.Ticket, uid int64) bool {
	if t.RequesterID == uid {
		return true
	}
	for _, list := range [][]int64{t.EmailCCIDs, t.FollowerIDs, t.CollaboratorIDs} {
		for _, id := range list {
			if id == uid {
				return true
			}
		}
	}
	return false
}

// tokenRE finds a signed ticket token ("t123.<16 base32 chars>").
var tokenRE = regexp.MustCompile(`(?i)\bt[0-9]{1,18}\.[a-z2-7]{16}\b`)

// tokenIn looks for a signed token in the recipient addresses, then in the
// subject.
func (s *Service) tokenIn(d Delivery, m *parse.Message) (int64, bool) {
	rcpts := append([]string{}, d.Recipients...)
	for _, list := range [][]mail.Address{m.To, m.Cc, m.DeliveredTo} {
		for _, a := range list {
			rcpts = append(rcpts, a.Address)
		}
	}
	for _, a := range rcpts {
		if id, ok := s.Threads.TokenFromAddress(a); ok {
			return id, true
		}
	}
	for _, tok := range tokenRE.FindAllString(m.Subject, 3) {
		if id, ok := s.Threads.VerifyToken(tok); ok {
			return id, true
		}
	}
	return 0, false
}

var bareRefRE = regexp.MustCompile(`\[#([0-9]{1,18})\]`)

// bareTicketRef returns the ticket a "[#123]" in subject names.
func bareTicketRef(subject string) (int64, bool) {
	sm := bareRefRE.FindStringSubmatch(subject)
	if sm == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(sm[1], 10, 64)
	return id, err == nil && id > 0
}

// viaSource is Zendesk's via.source of an email: from and to, rel null.
func viaSource(box *mailbox.Mailbox, m *parse.Message) *desk.ViaSource {
	return &desk.ViaSource{
		From: map[string]any{"address": strings.ToLower(m.From.Address), "name": cleanName(m.From.Name, m.From.Address)},
		To:   map[string]any{"address": box.Address, "name": box.Name},
	}
}

func cleanName(name, addr string) string {
	name = strings.TrimSpace(strings.ToValidUTF8(name, ""))
	if name == "" {
		name, _, _ = strings.Cut(addr, "@")
	}
	return name
}

// body is the comment text: the whole text of a new ticket's first mail
// (signatures and forwarded content are part of the request), the reply
// without quoted history on an existing ticket.
func body(m *parse.Message, reply bool) string {
	b := m.Text
	if reply && strings.TrimSpace(m.Reply) != "" {
		b = m.Reply
	}
	b = strings.ReplaceAll(strings.TrimSpace(b), "\x00", "")
	if b == "" {
		b = "(no text)"
	}
	return truncate(b, maxBodyBytes)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "\n…"
}

func subjectOf(m *parse.Message) string {
	s := strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(m.Subject, ""), "\x00", ""))
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxSubject {
		s = string([]rune(s)[:maxSubject])
	}
	return s
}

// create opens a ticket for the message.
func (s *Service) create(ctx context.Context, tx *store.Tx, box *mailbox.Mailbox, p *parsed, own map[string]bool) (int64, error) {
	m := p.msg
	subject := subjectOf(m)
	pub := true
	in := ticket.Input{
		Subject:   &subject,
		Requester: &ticket.RequesterInput{Name: cleanName(m.From.Name, m.From.Address), Email: m.From.Address, FromMail: true},
		Comment:   &ticket.CommentInput{Body: body(m, false), MailHTML: mailHTML(p, p.html), Public: &pub, Uploads: p.uploads, ViaSource: viaSource(box, m)},
		Via:       "email",
		ViaSource: viaSource(box, m),
		Recipient: desk.NullString{Set: true, Value: box.Address},
		EmailCCs:  ccActions(m, own),
	}
	if box.DefaultGroupID != 0 {
		in.GroupID = desk.NullID{Set: true, ID: box.DefaultGroupID}
	}
	t, _, err := s.Tickets.CreateTx(thread.WithInbound(ctx, p.messageID), tx, in)
	if err != nil {
		return 0, err
	}
	return t.ID, nil
}

// ccActions makes the message's other recipients CCs: everyone in To and
// Cc but the sender and Frontdesk's own addresses.
func ccActions(m *parse.Message, own map[string]bool) []ticket.CCAction {
	var out []ticket.CCAction
	seen := map[string]bool{strings.ToLower(m.From.Address): true}
	for _, list := range [][]mail.Address{m.To, m.Cc} {
		for _, a := range list {
			addr := strings.ToLower(strings.TrimSpace(a.Address))
			if seen[addr] || mailbox.IsOwnAddress(own, addr) || len(out) >= maxCCs {
				continue
			}
			seen[addr] = true
			if _, err := people.NormalizeEmail(addr); err != nil {
				continue
			}
			out = append(out, ticket.CCAction{UserEmail: addr, UserName: cleanName(a.Name, addr), Action: "put"})
		}
	}
	return out
}

// comment adds the reply to ticket id as the sender (an end-user is
// created for an unknown address that holds a valid token).
func (s *Service) comment(ctx context.Context, tx *store.Tx, id int64, box *mailbox.Mailbox, p *parsed, sender *people.Sender) error {
	m := p.msg
	uid, staff := int64(0), false
	if sender != nil {
		uid, staff = sender.UserID, sender.Role.Staff()
	} else {
		var err error
		if uid, _, _, err = people.EnsureSenderTx(ctx, tx, cleanName(m.From.Name, m.From.Address), m.From.Address); err != nil {
			return err
		}
	}
	pub := true
	ci := &ticket.CommentInput{Body: body(m, true), MailHTML: mailHTML(p, p.html), Public: &pub, Uploads: p.uploads, AuthorID: desk.NullID{Set: true, ID: uid}, ViaSource: viaSource(box, m)}
	_, _, err := s.Tickets.EditTx(thread.WithInbound(ctx, p.messageID), tx, id, func(e *ticket.Edit) error {
		if err := e.AddComment(ci); err != nil {
			return err
		}
		return e.SetStatus(replyStatus(e, staff))
	})
	return err
}

// replyStatus is the status an emailed reply leads to: a customer's reply
// reopens a pending or solved ticket; an agent's follows the usual rule.
func replyStatus(e *ticket.Edit, staff bool) *string {
	if staff {
		return nil
	}
	switch e.Status() {
	case desk.StatusPending, desk.StatusSolved, desk.StatusHold:
		open := string(desk.StatusOpen)
		return &open
	}
	st := string(e.Status())
	return &st
}

// maxHTMLBytes bounds the HTML a comment takes from a mail (the ticket
// service refuses a comment over 256 KiB of HTML, which for mail would
// mean a message refused for ever): longer HTML is left out, and the
// comment shows the text part.
const maxHTMLBytes = 192 << 10

// replyHTML is the HTML counterpart of body(m, true).
func replyHTML(m *parse.Message) string {
	if strings.TrimSpace(m.Reply) != "" && strings.TrimSpace(m.ReplyHTML) != "" {
		return m.ReplyHTML
	}
	return m.HTML
}

// cidSrcRE finds the image sources that name a part of the message
// (RFC 2392 "cid:" URLs), in the sanitizer's output (double quotes).
var cidSrcRE = regexp.MustCompile(`(?i)\ssrc="cid:([^"]*)"`)

// mailHTML is the comment's HTML taken from a mail's sanitized HTML: the
// images it shows from its own parts ("cid:") point at the attachments
// those parts became, which are served only to people who may see the
// ticket. References to parts that were not stored stay "cid:" URLs, which
// the ticket service's sanitizer drops. Remote images were removed by the
// parser.
func mailHTML(p *parsed, h string) string {
	if h = keptHTML(h); h == "" || !strings.Contains(h, "cid:") {
		return h
	}
	byCID := map[string]int64{}
	for _, a := range p.msg.Attachments {
		i, err := strconv.Atoi(a.Ref)
		if err != nil || a.ContentID == "" || i <= 0 || i >= len(p.attachIDs) {
			continue
		}
		for _, k := range []string{a.ContentID, strings.ToLower(a.ContentID)} {
			if _, dup := byCID[k]; !dup {
				byCID[k] = p.attachIDs[i]
			}
		}
	}
	return cidSrcRE.ReplaceAllStringFunc(h, func(m string) string {
		ref := cidOf(cidSrcRE.FindStringSubmatch(m)[1])
		id, ok := byCID[ref]
		if !ok {
			id, ok = byCID[strings.ToLower(ref)]
		}
		if !ok {
			return m
		}
		return ` src="` + ticket.AttachmentPath(id) + `"`
	})
}

// keptHTML is h if a comment takes it: not blank, not over maxHTMLBytes.
func keptHTML(h string) string {
	if strings.TrimSpace(h) == "" || len(h) > maxHTMLBytes {
		return ""
	}
	return h
}

// cidOf is the Content-ID a "cid:" URL (as the sanitizer wrote it) names.
func cidOf(ref string) string {
	ref = html.UnescapeString(ref)
	if u, err := url.PathUnescape(ref); err == nil {
		ref = u
	}
	return strings.Trim(strings.TrimSpace(ref), "<>")
}
