package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/erase"
	"github.com/frontdesk/frontdesk/internal/store"
)

// EraseTx removes, inside tx, what the outbox holds of a person being
// permanently deleted (package people calls it from PurgeUser): every
// message to one of terms that is an address is deleted, sent or not; in
// every other message each term is redacted from the plain-text subject and
// preview and from the sealed message itself (opened, redacted, sealed
// again), so mail about them to others no longer names them.
func (o *Outbox) EraseTx(ctx context.Context, tx *store.Tx, userID int64, terms []string) error {
	for _, t := range terms {
		if a := strings.ToLower(strings.TrimSpace(t)); strings.Contains(a, "@") {
			if _, err := tx.Exec(ctx, `DELETE FROM outbox WHERE to_addr = ?`, a); err != nil {
				return fmt.Errorf("outbox: erasing mail to user %d: %w", userID, err)
			}
		}
	}
	m := erase.New(terms)
	if m == nil {
		return nil
	}
	type msg struct {
		id                           int64
		to, kind, subject, text, box string
	}
	var msgs []msg
	rows, err := tx.Query(ctx, `SELECT id, to_addr, kind, subject, text_body, sealed FROM outbox ORDER BY id`)
	if err != nil {
		return fmt.Errorf("outbox: erasing user %d: %w", userID, err)
	}
	for rows.Next() {
		var x msg
		if err := rows.Scan(&x.id, &x.to, &x.kind, &x.subject, &x.text, &x.box); err != nil {
			rows.Close()
			return fmt.Errorf("outbox: erasing user %d: %w", userID, err)
		}
		msgs = append(msgs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("outbox: erasing user %d: %w", userID, err)
	}
	for _, x := range msgs {
		box, err := o.eraseSealed(m, x.box, sealContext(x.to, x.kind))
		if err != nil {
			return fmt.Errorf("outbox: erasing user %d from message %d: %w", userID, x.id, err)
		}
		subject, text := m.String(x.subject), m.String(x.text)
		if box == x.box && subject == x.subject && text == x.text {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE outbox SET subject = ?, text_body = ?, sealed = ? WHERE id = ?`, subject, text, box, x.id); err != nil {
			return fmt.Errorf("outbox: erasing user %d from message %d: %w", userID, x.id, err)
		}
	}
	return nil
}

// eraseSealed returns box with the terms redacted from the message inside
// (box itself when it names none of them, or is empty).
func (o *Outbox) eraseSealed(m *erase.Matcher, box, context string) (string, error) {
	if box == "" {
		return box, nil
	}
	raw, err := o.Box.Open(box, context)
	if err != nil {
		return "", err
	}
	var s sealed
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	if !m.Match(s.Subject) && !m.Match(s.Text) && !m.Match(s.HTML) {
		return box, nil
	}
	s.Subject, s.Text, s.HTML = m.String(s.Subject), m.String(s.Text), m.String(s.HTML)
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	return o.Box.Seal(b, context)
}
