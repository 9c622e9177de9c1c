package people

import (
	"context"
	"strings"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Small lookups other services make inside their own transactions (the
// ticket service's field appliers), so the SQL over people's tables stays in
// this package. None checks permissions: the caller has already authorized
// the change it is validating.

// OrganizationExistsTx reports whether organization id exists.
func OrganizationExistsTx(ctx context.Context, q store.Querier, id int64) (bool, error) {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM organizations WHERE id = ?`, id).Scan(&one)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

// GroupUsableTx reports whether group id exists and is not deleted, so
// tickets may be put in it.
func GroupUsableTx(ctx context.Context, q store.Querier, id int64) (bool, error) {
	var deleted bool
	err := q.QueryRow(ctx, `SELECT deleted FROM agent_groups WHERE id = ?`, id).Scan(&deleted)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil && !deleted, err
}

// DefaultGroupOfTx returns the group a ticket assigned to userID joins when
// it has none: the user's default membership, else the oldest.
func DefaultGroupOfTx(ctx context.Context, q store.Querier, userID int64) (int64, bool, error) {
	var gid int64
	err := q.QueryRow(ctx, `SELECT group_id FROM group_memberships WHERE user_id = ? ORDER BY is_default DESC, id LIMIT 1`, userID).Scan(&gid)
	if isNoRows(err) {
		return 0, false, nil
	}
	return gid, err == nil, err
}

// UserIDByEmailTx returns the user holding email as an email identity.
func UserIDByEmailTx(ctx context.Context, q store.Querier, email string) (int64, bool, error) {
	var uid int64
	err := q.QueryRow(ctx, `SELECT user_id FROM user_identities WHERE type = ? AND value = ?`,
		IdentityEmail, strings.ToLower(strings.TrimSpace(email))).Scan(&uid)
	if isNoRows(err) {
		return 0, false, nil
	}
	return uid, err == nil, err
}
