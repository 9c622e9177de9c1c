package desk

// ChangeKind names what happened to a ticket in one commit.
type ChangeKind string

// Every kind of ticket mutation. Each goes through the ticket service's one
// commit path and produces exactly one audit and one event — except a
// permanent delete, which removes the ticket's audits with its rows and so
// leaves none (its event still carries the last state as Before).
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
// in-transaction hooks and to local subscribers after commit.
//
// Before is the stored ticket before the change (nil on create); After is
// the ticket as committed (nil on a permanent delete, whose last state is
// Before). Hooks and subscribers must treat both as read-only.
type TicketChange struct {
	Kind     ChangeKind
	TicketID int64
	Before   *Ticket
	After    *Ticket
	// Events are the audit's field-level events (Create, Change), with
	// their audit event ids and values shaped as the audit stores them
	// (strings, numbers, nil); the comment is in Comment, not here.
	Events  []AuditEvent
	Comment *Comment // the comment added, if any
	ActorID int64    // the audit's author (the actor; for a comment on behalf of nobody, its author)
	Via     string   // the channel of the change
	// AuditID is the one audit this change wrote; 0 for a permanent
	// delete, which removes the ticket's audits with it.
	AuditID int64
}
