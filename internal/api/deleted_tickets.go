package api

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/ticket"
)

// registerDeletedTickets mounts Zendesk's deleted-tickets family
// (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#list-deleted-tickets
// and the restore and permanent-delete endpoints beside it).
func (s *Server) registerDeletedTickets(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/deleted_tickets", s.listDeletedTickets)
	s.handle(mux, "PUT /api/v2/deleted_tickets/restore_many", s.restoreManyTickets)
	s.handle(mux, "PUT /api/v2/deleted_tickets/{id}/restore", s.restoreTicket)
	s.handle(mux, "DELETE /api/v2/deleted_tickets/destroy_many", s.destroyManyDeletedTickets)
	s.handle(mux, "DELETE /api/v2/deleted_tickets/{id}", s.destroyDeletedTicket)
}

// listDeletedTickets answers {"deleted_tickets": [{id, subject, description,
// actor: {id, name}, deleted_at, previous_state}]} with offset or cursor
// pages; sort_by id (default), subject, deleted_at, created_at or
// updated_at, sort_order asc (default, oldest first as in Zendesk) or desc.
func (s *Server) listDeletedTickets(w http.ResponseWriter, r *http.Request) error {
	p, f, err := pagedTicketFilter(r, ticket.ListFilter{})
	if err != nil {
		return err
	}
	ctx := r.Context()
	ds, more, err := s.Tickets.DeletedTickets(ctx, f)
	if err != nil {
		return err
	}
	var first, last int64
	if len(ds) > 0 {
		first, last = ds[0].ID, ds[len(ds)-1].ID
	}
	body, err := listEnvelope(r, p, "deleted_tickets", ds, first, last, more, func() (int, error) { return s.Tickets.CountDeleted(ctx) })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

// restoreManyTickets restores ?ids= (all or none) and answers 200 with an
// empty object, as restore does.
func (s *Server) restoreManyTickets(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	if err := s.Tickets.RestoreMany(r.Context(), ids); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}

// destroyDeletedTicket permanently deletes one deleted ticket and answers
// with a job status, as Zendesk does.
func (s *Server) destroyDeletedTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.Bulk.DestroyDeleted(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

// destroyManyDeletedTickets permanently deletes ?ids= and answers with a
// job status whose results tell each ticket's outcome.
func (s *Server) destroyManyDeletedTickets(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	st, err := s.Bulk.DestroyManyDeleted(r.Context(), ids)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}
