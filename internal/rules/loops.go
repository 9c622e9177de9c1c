package rules

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Loop is a trigger loop the engine stopped: on which ticket (and in
// which audit, which carries an Error event saying so), after how many
// passes, and the triggers that were still firing.
type Loop struct {
	ID        int64     `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	AuditID   int64     `json:"audit_id"`
	Passes    int       `json:"passes"`
	Triggers  []Ref     `json:"triggers"`
	CreatedAt desk.Time `json:"created_at"`
}

// keptLoops bounds the trigger_loops table: older loops are pruned as new
// ones are recorded.
const keptLoops = 200

// recordLoop returns the side effect that records a stopped loop once the
// change is written (its ticket and audit ids are known then).
func recordLoop(loop []Ref) SideEffect {
	return func(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error {
		b, err := json.Marshal(loop)
		if err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO trigger_loops (ticket_id, audit_id, passes, triggers, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.TicketID, c.AuditID, MaxPasses, string(b), store.Now())
		if err != nil {
			return fmt.Errorf("rules: record trigger loop: %w", err)
		}
		if id > keptLoops {
			if _, err := tx.Exec(ctx, `DELETE FROM trigger_loops WHERE id <= ?`, id-keptLoops); err != nil {
				return fmt.Errorf("rules: prune trigger loops: %w", err)
			}
		}
		return nil
	}
}

// sideEffects are out's side effects plus, when the run looped, the
// recording of the loop.
func sideEffects(out *Outcome) []SideEffect {
	if !out.Looped {
		return out.Later
	}
	return append(out.Later, recordLoop(out.Loop))
}

// RecentLoops lists the newest trigger loops (at most limit, 1..100;
// default 20), newest first.
func (s *Service) RecentLoops(ctx context.Context, limit int) ([]Loop, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	rows, err := s.DB.Query(ctx, `SELECT id, ticket_id, audit_id, passes, triggers, created_at FROM trigger_loops ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("rules: trigger loops: %w", err)
	}
	defer rows.Close()
	out := []Loop{}
	for rows.Next() {
		var l Loop
		var refs string
		var at int64
		if err := rows.Scan(&l.ID, &l.TicketID, &l.AuditID, &l.Passes, &refs, &at); err != nil {
			return nil, fmt.Errorf("rules: trigger loops: %w", err)
		}
		if err := json.Unmarshal([]byte(refs), &l.Triggers); err != nil {
			return nil, fmt.Errorf("rules: trigger loop %d: %w", l.ID, err)
		}
		l.CreatedAt = desk.TimeFromMicros(at)
		out = append(out, l)
	}
	return out, rows.Err()
}
