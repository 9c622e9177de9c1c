package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/erase"
	"github.com/frontdesk/frontdesk/internal/store"
)

// EraseTx redacts, inside tx, the terms that name a person being
// permanently deleted (package people calls it from PurgeUser) from the
// delivery log: the payload of every invocation (pending ones are then
// delivered redacted) and the response and error of every attempt.
func (s *Service) EraseTx(ctx context.Context, tx *store.Tx, userID int64, terms []string) error {
	m := erase.New(terms)
	if m == nil {
		return nil
	}
	if err := eraseColumn(ctx, tx, m, "webhook_invocations", "body"); err != nil {
		return fmt.Errorf("webhook: erasing user %d: %w", userID, err)
	}
	for _, col := range []string{"response", "error"} {
		if err := eraseColumn(ctx, tx, m, "webhook_attempts", col); err != nil {
			return fmt.Errorf("webhook: erasing user %d: %w", userID, err)
		}
	}
	return nil
}

// eraseColumn redacts m's terms in table.col of the rows holding one
// (found case-insensitively by SQL first); JSON documents stay valid JSON.
func eraseColumn(ctx context.Context, tx *store.Tx, m *erase.Matcher, table, col string) error {
	var conds []string
	var args []any
	for _, t := range m.Terms() {
		conds = append(conds, `LOWER(`+col+`) LIKE ? ESCAPE '\'`)
		args = append(args, erase.LikePattern(t))
	}
	rows, err := tx.Query(ctx, `SELECT id, `+col+` FROM `+table+` WHERE `+strings.Join(conds, " OR "), args...)
	if err != nil {
		return err
	}
	type hit struct {
		id   int64
		text string
	}
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.id, &h.text); err != nil {
			rows.Close()
			return err
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, h := range hits {
		out := m.String(h.text)
		if json.Valid([]byte(h.text)) {
			if out, err = m.JSON(h.text); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET `+col+` = ? WHERE id = ?`, out, h.id); err != nil {
			return err
		}
	}
	return nil
}
