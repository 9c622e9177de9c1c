package web

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Shareable ticket links (issue P9), off by default: the "Share link" box
// on the agent ticket page (shown only while Admin → Settings turns links
// on) and the signed-out page /shared/{token}. The ticket service decides
// who may make or revoke a link and what a link shows.

func init() {
	flashKeys["share_revoked"] = "share.revoked"
}

func (s *Server) registerShare(h func(string, access, handlerFunc)) {
	h("POST /agent/tickets/{id}/share-links", staff, s.agentCreateShareLink)
	h("POST /agent/tickets/{id}/share-links/{link_id}/revoke", staff, s.agentRevokeShareLink)
	// Reached by the link alone, signed in or not; GET only.
	h("GET /shared/{token}", public, s.sharedTicket)
}

// shareBox is the ticket page's "Share link" box (nil: not shown).
type shareBox struct {
	Links []*ticket.ShareLink
	// NewURL is the link just made: shown once, never stored.
	NewURL string
}

// shareBoxFor returns the box for the ticket when links are on and the
// viewer may manage them; nil otherwise.
func (s *Server) shareBoxFor(r *http.Request, ticketID int64, newURL string) (*shareBox, error) {
	ctx := r.Context()
	on, err := s.d.Tickets.SharingEnabled(ctx)
	if err != nil || !on {
		return nil, err
	}
	links, err := s.d.Tickets.ShareLinks(ctx, ticketID)
	switch desk.ErrorCode(err) {
	case "":
	case desk.EFORBIDDEN, desk.ENOTFOUND:
		return nil, nil // light agents see no box
	default:
		return nil, err
	}
	return &shareBox{Links: links, NewURL: newURL}, nil
}

func (s *Server) agentCreateShareLink(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	token, _, err := s.d.Tickets.CreateShareLink(r.Context(), id)
	switch desk.ErrorCode(err) {
	case "":
	case desk.EFORBIDDEN:
		return s.showTicket(w, r, http.StatusForbidden, rc.T("share.not_allowed"), nil, ticketForm{public: true})
	case desk.EINVALID:
		return s.showTicket(w, r, http.StatusUnprocessableEntity, rc.T("share.too_many"), nil, ticketForm{public: true})
	default:
		return err
	}
	// The page is shown, not redirected to, so the token never lands in a
	// URL, a log line or the history: it is on this one response.
	w.Header().Set("Referrer-Policy", "no-referrer")
	return s.showTicket(w, r, http.StatusOK, "", nil, ticketForm{public: true, shareURL: s.absURL("/shared/" + token)})
}

func (s *Server) agentRevokeShareLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	linkID, err := pathID(r, "link_id")
	if err != nil {
		return err
	}
	if err := s.d.Tickets.RevokeShareLink(r.Context(), id, linkID); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/tickets/"+strconv.FormatInt(id, 10), "share_revoked"))
}

// sharedTicket is the page a share link opens: the ticket's subject,
// status, dates and public conversation, nothing else. Not indexed, not
// cached, and it sends no Referer (its URL is the credential).
func (s *Server) sharedTicket(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	v, err := s.d.Tickets.SharedView(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	pg := s.newPage(r, "portal", v.Subject)
	pg.Data = v
	return s.render(w, http.StatusOK, "shared_ticket", pg)
}
