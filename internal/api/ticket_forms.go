package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Ticket forms and the options of dropdown and multiselect fields, as in
// https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_forms/
// and .../tickets/ticket_fields/#list-ticket-field-options.

func (s *Server) registerTicketForms(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/ticket_fields/count", s.countTicketFields)
	s.handle(mux, "GET /api/v2/ticket_fields/{id}/options", s.listTicketFieldOptions)
	s.handle(mux, "POST /api/v2/ticket_fields/{id}/options", s.saveTicketFieldOption)
	s.handle(mux, "GET /api/v2/ticket_fields/{id}/options/{option_id}", s.showTicketFieldOption)
	s.handle(mux, "DELETE /api/v2/ticket_fields/{id}/options/{option_id}", s.deleteTicketFieldOption)
	s.handle(mux, "GET /api/v2/ticket_forms", s.listTicketForms)
	s.handle(mux, "POST /api/v2/ticket_forms", s.saveTicketForm)
	s.handle(mux, "GET /api/v2/ticket_forms/show_many", s.showManyTicketForms)
	s.handle(mux, "PUT /api/v2/ticket_forms/reorder", s.reorderTicketForms)
	s.handle(mux, "GET /api/v2/ticket_forms/{id}", s.showTicketForm)
	s.handle(mux, "PUT /api/v2/ticket_forms/{id}", s.saveTicketForm)
	s.handle(mux, "DELETE /api/v2/ticket_forms/{id}", deleteByID(s.Tickets.DeleteForm))
	s.handle(mux, "POST /api/v2/ticket_forms/{id}/clone", s.cloneTicketForm)
}

// countTicketFields is Zendesk's GET /ticket_fields/count:
// {"count": {"value": n, "refreshed_at": …}}.
func (s *Server) countTicketFields(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Tickets.CountFields(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"count": map[string]any{"value": n, "refreshed_at": desk.Time{Time: time.Now()}}})
}

func optionURL(r *http.Request, fieldID int64, o *desk.FieldOption) {
	o.URL = baseURL(r) + "/api/v2/ticket_fields/" + itoa(fieldID) + "/options/" + itoa(o.ID) + ".json"
}

func (s *Server) listTicketFieldOptions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	opts, err := s.Tickets.FieldOptions(r.Context(), id)
	if err != nil {
		return err
	}
	for i := range opts {
		optionURL(r, id, &opts[i])
	}
	return writeJSON(w, http.StatusOK, map[string]any{"custom_field_options": opts, "next_page": nil, "previous_page": nil, "count": len(opts)})
}

func (s *Server) showTicketFieldOption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	optID, err := pathID(r, "option_id")
	if err != nil {
		return err
	}
	o, err := s.Tickets.FieldOption(r.Context(), id, optID)
	if err != nil {
		return err
	}
	optionURL(r, id, o)
	return writeJSON(w, http.StatusOK, map[string]any{"custom_field_option": o})
}

// saveTicketFieldOption creates an option, or updates the one whose id the body
// names (201 and 200, as Zendesk answers).
func (s *Server) saveTicketFieldOption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var env struct {
		Option *desk.FieldOption `json:"custom_field_option"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Option == nil {
		return desk.Invalid("custom_field_option", "is required")
	}
	o, isNew, err := s.Tickets.SaveFieldOption(r.Context(), id, *env.Option)
	if err != nil {
		return err
	}
	optionURL(r, id, o)
	if isNew {
		return created(w, o.URL, map[string]any{"custom_field_option": o})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"custom_field_option": o})
}

func (s *Server) deleteTicketFieldOption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	optID, err := pathID(r, "option_id")
	if err != nil {
		return err
	}
	if err := s.Tickets.DeleteFieldOption(r.Context(), id, optID); err != nil {
		return err
	}
	return noContent(w)
}

// formFilter reads the active and end_user_visible list filters.
func formFilter(r *http.Request) (ticket.FormFilter, error) {
	var f ticket.FormFilter
	for name, dst := range map[string]**bool{"active": &f.Active, "end_user_visible": &f.EndUserVisible} {
		v := r.URL.Query().Get(name)
		if v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, errBadRequest("%s must be true or false", name)
		}
		*dst = &b
	}
	return f, nil
}

func withFormURLs(r *http.Request, fs ...*desk.TicketForm) {
	base := baseURL(r)
	for _, f := range fs {
		f.URL = base + "/api/v2/ticket_forms/" + itoa(f.ID) + ".json"
	}
}

func (s *Server) writeForms(w http.ResponseWriter, r *http.Request, fs []*desk.TicketForm) error {
	withFormURLs(r, fs...)
	return writeJSON(w, http.StatusOK, map[string]any{"ticket_forms": fs, "next_page": nil, "previous_page": nil, "count": len(fs)})
}

func (s *Server) listTicketForms(w http.ResponseWriter, r *http.Request) error {
	filter, err := formFilter(r)
	if err != nil {
		return err
	}
	fs, err := s.Tickets.Forms(r.Context(), filter)
	if err != nil {
		return err
	}
	return s.writeForms(w, r, fs)
}

func (s *Server) showManyTicketForms(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	filter, err := formFilter(r)
	if err != nil {
		return err
	}
	fs, err := s.Tickets.FormsByID(r.Context(), ids, filter)
	if err != nil {
		return err
	}
	return s.writeForms(w, r, fs)
}

func (s *Server) showTicketForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Tickets.Form(r.Context(), id)
	if err != nil {
		return err
	}
	withFormURLs(r, f)
	return writeJSON(w, http.StatusOK, map[string]any{"ticket_form": f})
}

func (s *Server) saveTicketForm(w http.ResponseWriter, r *http.Request) error {
	id, err := optionalPathID(r, "id")
	if err != nil {
		return err
	}
	var env struct {
		Form *ticket.FormInput `json:"ticket_form"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Form == nil {
		return desk.Invalid("ticket_form", "is required")
	}
	f, err := s.Tickets.SaveForm(r.Context(), id, *env.Form)
	if err != nil {
		return err
	}
	withFormURLs(r, f)
	if id == 0 {
		return created(w, f.URL, map[string]any{"ticket_form": f})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ticket_form": f})
}

// reorderTicketForms takes {"ticket_form_ids": [...]} and answers the
// forms in their new order.
func (s *Server) reorderTicketForms(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		IDs *[]int64 `json:"ticket_form_ids"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.IDs == nil {
		return desk.Invalid("ticket_form_ids", "is required")
	}
	if err := s.Tickets.ReorderForms(r.Context(), *env.IDs); err != nil {
		return err
	}
	fs, err := s.Tickets.Forms(r.Context(), ticket.FormFilter{})
	if err != nil {
		return err
	}
	return s.writeForms(w, r, fs)
}

func (s *Server) cloneTicketForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Tickets.CloneForm(r.Context(), id)
	if err != nil {
		return err
	}
	withFormURLs(r, f)
	return writeJSON(w, http.StatusOK, map[string]any{"ticket_form": f})
}
