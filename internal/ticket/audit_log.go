package ticket

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// AuditPermanentlyDeleted is the audit-log action of a permanent delete
// (issue P9). The ticket's own audits go with it, so the audit log is what
// keeps who deleted it and when; it names the ticket by id and requester
// only, not its content.
const AuditPermanentlyDeleted = "ticket.permanently_deleted"

func auditPermanentDeleteTx(ctx context.Context, tx *store.Tx, t *desk.Ticket) error {
	return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditPermanentlyDeleted, TargetType: "ticket", TargetID: t.ID,
		Data: map[string]any{"requester_id": t.RequesterID}})
}

// AuditRedacted is the audit-log action of a redaction in a ticket (issue
// P9: the audit log records redactions). It names the ticket, the comments
// and the attachments redacted, never what was removed; the ticket's own
// audit carries the CommentRedaction and AttachmentRedaction events.
const AuditRedacted = "ticket.redacted"

// auditRedactionsTx records the change's redactions, if any, in the audit
// log (erasure has an entry of its own, user.permanently_deleted).
func auditRedactionsTx(ctx context.Context, tx *store.Tx, t *desk.Ticket, c *change) error {
	if len(c.redactions) == 0 && len(c.attachmentRedactions) == 0 {
		return nil
	}
	comments := make([]int64, 0, len(c.redactions))
	for _, r := range c.redactions {
		comments = append(comments, r.commentID)
	}
	files := make([]int64, 0, len(c.attachmentRedactions))
	for _, a := range c.attachmentRedactions {
		files = append(files, a.id)
	}
	return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditRedacted, TargetType: "ticket", TargetID: t.ID,
		Data: map[string]any{"comment_ids": comments, "attachment_ids": files}})
}
