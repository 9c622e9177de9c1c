package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
)

// KindRule is the outbox kind of mail sent by business rules (triggers and
// automations).
const KindRule = "rule"

// QueueRuleMailTx queues a business rule's notification (rules.Mailer):
// rendered by package rules in the recipient's language, sent from the
// default support address, threaded onto the ticket's mail like every
// notification, marked Auto-Submitted: auto-generated. Frontdesk's own
// addresses are never mailed; without a support address nothing is sent.
func (n *Notifier) QueueRuleMailTx(ctx context.Context, tx *store.Tx, m rules.Mail) error {
	box, err := n.Mailboxes.DefaultTx(ctx, tx)
	if errors.Is(err, mailbox.ErrNoRelay) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: rule mail: %w", err)
	}
	own, err := n.Mailboxes.AddressesTx(ctx, tx)
	if err != nil {
		return fmt.Errorf("notify: rule mail: %w", err)
	}
	if mailbox.IsOwnAddress(own, m.To) {
		return nil
	}
	refs, err := n.Threads.ForTicketTx(ctx, tx, m.TicketID, referencesKept)
	if err != nil {
		return fmt.Errorf("notify: rule mail: %w", err)
	}
	replyTo, err := n.Threads.ReplyTo(box.Address, m.TicketID)
	if err != nil {
		return fmt.Errorf("notify: rule mail: %w", err)
	}
	id := thread.NewMessageID(box.Domain())
	msg := outbox.Message{To: m.To, Subject: thread.Subject(m.TicketID, m.Subject), Text: m.Text, HTML: m.HTML, Kind: KindRule,
		TicketID: m.TicketID, MailboxID: box.ID, MessageID: id, References: refs, ReplyTo: replyTo, AutoSubmitted: "auto-generated"}
	if len(refs) > 0 {
		msg.InReplyTo = refs[len(refs)-1]
	}
	if err := n.Outbox.AddTx(ctx, tx, msg); err != nil {
		if desk.ErrorCode(err) == desk.EINVALID {
			// An address the outbox cannot take must not undo the change.
			n.log().Warn("rule mail not queued", "ticket_id", m.TicketID, "rule_id", m.Rule.ID, "err", err)
			return nil
		}
		return fmt.Errorf("notify: queue rule mail: %w", err)
	}
	return n.Threads.RecordTx(ctx, tx, thread.Record{MessageID: id, MailboxID: box.ID, Direction: thread.Outbound, TicketID: m.TicketID})
}
