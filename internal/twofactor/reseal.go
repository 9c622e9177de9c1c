package twofactor

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/store"
)

// ResealTx passes every sealed TOTP seed (enabled and pending) with its
// sealing context to fn, and stores what fn returns where it differs,
// inside tx. It returns how many sealed values it passed. Key rotation
// uses it to re-seal under a new key.
func ResealTx(ctx context.Context, tx *store.Tx, fn func(sealed, context string) (string, error)) (int, error) {
	type rec struct {
		user            int64
		secret, pending string
		nSecret, nPend  string
	}
	rows, err := tx.Query(ctx, `SELECT user_id, secret_sealed, pending_secret_sealed FROM user_totp
		WHERE secret_sealed <> '' OR pending_secret_sealed <> '' ORDER BY user_id`)
	if err != nil {
		return 0, fmt.Errorf("twofactor: reseal: %w", err)
	}
	var recs []*rec
	for rows.Next() {
		r := &rec{}
		if err := rows.Scan(&r.user, &r.secret, &r.pending); err != nil {
			rows.Close()
			return 0, fmt.Errorf("twofactor: reseal: %w", err)
		}
		recs = append(recs, r)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("twofactor: reseal: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("twofactor: reseal: %w", err)
	}
	n := 0
	for _, r := range recs {
		r.nSecret, r.nPend = r.secret, r.pending
		for _, f := range []struct{ in, out *string }{{&r.secret, &r.nSecret}, {&r.pending, &r.nPend}} {
			if *f.in == "" {
				continue
			}
			n++
			v, err := fn(*f.in, secretContext(r.user))
			if err != nil {
				return n, fmt.Errorf("twofactor: user %d: %w", r.user, err)
			}
			*f.out = v
		}
		if r.nSecret == r.secret && r.nPend == r.pending {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE user_totp SET secret_sealed = ?, pending_secret_sealed = ? WHERE user_id = ?`,
			r.nSecret, r.nPend, r.user); err != nil {
			return n, fmt.Errorf("twofactor: reseal: %w", err)
		}
	}
	return n, nil
}
