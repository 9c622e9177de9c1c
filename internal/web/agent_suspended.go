package web

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// The suspended tickets queue (p7-in): mail held back because its sender
// is a suspended user or a blocked address. Agents accept it (it becomes a
// ticket) or reject it (it is deleted). The ingest service decides who may
// (admins, and agents who see all tickets and edit them).

const suspendedPageSize = 50

func (s *Server) suspendedPage(w http.ResponseWriter, r *http.Request) error {
	if s.d.Inbound == nil {
		return desk.NotFound()
	}
	sts, more, err := s.d.Inbound.ListSuspended(r.Context(), 0, 0, suspendedPageSize)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "agent", "")
	pg.Title, pg.Nav = pg.T("suspended.title"), "suspended"
	pg.Data = struct {
		Items []*ingest.SuspendedTicket
		More  bool
	}{sts, more}
	return s.render(w, http.StatusOK, "agent_suspended", pg)
}

func (s *Server) suspendedRecover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil || s.d.Inbound == nil {
		return desk.NotFound()
	}
	if _, err := s.d.Inbound.Recover(r.Context(), []int64{id}); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/suspended", "recovered"))
}

func (s *Server) suspendedReject(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil || s.d.Inbound == nil {
		return desk.NotFound()
	}
	if err := s.d.Inbound.DestroySuspended(r.Context(), []int64{id}); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/suspended", "rejected"))
}
