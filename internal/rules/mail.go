package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Mail is one rule notification, rendered for its recipient.
type Mail struct {
	TicketID int64
	// UserID is the recipient user (0 for a bare address).
	UserID int64
	To     string
	Name   string
	// Staff says whether the recipient works tickets (their link goes to
	// the workspace, not the portal).
	Staff   bool
	Subject string
	Text    string
	HTML    string
	Rule    Ref
}

// Mailer queues rule mail in the caller's transaction (the durable mail
// path; package notify provides one). It must send nothing itself.
type Mailer interface {
	QueueRuleMailTx(ctx context.Context, tx *store.Tx, m Mail) error
}

// SetMailer sets where notification actions queue their mail; without one
// they are dropped (and logged by the caller).
func (r *Registry) SetMailer(m Mailer) {
	r.mu.Lock()
	r.mailer = m
	r.mu.Unlock()
}

// SetBaseURL sets the site's public address for {{ticket.url}} ("" none).
func (r *Registry) SetBaseURL(u string) {
	r.mu.Lock()
	r.baseURL = strings.TrimRight(u, "/")
	r.mu.Unlock()
}

func (r *Registry) site() (Mailer, string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.mailer, r.baseURL
}

type mailTarget struct {
	user, group, addresses string
}

// queueMail schedules a notification for after the write: recipients are
// resolved against the committed ticket, the text rendered in each one's
// language.
func (ac *ActionContext) queueMail(to mailTarget, subject, body string) {
	if ac.Later == nil {
		return
	}
	reg, rule, actor := ac.Registry, ac.Rule, ac.Actor
	ac.Later(func(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error {
		return reg.sendMail(ctx, tx, c, actor, rule, to, subject, body)
	})
}

// Person is what placeholders and mail need of a user.
type Person struct {
	ID        int64
	Name      string
	Email     string
	Locale    string
	Staff     bool
	Suspended bool
}

// FirstName is the name's first word.
func (p *Person) FirstName() string {
	if p == nil {
		return ""
	}
	f := strings.Fields(p.Name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// LastName is the name's last word when there are several.
func (p *Person) LastName() string {
	if p == nil {
		return ""
	}
	f := strings.Fields(p.Name)
	if len(f) < 2 {
		return ""
	}
	return f[len(f)-1]
}

// LoadPerson reads a user for placeholders and mail (nil when there is none).
func LoadPerson(ctx context.Context, tx *store.Tx, id int64) (*Person, error) {
	if id == 0 {
		return nil, nil
	}
	var p Person
	var email sql.NullString
	var role string
	err := tx.QueryRow(ctx, `SELECT id, name, email, locale, role, suspended FROM users WHERE id = ?`, id).
		Scan(&p.ID, &p.Name, &email, &p.Locale, &role, &p.Suspended)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rules: user %d: %w", id, err)
	}
	p.Email, p.Staff = email.String, role == string(desk.RoleAdmin) || role == string(desk.RoleAgent)
	return &p, nil
}

func (r *Registry) sendMail(ctx context.Context, tx *store.Tx, c *desk.TicketChange, actor *desk.Principal, rule Ref, to mailTarget, subject, body string) error {
	mailer, base := r.site()
	if mailer == nil || c.After == nil {
		return nil
	}
	t := c.After
	var ids []int64
	var addrs []string
	switch {
	case to.user != "":
		switch to.user {
		case "requester_id":
			ids = []int64{t.RequesterID}
		case "assignee_id":
			if t.AssigneeID != nil {
				ids = []int64{*t.AssigneeID}
			}
		case "current_user":
			if actor != nil && actor.UserID != 0 {
				ids = []int64{actor.UserID}
			}
		case "all_agents":
			var err error
			if ids, err = queryIDs(ctx, tx, `SELECT id FROM users WHERE role IN ('agent', 'admin') AND suspended = ? ORDER BY id LIMIT 500`, false); err != nil {
				return err
			}
		default:
			if n, ok := Int(to.user); ok {
				ids = []int64{n}
			}
		}
	case to.group != "":
		gid, _ := Int(to.group)
		if to.group == "group_id" {
			gid = 0
			if t.GroupID != nil {
				gid = *t.GroupID
			}
		}
		if gid != 0 {
			var err error
			if ids, err = queryIDs(ctx, tx, `SELECT user_id FROM group_memberships WHERE group_id = ? ORDER BY user_id LIMIT 500`, gid); err != nil {
				return err
			}
		}
	default:
		addrs = splitAddresses(to.addresses)
	}
	d := &PlaceholderData{Ctx: ctx, Tx: tx, Ticket: t, BaseURL: base}
	var err error
	if d.Requester, err = LoadPerson(ctx, tx, t.RequesterID); err != nil {
		return err
	}
	if t.AssigneeID != nil {
		if d.Assignee, err = LoadPerson(ctx, tx, *t.AssigneeID); err != nil {
			return err
		}
	}
	if actor != nil && actor.UserID != 0 {
		if d.CurrentUser, err = LoadPerson(ctx, tx, actor.UserID); err != nil {
			return err
		}
	}
	send := func(p *Person) error {
		d.Recipient, d.Locale, d.Staff = p, p.Locale, p.Staff
		m := Mail{TicketID: t.ID, UserID: p.ID, To: p.Email, Name: p.Name, Staff: p.Staff, Rule: rule,
			Subject: oneLine(r.Render(subject, d, false)), Text: r.Render(body, d, false), HTML: textToHTML(r.Render(body, d, true))}
		return mailer.QueueRuleMailTx(ctx, tx, m)
	}
	for _, id := range ids {
		p, err := LoadPerson(ctx, tx, id)
		if err != nil {
			return err
		}
		if p == nil || p.Email == "" || p.Suspended {
			continue
		}
		if err := send(p); err != nil {
			return err
		}
	}
	for _, a := range addrs {
		locale := "en"
		if d.Requester != nil {
			locale = d.Requester.Locale
		}
		if err := send(&Person{Email: a, Locale: locale}); err != nil {
			return err
		}
	}
	return nil
}

func queryIDs(ctx context.Context, tx *store.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("rules: recipients: %w", err)
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

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// textToHTML turns an already escaped body into paragraphs.
func textToHTML(escaped string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(escaped, "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(para, "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	return b.String()
}
