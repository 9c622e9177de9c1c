package account

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Known devices.
//
// A per-account lock must not be a weapon: anyone who knows an address can
// make MaxFailures wrong guesses and would otherwise keep its owner out for
// as long as they like. So the account-wide counters (and the lock) apply
// only to devices the account has not signed in from before. A browser that
// signed in with the right password gets a device token (DeviceTTL, in an
// HttpOnly cookie; only its SHA-256 is stored, table known_devices) and,
// when it comes back with it, is counted on its own subject
// ("d:<token hash>"): the same back-off and lock rules, but separate from
// the account's, so an attacker elsewhere cannot lock it out and it cannot
// lock the account for others. A per-IP block does not stop a known device
// either. A forged, expired or other user's device token counts as no
// token at all.
const (
	// DeviceTTL is how long a device stays known after its last sign-in.
	DeviceTTL = 180 * 24 * time.Hour
	// MaxDevicesPerUser bounds the devices remembered per user (the least
	// recently used go first).
	MaxDevicesPerUser = 20
)

// deviceSubject is the login_failures key of a known device.
func deviceSubject(hash string) string { return "d:" + hash }

// knownDevice reports whether token is a live device token of userID, and
// returns its hash.
func (s *Service) knownDevice(ctx context.Context, token string, userID int64) (string, bool, error) {
	if userID == 0 || !plausibleToken(token) {
		return "", false, nil
	}
	hash := auth.HashToken(token)
	var owner, expires int64
	err := s.DB.QueryRow(ctx, `SELECT user_id, expires_at FROM known_devices WHERE token_hash = ?`, hash).Scan(&owner, &expires)
	if isNoRows(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("account: known device: %w", err)
	}
	if owner != userID || micros(s.now()) >= expires {
		return "", false, nil
	}
	return hash, true, nil
}

// rememberDeviceTx records that the browser holding token (a known device
// when hash is set, else a new one) signed in to userID now, and returns
// the token for its cookie.
func (s *Service) rememberDeviceTx(ctx context.Context, tx *store.Tx, userID int64, token, hash string) (string, error) {
	now := s.now()
	exp := micros(now.Add(DeviceTTL))
	if hash != "" {
		_, err := tx.Exec(ctx, `UPDATE known_devices SET last_used_at = ?, expires_at = ? WHERE token_hash = ?`, micros(now), exp, hash)
		return token, err
	}
	token, hash = auth.NewToken()
	if _, err := tx.Exec(ctx, `INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hash, userID, micros(now), micros(now), exp); err != nil {
		return "", err
	}
	_, err := tx.Exec(ctx, `DELETE FROM known_devices WHERE user_id = ? AND token_hash NOT IN
		(SELECT token_hash FROM known_devices WHERE user_id = ? ORDER BY last_used_at DESC, created_at DESC LIMIT ?)`,
		userID, userID, MaxDevicesPerUser)
	return token, err
}
