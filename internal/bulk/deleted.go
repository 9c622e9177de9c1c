package bulk

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Job types of permanent deletion from the deleted-tickets list.
const (
	JobDestroyDeleted     = "deleted_tickets.destroy"
	JobDestroyManyDeleted = "deleted_tickets.destroy_many"
)

// DestroyDeleted permanently deletes one ticket of the deleted list
// (DELETE /deleted_tickets/{id}) and answers, as Zendesk does, with a job
// status. The deletion runs inline, each ticket with every rule of
// ticket.Destroy, so the status is recorded already completed; a refusal
// (not in the deleted list, not an admin) is returned as an error before
// any status exists, as Zendesk validates synchronously.
func (s *Service) DestroyDeleted(ctx context.Context, id int64) (*Status, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Tickets.Destroy(ctx, id); err != nil {
		return nil, err
	}
	st := &Status{ID: auth.RandomString(12), JobType: JobDestroyDeleted,
		Results: []map[string]any{{"index": 0, "id": id, "success": true, "status": "Deleted"}}}
	if err := recordCompleted(ctx, s.DB, p.UserID, st); err != nil {
		return nil, fmt.Errorf("bulk: destroy deleted ticket %d: %w", id, err)
	}
	return st, nil
}

// DestroyManyDeleted permanently deletes up to ticket.MaxDeletedBatch
// tickets of the deleted list (DELETE /deleted_tickets/destroy_many). Only
// admins may; each ticket is deleted in its own transaction, and one
// ticket's failure does not stop the others (Zendesk: "If one ticket fails
// to be deleted, the endpoint still attempts to delete the others"): the
// completed job status tells each ticket's outcome.
func (s *Service) DestroyManyDeleted(ctx context.Context, ids []int64) (*Status, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() || !p.Can().DeleteTickets {
		return nil, desk.Forbidden("only admins can permanently delete tickets")
	}
	if len(ids) == 0 {
		return nil, desk.Invalid("ids", "is empty")
	}
	if len(ids) > ticket.MaxDeletedBatch {
		return nil, desk.Invalid("ids", fmt.Sprintf("at most %d tickets per request", ticket.MaxDeletedBatch))
	}
	st := &Status{ID: auth.RandomString(12), JobType: JobDestroyManyDeleted, Results: []map[string]any{}}
	for i, id := range ids {
		if err := s.Tickets.Destroy(ctx, id); err != nil {
			if desk.ErrorCode(err) == desk.EINTERNAL {
				return nil, err
			}
			st.Results = append(st.Results, map[string]any{"index": i, "id": id, "success": false,
				"error": desk.ErrorCode(err), "details": desk.ErrorMessage(err)})
			continue
		}
		st.Results = append(st.Results, map[string]any{"index": i, "id": id, "success": true, "status": "Deleted"})
	}
	if err := recordCompleted(ctx, s.DB, p.UserID, st); err != nil {
		return nil, fmt.Errorf("bulk: destroy many deleted tickets: %w", err)
	}
	return st, nil
}
