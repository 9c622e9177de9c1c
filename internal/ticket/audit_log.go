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
