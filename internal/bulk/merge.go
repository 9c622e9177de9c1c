package bulk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Job kinds answered inline (recorded already completed).
const (
	JobMergeTickets = "tickets.merge"
	JobSpamTickets  = "tickets.mark_many_as_spam"
)

// MaxSpam is Zendesk's limit of ids per mark_many_as_spam request.
const MaxSpam = 100

type execer interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// recordCompleted stores st, finished, as userID's job status.
func recordCompleted(ctx context.Context, q execer, userID int64, st *Status) error {
	st.Status = "completed"
	st.Total, st.Progress = len(st.Results), len(st.Results)
	now := store.Now()
	st.Message = fmt.Sprintf("Completed at %s", desk.TimeFromMicros(now).Format("2006-01-02 15:04:05 UTC"))
	b, _ := json.Marshal(st.Results)
	_, err := q.Exec(ctx, `INSERT INTO job_statuses (id, user_id, status, total, progress, message, results, job_type, created_at, updated_at)
		VALUES (?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?)`, st.ID, userID, st.Total, st.Progress, st.Message, string(b), st.JobType, now, now)
	return err
}

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
	st := &Status{ID: auth.RandomString(12), JobType: JobMergeTickets}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		ids, err := s.Tickets.MergeTx(ctx, tx, targetID, in)
		if err != nil {
			return err
		}
		st.Results = []map[string]any{{"index": 0, "id": targetID, "success": true, "status": "Updated"}}
		for i, id := range ids {
			st.Results = append(st.Results, map[string]any{"index": i + 1, "id": id, "success": true, "status": "Merged"})
		}
		return recordCompleted(ctx, tx, p.UserID, st)
	})
	if err != nil {
		return nil, fmt.Errorf("bulk: merge into %d: %w", targetID, err)
	}
	return st, nil
}

// MarkManyAsSpam marks up to MaxSpam tickets as spam, each in its own
// transaction with every rule of ticket.MarkAsSpam, and answers with a
// completed job status whose results tell each ticket's outcome (one
// ticket's refusal does not stop the others, as in Zendesk's job).
func (s *Service) MarkManyAsSpam(ctx context.Context, ids []int64, suspend ticket.SuspendFunc) (*Status, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !ticket.MayDelete(p) {
		return nil, desk.Forbidden("Your role does not allow marking tickets as spam")
	}
	if len(ids) == 0 {
		return nil, desk.Invalid("ids", "is empty")
	}
	if len(ids) > MaxSpam {
		return nil, desk.Invalid("ids", fmt.Sprintf("at most %d tickets per request", MaxSpam))
	}
	st := &Status{ID: auth.RandomString(12), JobType: JobSpamTickets, Results: []map[string]any{}}
	for i, id := range ids {
		if err := s.Tickets.MarkAsSpam(ctx, id, suspend); err != nil {
			if desk.ErrorCode(err) == desk.EINTERNAL {
				return nil, err
			}
			st.Results = append(st.Results, map[string]any{"index": i, "id": id, "success": false, "error": desk.ErrorCode(err), "details": desk.ErrorMessage(err)})
			continue
		}
		st.Results = append(st.Results, map[string]any{"index": i, "id": id, "success": true, "status": "Marked as spam"})
	}
	if err := recordCompleted(ctx, s.DB, p.UserID, st); err != nil {
		return nil, fmt.Errorf("bulk: mark many as spam: %w", err)
	}
	return st, nil
}
