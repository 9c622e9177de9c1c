package ingest

import (
	"context"
	"strings"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Cause is why mail was suspended, with Zendesk's cause ids.
type Cause int

const (
	// CauseBlocklisted: the sender's address or domain is blocked.
	CauseBlocklisted Cause = 13
	// CauseSuspendedUser: the sender is a suspended user (Zendesk files
	// it under the same id, "blocklisted").
	CauseSuspendedUser Cause = 1013
)

// ID is the cause_id the API shows.
func (c Cause) ID() int {
	if c == CauseSuspendedUser {
		return int(CauseBlocklisted)
	}
	return int(c)
}

func (c Cause) String() string {
	if c == CauseSuspendedUser {
		return "Email is from a suspended user"
	}
	return "Email is from a blocklisted sender or domain"
}

// suspendCause says whether mail from addr (held by sender, if known)
// goes to the suspended queue, given the blocked-senders list.
func suspendCause(sender *people.Sender, blocked, addr string) (Cause, bool) {
	if sender != nil && sender.Suspended {
		return CauseSuspendedUser, true
	}
	if Blocked(blocked, addr) {
		return CauseBlocklisted, true
	}
	return 0, false
}

// Blocked reports whether addr is on list (addresses and domains separated
// by white space or commas; a domain blocks its subdomains too).
func Blocked(list, addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	_, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return false
	}
	for _, e := range strings.FieldsFunc(strings.ToLower(list), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		switch {
		case strings.Contains(e, "@") && !strings.HasPrefix(e, "@"):
			if e == addr {
				return true
			}
		default:
			d := strings.TrimPrefix(e, "@")
			if d != "" && (domain == d || strings.HasSuffix(domain, "."+d)) {
				return true
			}
		}
	}
	return false
}

// suspendTx stores the message in the suspended queue. Its files stay as
// pending uploads until it is recovered or deleted; the original's blob
// key is kept with the row.
func suspendTx(ctx context.Context, tx *store.Tx, box *mailbox.Mailbox, p *parsed, cause Cause) error {
	m := p.msg
	now := store.Now()
	_, err := tx.Exec(ctx, `INSERT INTO suspended_tickets (mailbox_id, message_id, author_name, author_email, recipient, subject, content,
		cause, cause_id, uploads, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, mailbox_id) DO NOTHING`,
		box.ID, p.messageID, cleanName(m.From.Name, m.From.Address), strings.ToLower(m.From.Address), box.Address, subjectOf(m),
		body(m, false), cause.String(), cause.ID(), strings.Join(p.uploads, " "), now, now)
	return err
}
