package ticket

import (
	"github.com/frontdesk/frontdesk/internal/desk"
)

// SatisfactionEvent is the audit event type of a satisfaction rating, as
// Zendesk names it.
const SatisfactionEvent = "SatisfactionRating"

// RecordSatisfaction adds a SatisfactionRating event to this edit's audit:
// the requester rated the ticket score (good or bad; offered when the
// survey went out), with an optional comment. The rating itself is stored
// by package csat in the same transaction; the event puts it in the
// ticket's history and in front of triggers, and bumps the ticket's
// version like any change.
func (e *Edit) RecordSatisfaction(score, previous, comment string) {
	ev := desk.AuditEvent{Type: SatisfactionEvent, FieldName: "satisfaction_score", Value: score, Body: comment}
	if previous != "" && previous != score {
		ev.PreviousValue = previous
	}
	e.c.events = append(e.c.events, ev)
}
