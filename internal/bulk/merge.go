package bulk

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Merge merges tickets into targetID and answers as Zendesk does, with a
// job status. Zendesk queues merges and clients poll
// /job_statuses/{id} until the status is "completed"; a merge here is at
// most five sources and runs inline, so the status is recorded already
// completed, in the merge's own transaction: the status exists exactly when
// the merge happened, and the first poll sees it done. Refusals (rights,
// closed tickets, bad ids) are returned as errors, before any status
// exists, as Zendesk's validation answers them synchronously.
func (s *Service) Merge(ctx context.Context, targetID int64, in ticket.MergeInput) (*Status, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	st := &Status{ID: auth.RandomString(12), Status: "completed", JobType: JobMergeTickets}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		ids, err := s.Tickets.MergeTx(ctx, tx, targetID, in)
		if err != nil {
			return err
		}
		st.Results = []map[string]any{{"index": 0, "id": targetID, "success": true, "status": "Updated"}}
		for i, id := range ids {
			st.Results = append(st.Results, map[string]any{"index": i + 1, "id": id, "success": true, "status": "Merged"})
		}
		st.Total, st.Progress = len(st.Results), len(st.Results)
		now := store.Now()
		st.Message = fmt.Sprintf("Completed at %s", desk.TimeFromMicros(now).Format("2006-01-02 15:04:05 UTC"))
		b, _ := json.Marshal(st.Results)
		_, err = tx.Exec(ctx, `INSERT INTO job_statuses (id, user_id, status, total, progress, message, results, created_at, updated_at)
			VALUES (?, ?, 'completed', ?, ?, ?, ?, ?, ?)`, st.ID, p.UserID, st.Total, st.Progress, st.Message, string(b), now, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bulk: merge into %d: %w", targetID, err)
	}
	return st, nil
}
