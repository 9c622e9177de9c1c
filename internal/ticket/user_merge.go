package ticket

import (
	"context"
	"fmt"
	"slices"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// MaxMergedUserRequests is how many tickets a user merged into another may
// be the requester of (Zendesk blocks merging a user with more).
const MaxMergedUserRequests = 10000

// MoveUserTx hands every live ticket naming user fromID, as requester,
// submitter, CC or follower, to user toID inside the caller's transaction,
// as part of a user merge (people.MergeUser calls it through the hook the
// server installs). Each ticket, closed ones included, goes through commit
// on its own: one audit with its changes, hooks, one event. The ticket's
// organization stays as it was. The caller has authorized the merge; the
// principal in ctx is the audits' author. Soft-deleted tickets keep their
// references (they are out of every view until restored). It reports how
// many tickets changed.
func (s *Service) MoveUserTx(ctx context.Context, tx *store.Tx, fromID, toID int64) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if fromID == toID || fromID == 0 || toID == 0 {
		return 0, fmt.Errorf("ticket: move user %d to %d: two distinct users needed", fromID, toID)
	}
	var requested int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE requester_id = ? AND deleted_at = 0`, fromID).Scan(&requested); err != nil {
		return 0, fmt.Errorf("ticket: move user %d: %w", fromID, err)
	}
	if requested > MaxMergedUserRequests {
		return 0, desk.Invalid("user", fmt.Sprintf("is the requester of more than %d tickets and cannot be merged", MaxMergedUserRequests))
	}
	ids, err := ticketsNaming(ctx, tx, fromID)
	if err != nil {
		return 0, fmt.Errorf("ticket: move user %d: %w", fromID, err)
	}
	moved := 0
	for _, id := range ids {
		changed, err := s.moveUserOnTicket(ctx, tx, p, id, fromID, toID)
		if err != nil {
			return moved, fmt.Errorf("ticket: move user %d on ticket %d: %w", fromID, id, err)
		}
		if changed {
			moved++
		}
	}
	return moved, nil
}

// ticketsNaming lists the live tickets that name userID as requester,
// submitter, CC or follower, in id order.
func ticketsNaming(ctx context.Context, tx *store.Tx, userID int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT t.id FROM tickets t WHERE t.deleted_at = 0 AND (t.requester_id = ? OR t.submitter_id = ?
		OR t.id IN (SELECT c.ticket_id FROM ticket_collaborators c WHERE c.user_id = ?)) ORDER BY t.id`, userID, userID, userID)
	if err != nil {
		return nil, err
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

// moveUserOnTicket replaces fromID with toID in ticket id's people and
// commits the change; it reports whether anything changed.
func (s *Service) moveUserOnTicket(ctx context.Context, tx *store.Tx, p *desk.Principal, id, fromID, toID int64) (bool, error) {
	old, err := loadTx(ctx, tx, id, false)
	if err != nil {
		return false, err
	}
	t, c := cloneTicket(old), &change{}
	if t.RequesterID == fromID {
		c.set("requester_id", t.RequesterID, toID)
		t.RequesterID = toID
	}
	if t.SubmitterID == fromID {
		c.set("submitter_id", t.SubmitterID, toID)
		t.SubmitterID = toID
	}
	ccs, _ := replaceUser(t.EmailCCIDs, fromID, toID)
	if t.RequesterID == toID { // the requester is not also CC'd
		ccs = slices.DeleteFunc(slices.Clone(ccs), func(id int64) bool { return id == toID })
	}
	if !slices.Equal(ccs, t.EmailCCIDs) {
		c.set("email_cc_ids", t.EmailCCIDs, ccs)
		t.EmailCCIDs = ccs
	}
	if fs, ok := replaceUser(t.FollowerIDs, fromID, toID); ok {
		c.set("follower_ids", t.FollowerIDs, fs)
		t.FollowerIDs = fs
	}
	if len(c.events) == 0 {
		return false, nil
	}
	if _, err := s.commit(ctx, tx, &mutation{kind: desk.ChangeUpdate, actor: p, before: old, after: t, change: *c}); err != nil {
		return false, err
	}
	return true, nil
}

// replaceUser returns ids with fromID replaced by toID (once, sorted), and
// whether fromID was there.
func replaceUser(ids []int64, fromID, toID int64) ([]int64, bool) {
	if !slices.Contains(ids, fromID) {
		return ids, false
	}
	out := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id == fromID })
	if !slices.Contains(out, toID) {
		out = append(out, toID)
	}
	slices.Sort(out)
	return out, true
}
