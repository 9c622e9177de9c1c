package mailbox

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/store"
)

// ResealTx passes every sealed secret of every mailbox (IMAP and SMTP
// passwords or tokens, DKIM keys) with its sealing context to fn, and
// stores what fn returns where it differs, inside tx. It returns how many
// sealed values it passed. Key rotation uses it to re-seal under a new key.
func ResealTx(ctx context.Context, tx *store.Tx, fn func(sealed, context string) (string, error)) (int, error) {
	type rec struct {
		id         int64
		vals       [3]string
		kinds      [3]string
		changedAny bool
	}
	rows, err := tx.Query(ctx, `SELECT id, imap_secret, smtp_secret, dkim_key FROM email_mailboxes
		WHERE imap_secret <> '' OR smtp_secret <> '' OR dkim_key <> '' ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("mailbox: reseal: %w", err)
	}
	var recs []*rec
	for rows.Next() {
		r := &rec{kinds: [3]string{secretIMAP, secretSMTP, secretDKIM}}
		if err := rows.Scan(&r.id, &r.vals[0], &r.vals[1], &r.vals[2]); err != nil {
			rows.Close()
			return 0, fmt.Errorf("mailbox: reseal: %w", err)
		}
		recs = append(recs, r)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("mailbox: reseal: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("mailbox: reseal: %w", err)
	}
	n := 0
	for _, r := range recs {
		for i, v := range r.vals {
			if v == "" {
				continue
			}
			n++
			nv, err := fn(v, sealContext(r.id, r.kinds[i]))
			if err != nil {
				return n, fmt.Errorf("mailbox %d: %s secret: %w", r.id, r.kinds[i], err)
			}
			if nv != v {
				r.vals[i], r.changedAny = nv, true
			}
		}
		if !r.changedAny {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE email_mailboxes SET imap_secret = ?, smtp_secret = ?, dkim_key = ? WHERE id = ?`,
			r.vals[0], r.vals[1], r.vals[2], r.id); err != nil {
			return n, fmt.Errorf("mailbox: reseal: %w", err)
		}
	}
	return n, nil
}
