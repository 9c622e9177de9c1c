package ticket

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
)

// AutoAssigner chooses, inside the transaction of a ticket change, the
// agent an unassigned ticket entering a group should go to (automatic
// assignment: round-robin or least-busy among available agents). It
// returns 0 to leave the ticket unassigned. It must only read through tx
// and write its own tables (its rotation state); the assignment itself is
// made by commit, as part of the change's own audit.
type AutoAssigner func(ctx context.Context, tx *store.Tx, t *desk.Ticket) (int64, error)

// SetAutoAssigner installs fn as the automatic assigner (nil removes it).
// Set it while wiring the server, before serving.
func (s *Service) SetAutoAssigner(fn AutoAssigner) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.assigner = fn
}

func (s *Service) autoAssigner() AutoAssigner {
	s.hooksMu.RLock()
	defer s.hooksMu.RUnlock()
	return s.assigner
}

// autoAssign runs before commit writes the row: a ticket created in a group,
// or moved to another group, that has no assignee and is not solved gets
// the assigner's choice, recorded in the same audit (a Create event on
// create, a Change event on update). Deletes, restores and merges are not
// routed. The choice is checked like any assignee (an active agent whose
// role edits tickets, a member of the group); a choice that fails those
// checks is an error, not a silent skip, because the assigner promised it.
func (s *Service) autoAssign(ctx context.Context, tx *store.Tx, m *mutation) error {
	fn := s.autoAssigner()
	t := m.after
	if fn == nil || t == nil || t.GroupID == nil || t.AssigneeID != nil || !unsolved(t.Status) {
		return nil
	}
	switch m.kind {
	case desk.ChangeCreate:
	case desk.ChangeUpdate:
		if m.before == nil || deref(m.before.GroupID) == *t.GroupID {
			return nil
		}
	default:
		return nil
	}
	uid, err := fn(ctx, tx, t)
	if err != nil {
		return fmt.Errorf("automatic assignment: %w", err)
	}
	if uid == 0 {
		return nil
	}
	e := s.newEdit(ctx, tx, m.actor, m.before, t, &change{})
	if err := e.SetAssignee(uid); err != nil {
		return err
	}
	if err := e.v.Err(); err != nil {
		return fmt.Errorf("automatic assignment chose user %d: %w", uid, err)
	}
	ok, err := people.IsGroupMemberTx(ctx, tx, uid, *t.GroupID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("automatic assignment chose user %d outside group %d", uid, *t.GroupID)
	}
	if m.kind == desk.ChangeCreate {
		m.events = append(m.events, desk.AuditEvent{Type: "Create", FieldName: "assignee_id", Value: uid})
	} else {
		m.set("assignee_id", nil, uid)
	}
	return nil
}

// unsolved reports whether a ticket in status st still waits for work.
func unsolved(st desk.Status) bool {
	switch st {
	case desk.StatusNew, desk.StatusOpen, desk.StatusPending, desk.StatusHold:
		return true
	}
	return false
}
