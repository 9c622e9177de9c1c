package rules

import (
	"context"
	"fmt"
	"slices"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Ordering and previews for the admin pages: automations and trigger
// categories reordered one step at a time, triggers moved within their
// category, and an automation's preview (the tickets it would act on now).

// ReorderAutomations sets the run order: ids first in the order given, the
// others after them in their old order.
func (s *Service) ReorderAutomations(ctx context.Context, ids []int64) error {
	if _, err := requireWriter(ctx); err != nil {
		return err
	}
	if err := s.reorder(ctx, "automations", "automation_ids", ids); err != nil {
		return fmt.Errorf("rules: reorder automations: %w", err)
	}
	return nil
}

// MoveAutomation moves an automation one place earlier (delta -1) or later
// (+1) in the run order; the first cannot move up nor the last down.
func (s *Service) MoveAutomation(ctx context.Context, id int64, delta int) error {
	if _, err := requireWriter(ctx); err != nil {
		return err
	}
	ids, err := s.swapped(ctx, `SELECT id FROM automations ORDER BY position, id`, id, delta, nil)
	if err != nil || ids == nil {
		return err
	}
	return s.ReorderAutomations(ctx, ids)
}

// ReorderCategories sets the order of trigger categories: ids first in the
// order given, the others after them in their old order.
func (s *Service) ReorderCategories(ctx context.Context, ids []int64) error {
	if _, err := requireWriter(ctx); err != nil {
		return err
	}
	if err := s.reorder(ctx, "trigger_categories", "category_ids", ids); err != nil {
		return fmt.Errorf("rules: reorder trigger categories: %w", err)
	}
	return nil
}

// MoveCategory moves a trigger category one place earlier (-1) or later
// (+1).
func (s *Service) MoveCategory(ctx context.Context, id int64, delta int) error {
	if _, err := requireWriter(ctx); err != nil {
		return err
	}
	ids, err := s.swapped(ctx, `SELECT id FROM trigger_categories ORDER BY position, id`, id, delta, nil)
	if err != nil || ids == nil {
		return err
	}
	return s.ReorderCategories(ctx, ids)
}

// MoveTriggerInCategory moves a trigger one place earlier (-1) or later
// (+1) among the triggers of its own category (or among those in none),
// swapping run positions with that neighbour, so the order the admin page
// shows per category is the order they run in.
func (s *Service) MoveTriggerInCategory(ctx context.Context, id int64, delta int) error {
	if _, err := requireWriter(ctx); err != nil {
		return err
	}
	cats := map[int64]int64{}
	rows, err := s.DB.Query(ctx, `SELECT id, COALESCE(category_id, 0) FROM triggers`)
	if err != nil {
		return fmt.Errorf("rules: move trigger %d: %w", id, err)
	}
	for rows.Next() {
		var tid, cat int64
		if err := rows.Scan(&tid, &cat); err != nil {
			rows.Close()
			return fmt.Errorf("rules: move trigger %d: %w", id, err)
		}
		cats[tid] = cat
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rules: move trigger %d: %w", id, err)
	}
	same := func(other int64) bool { return cats[other] == cats[id] }
	ids, err := s.swapped(ctx, `SELECT id FROM triggers ORDER BY position, id`, id, delta, same)
	if err != nil || ids == nil {
		return err
	}
	return s.ReorderTriggers(ctx, ids)
}

// swapped reads the ids query lists and swaps id with its nearest
// neighbour in direction delta for which keep holds (any when nil). It
// returns nil ids when there is none (already first or last).
func (s *Service) swapped(ctx context.Context, q string, id int64, delta int, keep func(int64) bool) ([]int64, error) {
	if delta != -1 && delta != 1 {
		return nil, desk.Invalid("direction", "must be up or down")
	}
	ids, err := queryIDsDB(ctx, s.DB, q)
	if err != nil {
		return nil, err
	}
	i := slices.Index(ids, id)
	if i < 0 {
		return nil, desk.NotFound()
	}
	for j := i + delta; j >= 0 && j < len(ids); j += delta {
		if keep == nil || keep(ids[j]) {
			ids[i], ids[j] = ids[j], ids[i]
			return ids, nil
		}
	}
	return nil, nil
}

// reorder numbers the rows of table 1..n: ids first, the rest after them
// in their old order. field names the list in errors.
func (s *Service) reorder(ctx context.Context, table, field string, ids []int64) error {
	if len(ids) == 0 {
		return desk.Invalid(field, "cannot be blank")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		all, err := queryIDs(ctx, tx, `SELECT id FROM `+table+` ORDER BY position, id`)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			if !slices.Contains(all, id) {
				return desk.Invalid(field, fmt.Sprintf("%d is not in the list", id))
			}
			if seen[id] {
				return desk.Invalid(field, fmt.Sprintf("%d is given twice", id))
			}
			seen[id] = true
		}
		order := slices.Clone(ids)
		for _, id := range all {
			if !seen[id] {
				order = append(order, id)
			}
		}
		now := store.Now()
		for i, id := range order {
			if _, err := tx.Exec(ctx, `UPDATE `+table+` SET position = ?, updated_at = ? WHERE id = ?`, i+1, now, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// AutomationPreview is what an automation would act on if it ran now.
type AutomationPreview struct {
	// Count is how many tickets it would act on.
	Count int
	// TicketIDs are the first of them, by id.
	TicketIDs []int64
}

// PreviewLimit is how many ticket ids a preview lists.
const PreviewLimit = 10

// PreviewAutomation counts and lists (the first PreviewLimit, by id) the
// tickets automation id would act on if the hourly run happened now: the
// ones its conditions select, not closed nor deleted, that it has not
// already acted on in their current state. It changes nothing.
func (s *Service) PreviewAutomation(ctx context.Context, id int64) (*AutomationPreview, error) {
	a, err := s.GetAutomation(ctx, id)
	if err != nil {
		return nil, err
	}
	b := &SQL{Dialect: s.DB.Dialect, Now: s.now()}
	where, err := s.Rules.Compile(b, a.Conditions)
	if err != nil {
		return nil, fmt.Errorf("rules: preview automation %d: %w", id, err)
	}
	from := ` FROM tickets t WHERE t.deleted_at = 0 AND t.status <> 'closed' AND (` + where + `)
		AND NOT EXISTS (SELECT 1 FROM automation_fires f WHERE f.automation_id = ? AND f.ticket_id = t.id AND f.state = t.status_updated_at)`
	args := append(slices.Clone(b.Args()), id)
	out := &AutomationPreview{TicketIDs: []int64{}}
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+from, args...).Scan(&out.Count); err != nil {
		return nil, fmt.Errorf("rules: preview automation %d: %w", id, err)
	}
	rows, err := s.DB.Query(ctx, `SELECT t.id`+from+` ORDER BY t.id LIMIT ?`, append(args, PreviewLimit)...)
	if err != nil {
		return nil, fmt.Errorf("rules: preview automation %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var tid int64
		if err := rows.Scan(&tid); err != nil {
			return nil, fmt.Errorf("rules: preview automation %d: %w", id, err)
		}
		out.TicketIDs = append(out.TicketIDs, tid)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rules: preview automation %d: %w", id, err)
	}
	return out, nil
}
