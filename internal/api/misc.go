package api

import (
	"github.com/frontdesk/frontdesk/internal/attach"
	"io"
	"net/http"
	"strings"

	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func (s *Server) registerMisc(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/job_statuses/{id}", s.showJobStatus)
	s.handle(mux, "GET /api/v2/search", s.search)
	s.handle(mux, "GET /api/v2/search/count", s.searchCount)
	s.handle(mux, "GET /api/v2/search/export", s.searchExport)
}

func (s *Server) jobStatusBody(r *http.Request, st *bulk.Status) map[string]any {
	st.URL = baseURL(r) + "/api/v2/job_statuses/" + st.ID + ".json"
	return map[string]any{"job_status": st}
}

func (s *Server) showJobStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := opaqueID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.Bulk.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

type ticketsEnvelope struct {
	Tickets []ticket.Input `json:"tickets"`
	Ticket  *ticket.Input  `json:"ticket"`
}

func (s *Server) createManyTickets(w http.ResponseWriter, r *http.Request) error {
	var env ticketsEnvelope
	if err := decode(r, &env); err != nil {
		return err
	}
	st, err := s.Bulk.CreateTickets(r.Context(), env.Tickets)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

// updateManyTickets accepts both Zendesk forms: ?ids= with one "ticket"
// change, or a "tickets" list whose entries carry their own id.
func (s *Server) updateManyTickets(w http.ResponseWriter, r *http.Request) error {
	var raw struct {
		Tickets []struct {
			ID int64 `json:"id"`
		} `json:"tickets"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		return &desk.Error{Code: desk.ETOOLARGE, Message: "request body is too large"}
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	var env ticketsEnvelope
	if err := decode(r, &env); err != nil {
		return err
	}
	var st *bulk.Status
	if env.Ticket != nil {
		ids, err := idList(r.URL.Query().Get("ids"))
		if err != nil {
			return err
		}
		st, err = s.Bulk.UpdateTickets(r.Context(), ids, env.Ticket, nil)
		if err != nil {
			return err
		}
	} else {
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if err := decode(r, &raw); err != nil {
			return err
		}
		ids := make([]int64, len(raw.Tickets))
		for i, t := range raw.Tickets {
			if t.ID <= 0 {
				return desk.Invalid("id", "each ticket needs an id")
			}
			ids[i] = t.ID
		}
		st, err = s.Bulk.UpdateTickets(r.Context(), nil, nil, bulk.UpdateEach(ids, env.Tickets))
		if err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

func (s *Server) destroyManyTickets(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	st, err := s.Bulk.DestroyTickets(r.Context(), ids)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

func (s *Server) listTicketFields(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.Tickets.Fields(r.Context())
	if err != nil {
		return err
	}
	base := baseURL(r)
	for _, f := range fs {
		f.URL = base + "/api/v2/ticket_fields/" + itoa(f.ID) + ".json"
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ticket_fields": fs, "next_page": nil, "previous_page": nil, "count": len(fs)})
}

func (s *Server) showTicketField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Tickets.Field(r.Context(), id)
	if err != nil {
		return err
	}
	f.URL = baseURL(r) + "/api/v2/ticket_fields/" + itoa(f.ID) + ".json"
	return writeJSON(w, http.StatusOK, map[string]any{"ticket_field": f})
}

func (s *Server) saveTicketField(w http.ResponseWriter, r *http.Request) error {
	id, err := optionalPathID(r, "id")
	if err != nil {
		return err
	}
	var env struct {
		TicketField *ticket.FieldInput `json:"ticket_field"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.TicketField == nil {
		return desk.Invalid("ticket_field", "is required")
	}
	f, err := s.Tickets.SaveField(r.Context(), id, *env.TicketField)
	if err != nil {
		return err
	}
	f.URL = baseURL(r) + "/api/v2/ticket_fields/" + itoa(f.ID) + ".json"
	if id == 0 {
		return created(w, f.URL, map[string]any{"ticket_field": f})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ticket_field": f})
}

// upload takes the raw file body, as Zendesk's POST /uploads?filename= does.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) error {
	name := r.URL.Query().Get("filename")
	if name == "" {
		return desk.Invalid("filename", "is required")
	}
	body := http.MaxBytesReader(w, r.Body, s.MaxUpload+1)
	up, err := s.Tickets.CreateUpload(r.Context(), name, body)
	if err != nil {
		if strings.Contains(err.Error(), "http: request body too large") {
			return &desk.Error{Code: desk.ETOOLARGE, Message: "the file is larger than the attachment limit"}
		}
		return err
	}
	base := baseURL(r)
	up.Attachment.URL = base + "/api/v2/attachments/" + itoa(up.Attachment.ID) + ".json"
	up.Attachment.ContentURL = base + "/api/v2/attachments/" + itoa(up.Attachment.ID) + "/content"
	up.Attachments = []desk.Attachment{up.Attachment}
	return created(w, up.Attachment.URL, map[string]any{"upload": up})
}

func (s *Server) deleteUpload(w http.ResponseWriter, r *http.Request) error {
	token, err := opaqueID(r, "token")
	if err != nil {
		return err
	}
	if err := s.Tickets.DeleteUpload(r.Context(), token); err != nil {
		return err
	}
	return noContent(w)
}

func (s *Server) showAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Tickets.Attachment(r.Context(), id)
	if err != nil {
		return err
	}
	a.URL = baseURL(r) + "/api/v2/attachments/" + itoa(a.ID) + ".json"
	a.ContentURL = baseURL(r) + "/api/v2/attachments/" + itoa(a.ID) + "/content"
	return writeJSON(w, http.StatusOK, map[string]any{"attachment": a})
}

// attachmentContent serves the bytes with the sniffed type, as a download,
// and forbids the browser from re-sniffing or running anything in it.
func (s *Server) attachmentContent(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, f, err := s.Tickets.OpenAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	attach.ServeDownload(w, a.ContentType, a.FileName, a.Size, f)
	return nil
}
