package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// The portal's web form follows the ticket forms: a picker when more than
// one form is offered, the chosen form's fields in its order, and its
// end-user conditions, applied in the browser by static/forms.js and
// enforced by the ticket service either way.

// portalFormData is what portal_home shows of the forms.
type portalFormData struct {
	Forms   []ticket.PortalForm
	Current ticket.PortalForm
	// FormID is the chosen form's id (0 while there are no forms).
	FormID int64
	// Conditions is the chosen form's end-user conditions as JSON, for the script.
	Conditions string
}

// Picker says whether to offer a choice of forms.
func (d *portalFormData) Picker() bool { return len(d.Forms) > 1 }

// portalFieldView is one custom field of the web form, for portal_field.
type portalFieldView struct {
	P        *page
	F        *desk.TicketField
	Name, ID string // the input's name and element id
}

// PortalField prepares field f for the portal_field template.
func (p *page) PortalField(f *desk.TicketField) portalFieldView {
	name := "cf_" + strconv.FormatInt(f.ID, 10)
	return portalFieldView{P: p, F: f, Name: name, ID: "wf-" + name}
}

// portalForms loads the forms and picks the one named by ticket_form_id
// (query or form), else the default, else the first.
func (s *Server) portalForms(r *http.Request, chosen string) (*portalFormData, error) {
	forms, err := s.d.Tickets.PortalForms(r.Context())
	if err != nil {
		return nil, err
	}
	d := &portalFormData{Forms: forms, Current: forms[0], Conditions: "[]"}
	want, _ := strconv.ParseInt(chosen, 10, 64)
	for _, pf := range forms {
		if pf.Form != nil && (pf.Form.ID == want || (want == 0 && pf.Form.Default)) {
			d.Current = pf
		}
	}
	if f := d.Current.Form; f != nil {
		d.FormID = f.ID
		b, err := json.Marshal(f.EndUserConditions)
		if err != nil {
			return nil, err
		}
		d.Conditions = string(b)
	}
	return d, nil
}

// portalCustomValues reads the chosen form's fields from the submission,
// keeping what was sent in form for a re-render. Empty inputs send nothing.
func portalCustomValues(r *http.Request, fields []*desk.TicketField, form url.Values) []desk.CustomFieldValue {
	out := []desk.CustomFieldValue{}
	for _, f := range fields {
		key := "cf_" + strconv.FormatInt(f.ID, 10)
		var vals []string
		for _, v := range r.PostForm[key] {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			continue
		}
		form[key] = vals
		var value any = vals[0]
		switch f.Type {
		case "checkbox":
			value = true
		case "multiselect":
			list := make([]any, len(vals))
			for i, v := range vals {
				list[i] = v
			}
			value = list
		}
		out = append(out, desk.CustomFieldValue{ID: f.ID, Value: value})
	}
	return out
}
