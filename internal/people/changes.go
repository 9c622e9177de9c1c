package people

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Hook runs inside the transaction of every change the people service
// makes to a user, organization, group or group membership, with the event
// that change publishes. An error rolls the change back (and nothing is
// published). Hooks enqueue durable work; they do not send anything.
type Hook func(ctx context.Context, tx *store.Tx, e events.Event) error

// AddHook registers h. Call it while wiring the service, before serving.
func (s *Service) AddHook(h Hook) { s.hooks = append(s.hooks, h) }

// changedTx finishes a change inside its transaction: it runs the hooks and
// publishes e through the bus (delivered after commit, to every instance).
// Every mutation of the service calls it exactly once, last.
func (s *Service) changedTx(ctx context.Context, tx *store.Tx, e events.Event) error {
	if p := desk.PrincipalFrom(ctx); p != nil && e.ActorID == 0 {
		e.ActorID = p.UserID
	}
	for _, h := range s.hooks {
		if err := h(ctx, tx, e); err != nil {
			return fmt.Errorf("people: hook on %s: %w", e.Type, err)
		}
	}
	if changesAccess(e) {
		// Directly, not only through the bus: a Service without one (the
		// CLI's) or not built by New must still forget the tokens its own
		// change affects. With a bus, New's subscription clears again; a
		// second clear of an emptied map costs nothing.
		tx.AfterCommit(s.tokens.clear)
	}
	if err := s.Events.PublishTx(ctx, tx, e); err != nil {
		return fmt.Errorf("people: publishing %s: %w", e.Type, err)
	}
	return nil
}

// accessChangedTx drops every cached API token once tx commits, on this
// instance and, through the bus's relay, on every other: for changes no
// user or organization event announces (a token revoked, a custom role's
// permissions changed or the role deleted).
func (s *Service) accessChangedTx(ctx context.Context, tx *store.Tx) error {
	tx.AfterCommit(s.tokens.clear)
	if err := s.Events.PublishTx(ctx, tx, events.Event{Type: events.AccessChanged}); err != nil {
		return fmt.Errorf("people: publishing %s: %w", events.AccessChanged, err)
	}
	return nil
}

// Private groups. Their tickets are seen only by their members and the
// account owner, so whoever could join one, add someone to it, take someone
// out of it, delete it or change its visibility could read them or hide
// them. Those changes therefore need, beyond manage_groups_orgs, the
// account owner or an existing member of the group (or the system: the
// command line). A private group never becomes public (as in Zendesk);
// making a public group private is a visibility change and needs an
// insider too. Every such change is written to the audit log.

func errNotGroupInsider() error {
	return desk.Forbidden("Only members of this private group and the account owner can change it or its members")
}

// requireGroupInsiderTx allows p to change group g's membership or
// visibility: the system, the account owner, or a member of g.
func requireGroupInsiderTx(ctx context.Context, tx *store.Tx, p *desk.Principal, groupID int64) error {
	if p.System {
		return nil
	}
	member, err := IsGroupMemberTx(ctx, tx, p.UserID, groupID)
	if err != nil {
		return err
	}
	if member {
		return nil
	}
	owner, err := isOwner(ctx, tx, p.UserID)
	if err != nil {
		return err
	}
	if owner {
		return nil
	}
	return errNotGroupInsider()
}

// groupIsPrivateTx reports whether group id exists and is private.
func groupIsPrivateTx(ctx context.Context, tx *store.Tx, id int64) (bool, error) {
	return exists(ctx, tx, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND is_public = ?`, id, false)
}

// Audit actions of the people service.
const (
	AuditGroupCreated       = "group.created"
	AuditGroupUpdated       = "group.updated"
	AuditGroupDeleted       = "group.deleted"
	AuditGroupMemberAdded   = "group.member_added"
	AuditGroupMemberRemoved = "group.member_removed"
)

// auditMembershipTx records that userID joined or left group groupID
// (membershipID 0: look up the membership, which must exist).
func auditMembershipTx(ctx context.Context, tx *store.Tx, action string, groupID, userID, membershipID int64) error {
	private, err := groupIsPrivateTx(ctx, tx, groupID)
	if err != nil {
		return err
	}
	if membershipID == 0 {
		if err := tx.QueryRow(ctx, `SELECT id FROM group_memberships WHERE user_id = ? AND group_id = ?`, userID, groupID).Scan(&membershipID); err != nil {
			return err
		}
	}
	return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: "group", TargetID: groupID,
		Data: map[string]any{"user_id": userID, "membership_id": membershipID, "private": private}})
}

// removeMembershipsTx takes userID out of every group (demotion to
// end-user, deletion), auditing each membership it ends.
func removeMembershipsTx(ctx context.Context, tx *store.Tx, userID int64) error {
	rows, err := tx.Query(ctx, `SELECT id, group_id FROM group_memberships WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return err
	}
	type gm struct{ id, group int64 }
	var ms []gm
	for rows.Next() {
		var m gm
		if err := rows.Scan(&m.id, &m.group); err != nil {
			rows.Close()
			return err
		}
		ms = append(ms, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range ms {
		if _, err := tx.Exec(ctx, `DELETE FROM group_memberships WHERE id = ?`, m.id); err != nil {
			return err
		}
		if err := auditMembershipTx(ctx, tx, AuditGroupMemberRemoved, m.group, userID, m.id); err != nil {
			return err
		}
	}
	return nil
}

// defaultGroupJoinTx checks that p may make groupID the default group of
// userID (0: a user being created), which adds a membership when the user
// is not in the group yet: a private group needs an insider, as
// AddMembership does. It reports whether a membership will be added.
func defaultGroupJoinTx(ctx context.Context, tx *store.Tx, p *desk.Principal, userID, groupID int64) (bool, error) {
	if userID != 0 {
		member, err := IsGroupMemberTx(ctx, tx, userID, groupID)
		if err != nil || member {
			return false, err
		}
	}
	private, err := groupIsPrivateTx(ctx, tx, groupID)
	if err != nil {
		return false, err
	}
	if private {
		if err := requireGroupInsiderTx(ctx, tx, p, groupID); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Verified email addresses. An address counts as the user's once its owner
// proved it (the sign-up or reset link) — or an admin vouched for it, as
// Zendesk lets admins skip verification. No other staff member can mark an
// address verified: an agent who could would hand a customer's account to
// whoever holds that address. New addresses, whoever adds them, start
// unverified.

func errVerifiedByAdmins() error {
	return desk.Forbidden("Only admins can mark an email address verified; the user verifies it by following the emailed link")
}

// identityVerified reports whether userID already holds email as a verified
// email identity (false for an address new to the user).
func identityVerified(ctx context.Context, q store.Querier, userID int64, email string) (bool, error) {
	if email == "" {
		return false, nil
	}
	return exists(ctx, q, `SELECT COUNT(*) FROM user_identities WHERE user_id = ? AND type = ? AND value = ? AND verified = ?`,
		userID, IdentityEmail, email, true)
}
