package web

import (
	"net/http"
	"strconv"
	"strings"
)

// Redaction on the agent ticket page (issue 12): a no-JS form under each
// comment redacts a string or the whole comment, and a button per file
// redacts an attachment. The ticket service decides who may (staff who may
// edit the ticket) and records the audit event.

func init() {
	flashKeys["redacted"] = "redact.done"
}

func (s *Server) registerRedaction(h func(string, access, handlerFunc)) {
	h("POST /agent/tickets/{id}/comments/{comment_id}/redact", staff, s.redactComment)
	h("POST /agent/tickets/{id}/comments/{comment_id}/attachments/{attachment_id}/redact", staff, s.redactAttachment)
}

func (s *Server) redactComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "comment_id")
	if err != nil {
		return err
	}
	if r.PostFormValue("whole") == "1" {
		_, err = s.d.Tickets.RedactComment(r.Context(), id, cid)
	} else {
		_, err = s.d.Tickets.RedactCommentText(r.Context(), id, cid, strings.TrimSpace(r.PostFormValue("text")))
	}
	return s.afterRedaction(w, r, id, cid, err)
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
	_, err = s.d.Tickets.RedactAttachment(r.Context(), id, cid, aid)
	return s.afterRedaction(w, r, id, cid, err)
}

func (s *Server) afterRedaction(w http.ResponseWriter, r *http.Request, id, cid int64, err error) error {
	if err != nil {
		if formError(err) {
			return s.showTicket(w, r, http.StatusUnprocessableEntity, rcFrom(r).T("errors.validation")+" "+errorText(err), fieldErrors(err), ticketForm{public: true})
		}
		return err
	}
	return redirect(w, r, withMsg("/agent/tickets/"+strconv.FormatInt(id, 10), "redacted")+"#comment-"+strconv.FormatInt(cid, 10))
}
