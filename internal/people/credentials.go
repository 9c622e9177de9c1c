package people

import (
	"context"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Sign-in details written on behalf of package account (password reset,
// sign-up, email verification, change of one's own password). people is
// the one package that writes the users and user_identities tables; these
// calls check no permissions (the account service decides who may do
// what) and run inside the caller's transaction.

// SetPasswordTx stores hash (already checked against the password policy
// and hashed by the caller, outside the transaction: hashing is slow by
// design) as userID's password, records it in the password history and
// starts its age.
func (s *Service) SetPasswordTx(ctx context.Context, tx *store.Tx, userID int64, hash string) error {
	if hash == "" {
		return fmt.Errorf("people: set password of user %d: empty hash", userID)
	}
	res, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, store.Now(), userID)
	if err != nil {
		return fmt.Errorf("people: set password of user %d: %w", userID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("people: set password: no user %d", userID)
	}
	return s.recordPasswordTx(ctx, tx, userID, hash)
}

// recordPasswordTx adds hash to userID's password history (package
// password) and starts the password's age at the history entry's time. An
// empty hash (no password) records nothing.
func (s *Service) recordPasswordTx(ctx context.Context, tx *store.Tx, userID int64, hash string) error {
	if hash == "" {
		return nil
	}
	if err := s.passwords().Record(ctx, tx, userID, hash); err != nil {
		return fmt.Errorf("people: record password of user %d: %w", userID, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET password_changed_at =
		(SELECT MAX(created_at) FROM password_history WHERE user_id = ?) WHERE id = ?`, userID, userID); err != nil {
		return fmt.Errorf("people: record password of user %d: %w", userID, err)
	}
	return nil
}

// SetLocaleTx sets userID's locale (validated by the caller).
func SetLocaleTx(ctx context.Context, tx *store.Tx, userID int64, locale string) error {
	if _, err := tx.Exec(ctx, `UPDATE users SET locale = ?, updated_at = ? WHERE id = ?`, locale, store.Now(), userID); err != nil {
		return fmt.Errorf("people: set locale of user %d: %w", userID, err)
	}
	return nil
}

// MarkEmailVerifiedTx marks userID's email identity email as verified
// (its owner proved they read it) and, when it is the primary address, the
// user too. It reports whether the user still has that address.
func MarkEmailVerifiedTx(ctx context.Context, tx *store.Tx, userID int64, email string) (bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	now := store.Now()
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM user_identities WHERE user_id = ? AND type = ? AND value = ?`,
		userID, IdentityEmail, email).Scan(&n); err != nil {
		return false, fmt.Errorf("people: verify email of user %d: %w", userID, err)
	}
	if n == 0 {
		return false, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE user_identities SET verified = ?, updated_at = ? WHERE user_id = ? AND type = ? AND value = ? AND verified = ?`,
		true, now, userID, IdentityEmail, email, false); err != nil {
		return false, fmt.Errorf("people: verify email of user %d: %w", userID, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET verified = ?, updated_at = ? WHERE id = ? AND email = ? AND verified = ?`,
		true, now, userID, email, false); err != nil {
		return false, fmt.Errorf("people: verify user %d: %w", userID, err)
	}
	return true, nil
}

// OwnerContact returns the account owner's id and primary address (0 and
// "" when there is no owner, or the owner has no address or was deleted),
// for notices such as a locked account.
func OwnerContact(ctx context.Context, q store.Querier) (int64, string, error) {
	id, err := ownerID(ctx, q)
	if err != nil || id == 0 {
		return 0, "", err
	}
	var (
		email  string
		active bool
	)
	err = q.QueryRow(ctx, `SELECT COALESCE(email, ''), active FROM users WHERE id = ?`, id).Scan(&email, &active)
	if isNoRows(err) || (err == nil && !active) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("people: owner: %w", err)
	}
	return id, email, nil
}
