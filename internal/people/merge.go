package people

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// AuditUserMerged is the audit-log action of a user merge (target: the
// user merged into; data: the source and what moved).
const AuditUserMerged = "user.merged"

// MergeUser merges end-user sourceID into end-user targetID (Zendesk's PUT
// /users/{id}/merge) and returns the target. Allowed for admins and agents
// whose role lets them edit end-users; both users must be active
// end-users (so neither the account owner nor the caller), and distinct.
//
// In one transaction: every ticket naming the source (requester,
// submitter, CC, follower) passes to the target through the ticket
// service (one audit per ticket); the source's identities join the
// target's (its primary email becomes the target's primary when the
// target has none); its tags join the target's; its user-field values and
// organization fill the target's where those are empty; the source's API
// tokens and sessions end and it is soft-deleted (listed in
// deleted_users); the merge is written to the audit log.
func (s *Service) MergeUser(ctx context.Context, sourceID, targetID int64) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !(p.IsAdmin() || p.Can().EditEndUsers) {
		return nil, desk.Forbidden("You are not allowed to merge users")
	}
	if s.MoveTicketsTx == nil {
		return nil, errors.New("people: no ticket service wired (MoveTicketsTx); refusing a merge that would leave the tickets behind")
	}
	var target *desk.User
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		source, dest, err := s.mergeParties(ctx, tx, p, sourceID, targetID)
		if err != nil {
			return err
		}
		moved, err := s.MoveTicketsTx(ctx, tx, sourceID, targetID)
		if err != nil {
			return err
		}
		identities, err := s.absorbUser(ctx, tx, source, dest)
		if err != nil {
			return err
		}
		if err := s.softDeleteTx(ctx, tx, sourceID); err != nil {
			return err
		}
		if err := refreshUserSearch(ctx, tx, sourceID); err != nil {
			return err
		}
		if err := audit.RecordTx(ctx, tx, audit.Entry{Action: AuditUserMerged, TargetType: "user", TargetID: targetID,
			Data: map[string]any{"source_user_id": sourceID, "tickets_moved": moved, "identities_moved": identities}}); err != nil {
			return err
		}
		if target, err = loadUser(ctx, tx, targetID); err != nil {
			return err
		}
		if err := s.changedTx(ctx, tx, events.Event{Type: events.UserDeleted, UserID: sourceID}); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: targetID})
	})
	if err != nil {
		var de *desk.Error
		if errors.As(err, &de) {
			return nil, de
		}
		return nil, fmt.Errorf("people: merge user %d into %d: %w", sourceID, targetID, err)
	}
	return target, nil
}

// mergeParties loads and checks the two users of a merge: the source (the
// path's user: not found when p may not see it) and the target (the
// body's: invalid when p may not see it).
func (s *Service) mergeParties(ctx context.Context, tx *store.Tx, p *desk.Principal, sourceID, targetID int64) (*desk.User, *desk.User, error) {
	source, err := visibleUser(ctx, tx, p, sourceID)
	if err != nil {
		return nil, nil, err
	}
	if !source.Active {
		return nil, nil, desk.NotFound()
	}
	if source.IsOwner || (!p.System && p.UserID == sourceID) {
		return nil, nil, desk.Forbidden("You cannot merge this user")
	}
	if source.Role != desk.RoleEndUser {
		return nil, nil, desk.Invalid("user", "Agents and admins cannot be merged")
	}
	if targetID == sourceID {
		return nil, nil, desk.Invalid("user", "cannot be merged into itself")
	}
	target, err := visibleUser(ctx, tx, p, targetID)
	if desk.ErrorCode(err) == desk.ENOTFOUND || (err == nil && !target.Active) {
		return nil, nil, desk.Invalid("user", fmt.Sprintf("%d is not a valid user to merge into", targetID))
	}
	if err != nil {
		return nil, nil, err
	}
	if target.Role != desk.RoleEndUser {
		return nil, nil, desk.Invalid("user", "can only be merged into an end user")
	}
	return source, target, nil
}

// absorbUser moves source's identities to target and fills target's tags,
// user fields and organization from source; it reports how many
// identities moved.
func (s *Service) absorbUser(ctx context.Context, tx *store.Tx, source, target *desk.User) (int, error) {
	now := store.Now()
	// The source's email column is unique: free it before target takes it.
	if _, err := tx.Exec(ctx, `UPDATE users SET email = NULL, updated_at = ? WHERE id = ?`, now, source.ID); err != nil {
		return 0, err
	}
	res, err := tx.Exec(ctx, `UPDATE user_identities SET user_id = ?, is_primary = ?, updated_at = ? WHERE user_id = ?`,
		target.ID, false, now, source.ID)
	if err != nil {
		return 0, err
	}
	moved, _ := res.RowsAffected()

	before := stateOf(target)
	after := before
	if after.Email == "" && source.Email != "" {
		after.Email, after.Verified = source.Email, after.Verified || source.Verified
	}
	var v desk.Validation
	after.Tags = strings.Join(normalizeTags(&v, "tags", append(splitTags(before.Tags), source.Tags...)), " ")
	if err := v.Err(); err != nil {
		return 0, err
	}
	fields := decodeFieldValues(before.Fields)
	for k, val := range source.UserFields {
		if cur, ok := fields[k]; (!ok || cur == nil || cur == "") && val != nil && val != "" {
			fields[k] = val
		}
	}
	after.Fields = encodeFieldValues(fields)
	if err := s.writeUser(ctx, tx, target.ID, before, after, ""); err != nil {
		return 0, err
	}
	return int(moved), moveOrgMembershipsTx(ctx, tx, source.ID, target.ID)
}

// moveOrgMembershipsTx hands source's organizations to target (a merge):
// target joins each one it is not in yet, the source's default first, so
// that it becomes target's default when target had none; source leaves
// them all. Each change is audited as any membership change.
func moveOrgMembershipsTx(ctx context.Context, tx *store.Tx, sourceID, targetID int64) error {
	list, err := queryOrgMemberships(ctx, tx, ` WHERE m.user_id = ? ORDER BY m.is_default DESC, m.id`, sourceID)
	if err != nil {
		return err
	}
	for _, m := range list {
		member, err := IsOrgMemberTx(ctx, tx, targetID, m.OrganizationID)
		if err != nil {
			return err
		}
		if !member {
			if _, err := joinOrgTx(ctx, tx, targetID, m.OrganizationID, false); err != nil {
				return err
			}
		}
	}
	for _, m := range list {
		if err := leaveOrgTx(ctx, tx, m.ID, sourceID, m.OrganizationID, false); err != nil {
			return err
		}
	}
	if len(list) > 0 {
		_, err = tx.Exec(ctx, `UPDATE users SET organization_id = NULL WHERE id = ?`, sourceID)
	}
	return err
}
