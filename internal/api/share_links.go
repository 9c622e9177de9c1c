package api

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/ticket"
)

// registerShareLinks mounts Frontdesk's shareable ticket links (a Frontdesk
// extension; Zendesk has no such resource; issue P9). Off by default: the
// ticket service refuses new links (403) until an admin turns
// tickets.shareable_links on, and decides who may manage them (staff who
// may see and edit the ticket).
func (s *Server) registerShareLinks(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/tickets/{id}/share_links", s.listShareLinks)
	s.handle(mux, "POST /api/v2/tickets/{id}/share_links", s.createShareLink)
	s.handle(mux, "DELETE /api/v2/tickets/{id}/share_links/{link_id}", s.revokeShareLink)
}

func (s *Server) listShareLinks(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	links, err := s.Tickets.ShareLinks(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"share_links": links, "count": len(links), "next_page": nil, "previous_page": nil})
}

// createShareLink answers 201 with the link and, this once, its token and
// URL (only the token's hash is kept). The request needs no body.
func (s *Server) createShareLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	token, link, err := s.Tickets.CreateShareLink(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	out := struct {
		*ticket.ShareLink
		Token string `json:"token"`
		URL   string `json:"url"`
	}{link, token, baseURL(r) + "/shared/" + token}
	return created(w, baseURL(r)+"/api/v2/tickets/"+itoa(id)+"/share_links", map[string]any{"share_link": out})
}

func (s *Server) revokeShareLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	linkID, err := pathID(r, "link_id")
	if err != nil {
		return err
	}
	if err := s.Tickets.RevokeShareLink(r.Context(), id, linkID); err != nil {
		return err
	}
	return noContent(w)
}
