package api

import (
	"context"
	"net/http"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
)

// registerSuspended mounts Zendesk's suspended tickets
// (/api/v2/suspended_tickets): mail held back because its sender is a
// suspended user or a blocked address. List, show, recover (accept: the
// mail becomes a ticket), recover_many, destroy (reject) and destroy_many.
// The ingest service decides who may (admins and agents with access to all
// tickets).
func (s *Server) registerSuspended(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/suspended_tickets", s.listSuspended)
	s.handle(mux, "GET /api/v2/suspended_tickets/{id}", s.showSuspended)
	s.handle(mux, "PUT /api/v2/suspended_tickets/{id}/recover", s.recoverSuspended)
	s.handle(mux, "PUT /api/v2/suspended_tickets/recover_many", s.recoverManySuspended)
	s.handle(mux, "DELETE /api/v2/suspended_tickets/{id}", deleteByID(func(ctx context.Context, id int64) error {
		return s.Inbound.DestroySuspended(ctx, []int64{id})
	}))
	s.handle(mux, "DELETE /api/v2/suspended_tickets/destroy_many", s.destroyManySuspended)
}

func suspendedURLs(r *http.Request, sts ...*ingest.SuspendedTicket) {
	for _, st := range sts {
		st.URL = baseURL(r) + "/api/v2/suspended_tickets/" + itoa(st.ID) + ".json"
	}
}

func (s *Server) listSuspended(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	if p.before != 0 || (p.sortBy != "" && p.sortBy != "id" && p.sortBy != "created_at") {
		return errBadRequest("suspended tickets are listed newest first, with page[after] cursors")
	}
	ctx := r.Context()
	offset := 0
	if !p.cursor {
		offset = p.offset()
	}
	sts, more, err := s.Inbound.ListSuspended(ctx, p.after, offset, p.perPage)
	if err != nil {
		return err
	}
	suspendedURLs(r, sts...)
	var first, last int64
	if len(sts) > 0 {
		first, last = sts[0].ID, sts[len(sts)-1].ID
	}
	body, err := listEnvelope(r, p, "suspended_tickets", sts, first, last, more, func() (int, error) { return s.Inbound.CountSuspended(ctx) })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) showSuspended(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.Inbound.GetSuspended(r.Context(), id)
	if err != nil {
		return err
	}
	suspendedURLs(r, st)
	return writeJSON(w, http.StatusOK, map[string]any{"suspended_ticket": st})
}

func (s *Server) recoverSuspended(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ts, err := s.Inbound.Recover(r.Context(), []int64{id})
	if err != nil {
		return err
	}
	withTicketURLs(r, ts...)
	return writeJSON(w, http.StatusOK, map[string]any{"ticket": ts[0]})
}

func (s *Server) recoverManySuspended(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	ts, err := s.Inbound.Recover(r.Context(), ids)
	if err != nil {
		return err
	}
	withTicketURLs(r, ts...)
	return writeJSON(w, http.StatusOK, map[string]any{"tickets": ts})
}

func (s *Server) destroyManySuspended(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	if err := s.Inbound.DestroySuspended(r.Context(), ids); err != nil {
		return err
	}
	return noContent(w)
}
