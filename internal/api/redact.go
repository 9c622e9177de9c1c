package api

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// registerRedaction mounts Zendesk's redaction routes (issue 12,
// data-subject requests): a string in a comment, strings marked with
// <redact> in comment_redactions, and a comment's attachment.
func (s *Server) registerRedaction(mux *http.ServeMux) {
	s.handle(mux, "PUT /api/v2/tickets/{id}/comments/{comment_id}/redact", s.redactCommentText)
	s.handle(mux, "PUT /api/v2/comment_redactions/{comment_id}", s.commentRedaction)
	s.handle(mux, "PUT /api/v2/tickets/{id}/comments/{comment_id}/attachments/{attachment_id}/redact", s.redactAttachment)
}

func (s *Server) redactCommentText(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "comment_id")
	if err != nil {
		return err
	}
	var body struct {
		Text *string `json:"text"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Text == nil {
		return desk.Invalid("text", "is required")
	}
	c, err := s.Tickets.RedactCommentText(r.Context(), id, cid, *body.Text)
	if err != nil {
		return err
	}
	return s.writeComment(w, r, c)
}

// commentRedaction is Zendesk's "redact ticket comment in agent workspace":
// the parts of html_body wrapped in <redact> are redacted.
func (s *Server) commentRedaction(w http.ResponseWriter, r *http.Request) error {
	cid, err := pathID(r, "comment_id")
	if err != nil {
		return err
	}
	var body struct {
		TicketID *int64  `json:"ticket_id"`
		HTMLBody *string `json:"html_body"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.TicketID == nil {
		return desk.Invalid("ticket_id", "is required")
	}
	if body.HTMLBody == nil {
		return desk.Invalid("html_body", "is required")
	}
	texts, err := ticket.RedactTags(*body.HTMLBody)
	if err != nil {
		return err
	}
	c, err := s.Tickets.RedactCommentTexts(r.Context(), *body.TicketID, cid, texts)
	if err != nil {
		return err
	}
	return s.writeComment(w, r, c)
}

func (s *Server) redactAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "comment_id")
	if err != nil {
		return err
	}
	aid, err := pathID(r, "attachment_id")
	if err != nil {
		return err
	}
	a, err := s.Tickets.RedactAttachment(r.Context(), id, cid, aid)
	if err != nil {
		return err
	}
	a.URL = baseURL(r) + "/api/v2/attachments/" + itoa(a.ID) + ".json"
	a.ContentURL = baseURL(r) + "/api/v2/attachments/" + itoa(a.ID) + "/content"
	return writeJSON(w, http.StatusOK, map[string]any{"attachment": a})
}

func (s *Server) writeComment(w http.ResponseWriter, r *http.Request, c *desk.Comment) error {
	base := baseURL(r)
	for i := range c.Attachments {
		a := &c.Attachments[i]
		a.URL = base + "/api/v2/attachments/" + itoa(a.ID) + ".json"
		a.ContentURL = base + "/api/v2/attachments/" + itoa(a.ID) + "/content"
	}
	return writeJSON(w, http.StatusOK, map[string]any{"comment": c})
}
