package people

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Deliverable states of an email identity (Zendesk's deliverable_state).
const (
	DeliverableOK          = "deliverable"
	DeliverableUndelivered = "undeliverable"
)

// MarkUndeliverableTx records a permanent bounce for email: the identity's
// undeliverable_count goes up and its deliverable_state becomes
// "undeliverable". An address no user holds is ignored (found is false).
func MarkUndeliverableTx(ctx context.Context, tx *store.Tx, email string) (found bool, err error) {
	e, err := NormalizeSenderEmail(email)
	if err != nil {
		return false, nil // a bounce naming garbage marks nothing
	}
	res, err := tx.Exec(ctx, `UPDATE user_identities SET undeliverable_count = undeliverable_count + 1, deliverable_state = ?, updated_at = ?
		WHERE type = ? AND value = ?`, DeliverableUndelivered, store.Now(), IdentityEmail, e)
	if err != nil {
		return false, fmt.Errorf("people: mark %s undeliverable: %w", e, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeliverableState returns the deliverable state and bounce count of an
// email identity ("" when no user holds email).
func DeliverableState(ctx context.Context, q store.Querier, email string) (state string, count int, err error) {
	err = q.QueryRow(ctx, `SELECT deliverable_state, undeliverable_count FROM user_identities WHERE type = ? AND value = ?`,
		IdentityEmail, strings.ToLower(strings.TrimSpace(email))).Scan(&state, &count)
	if isNoRows(err) {
		return "", 0, nil
	}
	return state, count, err
}

// Sender is what the email channel needs to know of a known address.
type Sender struct {
	UserID    int64
	Role      desk.Role
	Suspended bool
	Active    bool
}

// SenderByEmailTx returns the user holding email, if any.
func SenderByEmailTx(ctx context.Context, q store.Querier, email string) (*Sender, error) {
	e, err := NormalizeSenderEmail(email)
	if err != nil {
		return nil, nil
	}
	var s Sender
	var role string
	err = q.QueryRow(ctx, `SELECT u.id, u.role, u.suspended, u.active FROM user_identities i JOIN users u ON u.id = i.user_id
		WHERE i.type = ? AND i.value = ?`, IdentityEmail, e).Scan(&s.UserID, &role, &s.Suspended, &s.Active)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("people: sender %s: %w", e, err)
	}
	s.Role = desk.Role(role)
	return &s, nil
}
