// Package notify turns ticket changes into email, inside the change's
// transaction (a ticket.Hook), so a notification is queued exactly when
// its change commits:
//
//   - an agent's public reply goes to the requester and the CCs, with the
//     recent public conversation;
//   - an assignment goes to the new assignee;
//   - a customer's public reply goes to the assignee, or to the group's
//     agents when nobody is assigned;
//   - a ticket a customer opened by email is acknowledged to them ("request
//     received", Auto-Submitted: auto-replied), threaded onto their mail.
//
// Each mail gets a fresh Message-ID recorded against the ticket, threads
// onto earlier mail (In-Reply-To, References), carries the signed ticket
// token in its Reply-To address and a stable "[#id]" subject. Frontdesk's
// own support addresses, the person who made the change, suspended users
// and users without an address are never mailed. Templates exist in
// English and Polish, chosen by the recipient's locale.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// HistorySize is how many earlier public comments a reply mail shows.
const HistorySize = 3

// referencesKept bounds the References header.
const referencesKept = 10

// Notifier queues ticket notifications.
type Notifier struct {
	Outbox    *outbox.Outbox
	Mailboxes *mailbox.Service
	Threads   *thread.Store
	// PublicURL is the configured public address of the site; without
	// one, mails carry no links (httpx.PublicBase: no trustworthy base).
	PublicURL string
	Logger    *slog.Logger
	// Suggest, when set, finds help-center articles for the
	// acknowledgement of a new email request (the answer bot): base is
	// the site's public address; text the ticket's subject and body.
	Suggest func(ctx context.Context, tx *store.Tx, base string, ticketID, requesterID int64, locale, text string) ([]Suggestion, error)

	overrides overrides // admins' templates, parsed (see Templates)
}

// Register adds the notifier as a hook on every ticket change.
func (n *Notifier) Register(t *ticket.Service) { t.AddHook("email.notify", n.Hook) }

// user is what a notification needs of a person.
type user struct {
	ID        int64
	Name      string
	Email     string
	Locale    string
	Staff     bool
	Suspended bool
}

// change is one hook run's view of the store.
type change struct {
	n   *Notifier
	ctx context.Context
	tx  *store.Tx
	c   *desk.TicketChange
	box *mailbox.Mailbox
	own map[string]bool
	// refs are the ticket's Message-IDs before this change, oldest first.
	refs  []string
	users map[int64]*user
}

// Hook is the ticket.Hook.
func (n *Notifier) Hook(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error {
	if c.After == nil || (c.Kind != desk.ChangeCreate && c.Kind != desk.ChangeUpdate) {
		return nil
	}
	if !wantsMail(c) {
		return nil
	}
	box, err := n.Mailboxes.DefaultTx(ctx, tx)
	if errors.Is(err, mailbox.ErrNoRelay) {
		return nil // no support address: Frontdesk does not do email here
	}
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	own, err := n.Mailboxes.AddressesTx(ctx, tx)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	refs, err := n.Threads.ForTicketTx(ctx, tx, c.TicketID, referencesKept)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	ch := &change{n: n, ctx: ctx, tx: tx, c: c, box: box, own: own, refs: refs, users: map[int64]*user{}}
	return ch.run()
}

// wantsMail is the cheap first test: a public comment or a new assignee.
// A line of a live chat (via chat) is no mail: the visitor and the agent
// are talking right now. The chat's ticket mails as usual once anyone
// answers it elsewhere (a left message answered from the workspace).
func wantsMail(c *desk.TicketChange) bool {
	if c.Via == "chat" && c.Kind == desk.ChangeUpdate {
		return newAssignee(c) != 0 && c.Comment == nil
	}
	return (c.Comment != nil && c.Comment.Public) || newAssignee(c) != 0
}

func newAssignee(c *desk.TicketChange) int64 {
	if c.After.AssigneeID == nil || *c.After.AssigneeID == 0 {
		return 0
	}
	if c.Before != nil && c.Before.AssigneeID != nil && *c.Before.AssigneeID == *c.After.AssigneeID {
		return 0
	}
	return *c.After.AssigneeID
}

func (ch *change) run() error {
	if cm := ch.c.Comment; cm != nil && cm.Public {
		author, err := ch.user(cm.AuthorID)
		if err != nil {
			return err
		}
		if author != nil && author.Staff {
			if err := ch.publicReply(author); err != nil {
				return err
			}
		} else if err := ch.customerReply(author); err != nil {
			return err
		}
		if err := ch.acknowledge(author); err != nil {
			return err
		}
	}
	if id := newAssignee(ch.c); id != 0 && id != ch.c.ActorID {
		u, err := ch.user(id)
		if err != nil {
			return err
		}
		return ch.send(u, KindAssigned, "auto-generated", Data{}, nil)
	}
	return nil
}

// publicReply mails the requester and CCs.
func (ch *change) publicReply(author *user) error {
	history, err := ch.history()
	if err != nil {
		return err
	}
	ids := append([]int64{ch.c.After.RequesterID}, ch.c.After.EmailCCIDs...)
	seen := map[int64]bool{author.ID: true}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		u, err := ch.user(id)
		if err != nil {
			return err
		}
		if err := ch.send(u, KindPublicReply, "", Data{AuthorName: author.Name, Body: ch.c.Comment.Body}, history); err != nil {
			return err
		}
	}
	return nil
}

// customerReply mails the assignee, or the group's agents.
func (ch *change) customerReply(author *user) error {
	name := ""
	if author != nil {
		name = author.Name
	}
	d := Data{AuthorName: name, Body: ch.c.Comment.Body}
	if a := ch.c.After.AssigneeID; a != nil && *a != 0 {
		u, err := ch.user(*a)
		if err != nil {
			return err
		}
		return ch.send(u, KindCustomerReply, "auto-replied", d, nil)
	}
	if g := ch.c.After.GroupID; g != nil && *g != 0 {
		ids, err := ch.groupMembers(*g)
		if err != nil {
			return err
		}
		for _, id := range ids {
			u, err := ch.user(id)
			if err != nil {
				return err
			}
			if err := ch.send(u, KindCustomerReply, "auto-replied", d, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// acknowledge tells a customer who opened a ticket by email that it
// arrived. Mail that makes no ticket (auto-replies, bounces) never gets
// here, so an acknowledgement never answers an automatic message.
func (ch *change) acknowledge(author *user) error {
	c := ch.c
	if c.Kind != desk.ChangeCreate || c.Via != "email" || author == nil || author.Staff || author.ID != c.After.RequesterID {
		return nil
	}
	return ch.send(author, KindReceived, "auto-replied", Data{Suggestions: ch.suggestions(author)}, nil)
}

// suggestions asks the answer bot for articles that may answer a new
// email request. A failure costs the suggestions, never the ticket.
func (ch *change) suggestions(requester *user) []Suggestion {
	if ch.n.Suggest == nil || ch.n.PublicURL == "" {
		return nil
	}
	base, ok := httpx.PublicBase(nil, httpx.Site{PublicURL: ch.n.PublicURL}, httpx.ForEmail)
	if !ok {
		return nil
	}
	text := ch.c.After.Subject
	if ch.c.Comment != nil {
		text += "\n" + ch.c.Comment.Body
	}
	ss, err := ch.n.Suggest(ch.ctx, ch.tx, base, ch.c.After.ID, requester.ID, requester.Locale, text)
	if err != nil {
		ch.n.log().Warn("answer bot suggestions failed; the acknowledgement goes without them", "ticket_id", ch.c.After.ID, "err", err)
		return nil
	}
	return ss
}

// send queues one notification to u (nobody, the actor, a suspended user,
// an address without mail or one of Frontdesk's own addresses get none).
func (ch *change) send(u *user, kind Kind, auto string, d Data, history []Entry) error {
	if u == nil || u.Email == "" || u.Suspended || u.ID == ch.c.ActorID && kind != KindPublicReply && kind != KindReceived || mailbox.IsOwnAddress(ch.own, u.Email) {
		return nil
	}
	if kind != KindPublicReply && kind != KindReceived && !u.Staff {
		return nil // agent notifications go to agents only
	}
	t := ch.c.After
	requester, err := ch.user(t.RequesterID)
	if err != nil {
		return err
	}
	d.TicketID, d.Subject, d.RecipientName, d.History, d.Brand = t.ID, t.Subject, u.Name, history, ch.box.BrandName
	if requester != nil {
		d.RequesterName = requester.Name
	}
	d.Link = ch.link(u.Staff)
	subject, text, html, err := ch.n.render(ch.ctx, ch.tx, u.Locale, kind, d)
	if err != nil {
		return fmt.Errorf("notify: render %s: %w", kind, err)
	}
	replyTo, err := ch.n.Threads.ReplyTo(ch.box.Address, t.ID)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	id := thread.NewMessageID(ch.box.Domain())
	m := outbox.Message{To: u.Email, Subject: thread.Subject(t.ID, subject), Text: text, HTML: html, Kind: string(kind),
		TicketID: t.ID, MailboxID: ch.box.ID, MessageID: id, References: ch.refs, ReplyTo: replyTo, AutoSubmitted: auto}
	if len(ch.refs) > 0 {
		m.InReplyTo = ch.refs[len(ch.refs)-1]
	}
	if in, ok := thread.InboundFrom(ch.ctx); ok && kind == KindReceived {
		// the customer's own message is the one answered
		m.InReplyTo, m.References = in, append(append([]string{}, ch.refs...), in)
	}
	if err := ch.n.Outbox.AddTx(ch.ctx, ch.tx, m); err != nil {
		if desk.ErrorCode(err) == desk.EINVALID {
			// An address the outbox cannot send to must not undo the change.
			ch.n.log().Warn("notification not queued", "ticket_id", t.ID, "user_id", u.ID, "err", err)
			return nil
		}
		return fmt.Errorf("notify: queue %s: %w", kind, err)
	}
	return ch.n.Threads.RecordTx(ch.ctx, ch.tx, thread.Record{MessageID: id, MailboxID: ch.box.ID, Direction: thread.Outbound, TicketID: t.ID})
}

// link is the ticket's page for the recipient: the workspace for staff, the
// portal for customers; "" without a configured public URL.
func (ch *change) link(staff bool) string {
	if ch.n.PublicURL == "" {
		return ""
	}
	base, ok := httpx.PublicBase(nil, httpx.Site{PublicURL: ch.n.PublicURL}, httpx.ForEmail)
	if !ok {
		return ""
	}
	id := strconv.FormatInt(ch.c.After.ID, 10)
	if staff {
		return base + "/agent/tickets/" + id
	}
	return base + "/requests/" + id
}

func (ch *change) user(id int64) (*user, error) {
	if u, ok := ch.users[id]; ok {
		return u, nil
	}
	var u user
	var email sql.NullString
	var role string
	err := ch.tx.QueryRow(ch.ctx, `SELECT id, name, email, locale, role, suspended FROM users WHERE id = ?`, id).
		Scan(&u.ID, &u.Name, &email, &u.Locale, &role, &u.Suspended)
	if errors.Is(err, sql.ErrNoRows) {
		ch.users[id] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notify: user %d: %w", id, err)
	}
	u.Email, u.Staff = email.String, role == string(desk.RoleAdmin) || role == string(desk.RoleAgent)
	ch.users[id] = &u
	return &u, nil
}

func (ch *change) groupMembers(groupID int64) ([]int64, error) {
	rows, err := ch.tx.Query(ch.ctx, `SELECT user_id FROM group_memberships WHERE group_id = ? ORDER BY user_id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("notify: group %d: %w", groupID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// history returns the public comments before this change's, newest first.
func (ch *change) history() ([]Entry, error) {
	rows, err := ch.tx.Query(ch.ctx, `SELECT u.name, c.body, c.created_at FROM ticket_comments c JOIN users u ON u.id = c.author_id
		WHERE c.ticket_id = ? AND c.public = ? AND c.id <> ? ORDER BY c.id DESC LIMIT ?`, ch.c.TicketID, true, ch.c.Comment.ID, HistorySize)
	if err != nil {
		return nil, fmt.Errorf("notify: history: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.Author, &e.Body, &at); err != nil {
			return nil, err
		}
		e.When = time.UnixMicro(at).UTC().Format("2006-01-02 15:04 UTC")
		out = append(out, e)
	}
	return out, rows.Err()
}

// render fills the template in force for kind in the recipient's language:
// an admin's override, or the built-in one when there is none or the
// override fails on this ticket (it was tried on samples when saved, but
// a broken template must never stop mail).
func (n *Notifier) render(ctx context.Context, tx *store.Tx, locale string, kind Kind, d Data) (subject, text, html string, err error) {
	lang := language(locale)
	t, custom, err := n.overrides.template(ctx, tx, kind, lang)
	if err != nil {
		return "", "", "", err
	}
	if custom {
		subject, text, html, err = t.execute(d)
		if err == nil && strings.TrimSpace(subject) != "" {
			return subject, text, html, nil
		}
		n.log().Warn("an admin's email template failed; the built-in one was used", "kind", kind, "locale", lang, "ticket_id", d.TicketID, "err", err)
	}
	return render(lang, kind, d)
}

func (n *Notifier) log() *slog.Logger {
	if n.Logger == nil {
		return slog.Default()
	}
	return n.Logger
}
