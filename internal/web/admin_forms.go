package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Admin pages for ticket forms (/agent/admin/forms) and for the options of
// dropdown and multiselect fields (/agent/admin/fields/{id}/options). They
// call the same ticket service the API does.

func (s *Server) registerAdminForms(h func(string, access, handlerFunc)) {
	h("GET /agent/admin/forms", admin, s.adminForms)
	h("POST /agent/admin/forms", admin, s.adminCreateForm)
	h("GET /agent/admin/forms/{id}", admin, s.adminEditForm)
	h("POST /agent/admin/forms/{id}", admin, s.adminSaveForm)
	h("POST /agent/admin/forms/{id}/clone", admin, s.adminCloneForm)
	h("POST /agent/admin/forms/{id}/delete", admin, s.adminDeleteForm)
	h("GET /agent/admin/fields/{id}/options", admin, s.adminFieldOptions)
	h("POST /agent/admin/fields/{id}/options", admin, s.adminSaveFieldOption)
	h("POST /agent/admin/fields/{id}/options/{option_id}/delete", admin, s.adminDeleteFieldOption)
}

// Form list.

func (s *Server) adminForms(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminForms(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminForms(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	forms, err := s.d.Tickets.Forms(r.Context(), ticket.FormFilter{})
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "web.ticket_forms", "forms")
	pg.Error, pg.FieldErrors = msg, fe
	pg.Form.Set("name", r.PostFormValue("name"))
	pg.Data = forms
	return s.render(w, status, "admin_forms", pg)
}

func (s *Server) adminCreateForm(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	f, err := s.d.Tickets.SaveForm(r.Context(), 0, ticket.FormInput{Name: &name})
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminForms(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/forms/"+strconv.FormatInt(f.ID, 10), "updated"))
}

func (s *Server) adminCloneForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.d.Tickets.CloneForm(r.Context(), id)
	if err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/forms/"+strconv.FormatInt(f.ID, 10), "updated"))
}

func (s *Server) adminDeleteForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Tickets.DeleteForm(r.Context(), id); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminForms(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/forms", "updated"))
}

// One form.

// adminFormField is a field as the form editor lists it.
type adminFormField struct {
	F        *desk.TicketField
	On       bool
	Position int
}

// condRow is one condition as the editor shows it (an empty row adds one).
type condRow struct {
	Index    int
	Parent   int64
	Value    string
	Children []int64
	Required []int64
}

type adminFormData struct {
	Form    *desk.TicketForm
	Fields  []adminFormField
	Parents []*desk.TicketField // dropdowns and checkboxes, possible parents
	Agent   []condRow
	EndUser []condRow
}

// conditionsView is one condition list for the form_conditions template:
// K is "ec" (end-user) or "ac" (agent).
type conditionsView struct {
	P    *page
	D    adminFormData
	K    string
	Rows []condRow
}

// Conditions prepares the end-user ("ec") or agent ("ac") conditions of d.
func (p *page) Conditions(d adminFormData, kind string) conditionsView {
	rows := d.Agent
	if kind == "ec" {
		rows = d.EndUser
	}
	return conditionsView{P: p, D: d, K: kind, Rows: rows}
}

func (s *Server) adminEditForm(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminForm(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminForm(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	form, err := s.d.Tickets.Form(r.Context(), id)
	if err != nil {
		return err
	}
	fields, err := s.d.Tickets.Fields(r.Context())
	if err != nil {
		return err
	}
	d := adminFormData{Form: form, Agent: condRows(form.AgentConditions), EndUser: condRows(form.EndUserConditions)}
	for _, f := range fields {
		pos := slices.Index(form.TicketFieldIDs, f.ID)
		d.Fields = append(d.Fields, adminFormField{F: f, On: pos >= 0, Position: pos + 1})
		if f.Type == "tagger" || f.Type == "checkbox" {
			d.Parents = append(d.Parents, f)
		}
	}
	// Fields on the form first, in its order; then the others.
	slices.SortStableFunc(d.Fields, func(a, b adminFormField) int {
		if a.On != b.On {
			if a.On {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Position, b.Position)
	})
	pg := s.adminPage(r, "web.ticket_forms", "forms")
	pg.Title = form.Name
	pg.Error, pg.FieldErrors = msg, fe
	pg.Data = d
	return s.render(w, status, "admin_form", pg)
}

// condRows lists conditions for the editor, with one empty row to add.
func condRows(conds []desk.FormCondition) []condRow {
	out := make([]condRow, 0, len(conds)+1)
	for i, c := range conds {
		row := condRow{Index: i, Parent: c.ParentFieldID, Value: fieldString(c.Value)}
		for _, ch := range c.ChildFields {
			row.Children = append(row.Children, ch.ID)
			if ch.IsRequired {
				row.Required = append(row.Required, ch.ID)
			}
		}
		out = append(out, row)
	}
	return append(out, condRow{Index: len(conds)})
}

func (s *Server) adminSaveForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := s.d.Tickets.Form(ctx, id)
	if err != nil {
		return err
	}
	in, err := s.formInput(ctx, r.PostForm, cur)
	if err == nil {
		_, err = s.d.Tickets.SaveForm(ctx, id, in)
	}
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminForm(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/forms/"+strconv.FormatInt(id, 10), "updated"))
}

// formInput reads the form editor. Agent conditions keep the
// required_on_statuses the API gave them, which the page does not edit.
func (s *Server) formInput(ctx context.Context, f url.Values, cur *desk.TicketForm) (ticket.FormInput, error) {
	name, display := strings.TrimSpace(f.Get("name")), strings.TrimSpace(f.Get("display_name"))
	flag := func(k string) *bool { v := f.Get(k) == "1"; return &v }
	in := ticket.FormInput{Name: &name, DisplayName: &display, Active: flag("active"), EndUserVisible: flag("end_user_visible")}
	if f.Get("default") == "1" {
		in.Default = flag("default")
	}
	fields, err := s.d.Tickets.Fields(ctx)
	if err != nil {
		return in, err
	}
	types := map[int64]string{}
	for _, fd := range fields {
		types[fd.ID] = fd.Type
	}
	type chosen struct {
		id  int64
		pos int
	}
	var picks []chosen
	for _, v := range f["field"] {
		fid, err := strconv.ParseInt(v, 10, 64)
		if err != nil || types[fid] == "" {
			return in, desk.Invalid("ticket_field_ids", "lists a field that does not exist")
		}
		pos, _ := strconv.Atoi(f.Get("pos_" + v))
		picks = append(picks, chosen{fid, pos})
	}
	slices.SortStableFunc(picks, func(a, b chosen) int { return cmp.Compare(a.pos, b.pos) })
	ids := make([]int64, 0, len(picks))
	for _, p := range picks {
		ids = append(ids, p.id)
	}
	in.TicketFieldIDs = &ids
	agent, err := readConditions(f, "ac", types, cur.AgentConditions)
	if err != nil {
		return in, err
	}
	endUser, err := readConditions(f, "ec", types, nil)
	if err != nil {
		return in, err
	}
	in.AgentConditions, in.EndUserConditions = &agent, &endUser
	return in, nil
}

// readConditions reads the rows prefix_parent_N, prefix_value_N,
// prefix_children_N and prefix_required_N; rows without a parent are skipped.
func readConditions(f url.Values, prefix string, types map[int64]string, keep []desk.FormCondition) ([]desk.FormCondition, error) {
	rows, _ := strconv.Atoi(f.Get(prefix + "_rows"))
	out := []desk.FormCondition{}
	for i := range min(rows, 400) {
		n := strconv.Itoa(i)
		parent, _ := strconv.ParseInt(f.Get(prefix+"_parent_"+n), 10, 64)
		if parent == 0 {
			continue
		}
		var value any = strings.TrimSpace(f.Get(prefix + "_value_" + n))
		if types[parent] == "checkbox" {
			b, err := strconv.ParseBool(value.(string))
			if err != nil {
				return nil, desk.Invalid(conditionsKey(prefix), "a checkbox condition's value is true or false")
			}
			value = b
		}
		required := map[string]bool{}
		for _, v := range f[prefix+"_required_"+n] {
			required[v] = true
		}
		c := desk.FormCondition{ParentFieldID: parent, Value: value, ChildFields: []desk.ChildField{}}
		for _, v := range f[prefix+"_children_"+n] {
			cid, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, desk.Invalid(conditionsKey(prefix), "lists a field that does not exist")
			}
			c.ChildFields = append(c.ChildFields, desk.ChildField{ID: cid, IsRequired: required[v], RequiredOnStatuses: keptStatuses(keep, parent, value, cid)})
		}
		out = append(out, c)
	}
	return out, nil
}

func conditionsKey(prefix string) string {
	if prefix == "ac" {
		return "agent_conditions"
	}
	return "end_user_conditions"
}

// keptStatuses is the required_on_statuses an existing condition gave child.
func keptStatuses(conds []desk.FormCondition, parent int64, value any, child int64) *desk.RequiredOnStatuses {
	for _, c := range conds {
		if c.ParentFieldID != parent || c.Value != value {
			continue
		}
		for _, ch := range c.ChildFields {
			if ch.ID == child {
				return ch.RequiredOnStatuses
			}
		}
	}
	return nil
}

// Field options.

type adminOptionsData struct {
	Field   *desk.TicketField
	Options []desk.FieldOption
}

func (s *Server) adminFieldOptions(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminFieldOptions(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminFieldOptions(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.d.Tickets.Field(r.Context(), id)
	if err != nil {
		return err
	}
	opts, err := s.d.Tickets.FieldOptions(r.Context(), id)
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "web.field_options_title", "fields")
	pg.Error, pg.FieldErrors = msg, fe
	for _, k := range []string{"name", "value"} {
		pg.Form.Set(k, r.PostFormValue(k))
	}
	pg.Data = adminOptionsData{Field: f, Options: opts}
	return s.render(w, status, "admin_field_options", pg)
}

// adminSaveFieldOption adds an option, or renames or re-tags the one named
// by option_id.
func (s *Server) adminSaveFieldOption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	value := strings.TrimSpace(r.PostFormValue("value"))
	if value == "" {
		value = optionValue(name)
	}
	optID, _ := strconv.ParseInt(r.PostFormValue("option_id"), 10, 64)
	if _, _, err := s.d.Tickets.SaveFieldOption(r.Context(), id, desk.FieldOption{ID: max(optID, 0), Name: name, Value: value}); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminFieldOptions(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/fields/"+strconv.FormatInt(id, 10)+"/options", "updated"))
}

func (s *Server) adminDeleteFieldOption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	optID, err := pathID(r, "option_id")
	if err != nil {
		return err
	}
	if err := s.d.Tickets.DeleteFieldOption(r.Context(), id, optID); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminFieldOptions(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/fields/"+strconv.FormatInt(id, 10)+"/options", "updated"))
}
