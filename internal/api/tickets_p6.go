package api

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// registerTicketFamilies mounts the ticket routes added for Zendesk's
// missing ticket families (P6, scope p6-tickets): spam, comment privacy,
// single and account-wide audits, and a ticket's collaborators.
func (s *Server) registerTicketFamilies(mux *http.ServeMux) {
	s.handle(mux, "PUT /api/v2/tickets/{id}/mark_as_spam", s.markAsSpam)
	s.handle(mux, "PUT /api/v2/tickets/mark_many_as_spam", s.markManyAsSpam)
	s.handle(mux, "PUT /api/v2/tickets/{id}/comments/{comment_id}/make_private", s.makeCommentPrivate)
	s.handle(mux, "GET /api/v2/tickets/{id}/audits/{audit_id}", s.showAudit)
	s.handle(mux, "GET /api/v2/ticket_audits", s.listAllAudits)
	s.handle(mux, "GET /api/v2/tickets/{id}/collaborators", s.ticketPeople(""))
	s.handle(mux, "GET /api/v2/tickets/{id}/followers", s.ticketPeople("follower"))
	s.handle(mux, "GET /api/v2/tickets/{id}/email_ccs", s.ticketPeople("email_cc"))
}

func (s *Server) markAsSpam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Tickets.MarkAsSpam(r.Context(), id, s.People.SuspendSpammerTx); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) markManyAsSpam(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	st, err := s.Bulk.MarkManyAsSpam(r.Context(), ids, s.People.SuspendSpammerTx)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

func (s *Server) makeCommentPrivate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "comment_id")
	if err != nil {
		return err
	}
	if err := s.Tickets.MakeCommentPrivate(r.Context(), id, cid); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) showAudit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	aid, err := pathID(r, "audit_id")
	if err != nil {
		return err
	}
	a, err := s.Tickets.Audit(r.Context(), id, aid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"audit": a})
}

// listAllAudits is /ticket_audits: newest first, cursor paged forwards
// (page[size], page[after]); a request without a cursor gets the first page
// with a next_page that continues with one.
func (s *Server) listAllAudits(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	if err := p.forwardOnly("ticket audits"); err != nil {
		return err
	}
	as, more, err := s.Tickets.AllAudits(r.Context(), p.after, p.perPage)
	if err != nil {
		return err
	}
	var first, last int64
	if len(as) > 0 {
		first, last = as[0].ID, as[len(as)-1].ID
	}
	return writeForwardPage(w, r, p, "audits", as, len(as), first, last, more)
}

// ticketPeople lists a ticket's collaborators, followers or email CCs as
// users.
func (s *Server) ticketPeople(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		ids, err := s.Tickets.CollaboratorIDs(r.Context(), id, kind)
		if err != nil {
			return err
		}
		us := []*desk.User{}
		if len(ids) > 0 {
			if us, err = s.People.GetUsers(r.Context(), ids); err != nil {
				return err
			}
		}
		withUserURLs(r, us...)
		return writeJSON(w, http.StatusOK, map[string]any{"users": us, "next_page": nil, "previous_page": nil, "count": len(us)})
	}
}
