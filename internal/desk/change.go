package desk

// ChangeKind names what happened to a ticket in one commit.
type ChangeKind string

// Every kind of ticket mutation. Each goes through the ticket service's one
// commit path and produces exactly one audit and one event.
const (
	ChangeCreate          ChangeKind = "create"
	ChangeUpdate          ChangeKind = "update"
	ChangeMergeSource     ChangeKind = "merge_source" // closed and merged into another ticket
	ChangeMergeTarget     ChangeKind = "merge_target" // received other tickets' conversations
	ChangeSoftDelete      ChangeKind = "soft_delete"
	ChangeRestore         ChangeKind = "restore"
	ChangePermanentDelete ChangeKind = "permanent_delete"
)

// TicketChange is the typed payload of one ticket commit, given to the
// in-transaction hooks and to local subscribers after commit. Before is nil
// on create; After is the ticket as committed (for a permanent delete, the
// last state before the rows went).
type TicketChange struct {
	Kind    ChangeKind
	Before  *Ticket
	After   *Ticket
	Events  []AuditEvent // field-level events, as in the audit
	Comment *Comment     // the comment added, if any
	ActorID int64
	Via     string
	AuditID int64
}
