package webhook

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/store"
)

// ResealTx passes every sealed webhook secret (signing secret, basic-auth
// password or bearer token) with its sealing context to fn, and stores
// what fn returns where it differs, inside tx. It returns how many sealed
// values it passed. Key rotation uses it to re-seal under a new key.
func ResealTx(ctx context.Context, tx *store.Tx, fn func(sealed, context string) (string, error)) (int, error) {
	type rec struct {
		id                         int64
		auth, signing, nAuth, nSig string
	}
	rows, err := tx.Query(ctx, `SELECT id, auth_secret, signing_secret FROM webhooks
		WHERE auth_secret <> '' OR signing_secret <> '' ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("webhook: reseal: %w", err)
	}
	var recs []*rec
	for rows.Next() {
		r := &rec{}
		if err := rows.Scan(&r.id, &r.auth, &r.signing); err != nil {
			rows.Close()
			return 0, fmt.Errorf("webhook: reseal: %w", err)
		}
		recs = append(recs, r)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("webhook: reseal: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("webhook: reseal: %w", err)
	}
	n := 0
	for _, r := range recs {
		r.nAuth, r.nSig = r.auth, r.signing
		for _, f := range []struct {
			in, out *string
			context string
		}{{&r.auth, &r.nAuth, authContext(r.id)}, {&r.signing, &r.nSig, signingContext(r.id)}} {
			if *f.in == "" {
				continue
			}
			n++
			v, err := fn(*f.in, f.context)
			if err != nil {
				return n, fmt.Errorf("webhook %d: %w", r.id, err)
			}
			*f.out = v
		}
		if r.nAuth == r.auth && r.nSig == r.signing {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE webhooks SET auth_secret = ?, signing_secret = ? WHERE id = ?`, r.nAuth, r.nSig, r.id); err != nil {
			return n, fmt.Errorf("webhook: reseal: %w", err)
		}
	}
	return n, nil
}
