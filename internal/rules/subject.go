package rules

import (
	"slices"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Subject is what conditions test in memory: one ticket change (Before is
// nil on create) made by Actor at Now. Lazy lookups (requester's locale)
// are filled by the caller; nil ones answer "".
type Subject struct {
	Change *desk.TicketChange
	// Actor made the update (the person; the system for automations).
	Actor *desk.Principal
	Now   time.Time
	// RequesterLocale returns the requester's locale (e.g. "pl", "en-US").
	RequesterLocale func() string
	// Values carries extension data for fields added by other packages
	// (e.g. SLA state); keys are theirs to choose.
	Values map[string]any
	// CurrentUserID resolves "current_user" values (0: none).
	CurrentUserID int64
}

// Before is the ticket before the change (nil on create).
func (s *Subject) Before() *desk.Ticket { return s.Change.Before }

// After is the ticket as changed.
func (s *Subject) After() *desk.Ticket { return s.Change.After }

// Creating says whether the change creates the ticket.
func (s *Subject) Creating() bool {
	return s.Change.Kind == desk.ChangeCreate || s.Change.Before == nil
}

// ticketField reads one comparable value of a ticket ("" for none).
type ticketField func(t *desk.Ticket) string

// get reads f from t, "" for a nil ticket.
func get(f ticketField, t *desk.Ticket) string {
	if t == nil {
		return ""
	}
	return f(t)
}

// changed says whether field f differs between Before and After (on
// create: whether After has a value).
func (s *Subject) changed(f ticketField) bool {
	return get(f, s.Before()) != get(f, s.After())
}

// matchScalar is the shared matcher for single-valued fields: is, is_not,
// less/greater than (by rank when given), changed, not_changed, value
// (changed to), value_previous (changed from), present, not_present.
func matchScalar(f ticketField, rank func(string) int) func(s *Subject, field, op string, v any) bool {
	return func(s *Subject, field, op string, v any) bool {
		cur := get(f, s.After())
		want := String(v)
		if want == "current_user" {
			want = idString(s.actorID())
		}
		switch op {
		case OpIs:
			return cur == want
		case OpIsNot:
			return cur != want
		case OpLessThan, OpGreaterThan:
			if rank == nil {
				return false
			}
			a, b := rank(cur), rank(want)
			if a < 0 || b < 0 {
				return false
			}
			if op == OpLessThan {
				return a < b
			}
			return a > b
		case OpChanged:
			return s.changed(f)
		case OpNotChanged:
			return !s.changed(f)
		case OpValue:
			return s.changed(f) && cur == want
		case OpNotValue:
			return !(s.changed(f) && cur == want)
		case OpValuePrevious:
			return s.changed(f) && get(f, s.Before()) == want
		case OpNotValuePrev:
			return !(s.changed(f) && get(f, s.Before()) == want)
		case OpPresent:
			return cur != ""
		case OpNotPresent:
			return cur == ""
		}
		return false
	}
}

func (s *Subject) actorID() int64 {
	if s.CurrentUserID != 0 {
		return s.CurrentUserID
	}
	if s.Actor != nil {
		return s.Actor.UserID
	}
	return 0
}

// hasTag says whether t carries tag.
func hasTag(t *desk.Ticket, tag string) bool { return t != nil && slices.Contains(t.Tags, tag) }
