package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/views"
)

// Configured views and macros in the workspace (p8-views): the views
// sidebar's own list and a configured view's table, the macro picker on
// the ticket page and in the bulk form, and the pages where agents keep
// their personal views and macros and business-rule managers the shared
// ones (/agent/manage/views, /agent/manage/macros). Every rule about who
// sees and changes what lives in packages views and macros.

func init() {
	flashKeys["macro"] = "macros.applied"
	templateFuncs["ruleSet"] = func(key string, rows []vmRow, f *vmForm) vmSetData {
		return vmSetData{Key: key, Rows: rows, Form: f}
	}
}

// vmSetData is one condition list (all or any) for the rule_conditions
// template.
type vmSetData struct {
	Key  string
	Rows []vmRow
	Form *vmForm
}

func (s *Server) registerViewsMacros(h func(string, access, handlerFunc)) {
	if s.d.Views != nil {
		h("GET /agent/manage/views", staff, s.manageViews)
		h("GET /agent/manage/views/new", staff, s.editViewPage)
		h("POST /agent/manage/views/new", staff, s.saveView)
		h("GET /agent/manage/views/{id}", staff, s.editViewPage)
		h("POST /agent/manage/views/{id}", staff, s.saveView)
		h("POST /agent/manage/views/{id}/delete", staff, s.deleteView)
		h("POST /agent/manage/views/{id}/move", staff, s.moveView)
		h("POST /agent/manage/views/{id}/toggle", staff, s.toggleView)
	}
	if s.d.Macros != nil {
		h("GET /agent/manage/macros", staff, s.manageMacros)
		h("GET /agent/manage/macros/new", staff, s.editMacroPage)
		h("POST /agent/manage/macros/new", staff, s.saveMacro)
		h("GET /agent/manage/macros/{id}", staff, s.editMacroPage)
		h("POST /agent/manage/macros/{id}", staff, s.saveMacro)
		h("POST /agent/manage/macros/{id}/delete", staff, s.deleteMacro)
		h("POST /agent/manage/macros/{id}/move", staff, s.moveMacro)
		h("POST /agent/manage/macros/{id}/toggle", staff, s.toggleMacro)
		h("POST /agent/tickets/{id}/macro", staff, s.applyMacro)
	}
}

// maxSidebarViews bounds the configured views counted on every page.
const maxSidebarViews = 30

// customViews fills the sidebar's configured views (active ones the agent
// may run), with their counts; active is the shown view's id.
func (s *Server) customViews(ctx context.Context, d *viewData, active string) error {
	if s.d.Views == nil {
		return nil
	}
	on := true
	vs, err := s.d.Views.List(ctx, views.Filter{Active: &on, Usable: true})
	if err != nil {
		return err
	}
	if len(vs) > maxSidebarViews {
		vs = vs[:maxSidebarViews]
	}
	for _, v := range vs {
		n, err := s.d.Views.Count(ctx, v.ID)
		if err != nil {
			return err
		}
		id := strconv.FormatInt(v.ID, 10)
		d.Custom = append(d.Custom, viewLink{ID: id, Title: v.Title, Count: n, Active: id == active})
	}
	return nil
}

// colHead is one column of a configured view's table.
type colHead struct {
	Name, Title string
	// SortURL is set for sortable columns; Sorted is "ascending" or
	// "descending" on the current sort column.
	SortURL, Sorted string
}

// cell is one value of a configured view's row; Kind picks its rendering.
type cell struct {
	Kind string // subject, status, priority, time, breach, text, id
	Text string
	Time desk.Time
	// Breached marks a breach cell whose time has passed.
	Breached bool
}

type cviewRow struct {
	T     *desk.Ticket
	Cells []cell
}

// columnSort maps a view column to the sort key views accept.
var columnSort = map[string]string{
	"nice_id": "nice_id", "subject": "subject", "status": "status", "priority": "priority",
	"created": "created", "updated": "updated", "due_date": "due_date", "type": "type",
	sla.NextBreachColumn: sla.NextBreachColumn,
}

// fillCustomView runs configured view v for the page: its title, count,
// columns and one page of rows.
func (s *Server) fillCustomView(r *http.Request, d *viewData, v *views.View) error {
	rc := rcFrom(r)
	ctx := r.Context()
	id := strconv.FormatInt(v.ID, 10)
	n, err := s.d.Views.Count(ctx, v.ID)
	if err != nil {
		return err
	}
	d.View = viewLink{ID: id, Title: v.Title, Count: n, Active: true}
	q := r.URL.Query()
	sortBy, dir := q.Get("sort"), q.Get("dir")
	if _, ok := columnSort[sortBy]; !ok {
		sortBy = ""
	}
	if dir != "asc" {
		dir = "desc"
	}
	d.Pager = newPager(r, n, viewPerPage)
	pg := views.Page{Offset: (d.Pager.Page - 1) * viewPerPage, Limit: viewPerPage}
	if sortBy != "" {
		pg.SortBy, pg.SortOrder = columnSort[sortBy], dir
	}
	res, err := s.d.Views.Execute(ctx, v.ID, pg)
	if err != nil {
		return err
	}
	fieldTitles := map[string]string{}
	cols := v.Columns()
	for _, c := range cols {
		if _, err := strconv.ParseInt(c, 10, 64); err == nil {
			fields, err := s.d.Tickets.Fields(ctx)
			if err != nil {
				return err
			}
			for _, f := range fields {
				fieldTitles[strconv.FormatInt(f.ID, 10)] = f.Title
			}
			break
		}
	}
	for _, c := range cols {
		h := colHead{Name: c, Title: fieldTitles[c]}
		if h.Title == "" {
			h.Title = rc.T("cview.col." + c)
		}
		if key, ok := columnSort[c]; ok {
			next := "desc"
			if sortBy == key && dir == "desc" {
				next = "asc"
			}
			h.SortURL = r.URL.Path + "?" + url.Values{"sort": {key}, "dir": {next}}.Encode()
			if sortBy == key {
				h.Sorted = map[string]string{"asc": "ascending", "desc": "descending"}[dir]
			}
		}
		d.Columns = append(d.Columns, h)
	}
	names, err := s.userNames(ctx, res.Tickets)
	if err != nil {
		return err
	}
	groups, orgs := map[int64]string{}, map[int64]string{}
	if slices.Contains(cols, "group") {
		gs, err := s.d.People.ListGroups(ctx, 0, 1000, 0)
		if err != nil {
			return err
		}
		for _, g := range gs {
			groups[g.ID] = g.Name
		}
	}
	if slices.Contains(cols, "organization") {
		var ids []int64
		for _, t := range res.Tickets {
			if t.OrganizationID != nil {
				ids = append(ids, *t.OrganizationID)
			}
		}
		if len(ids) > 0 {
			os, err := s.d.People.GetOrganizations(ctx, slices.Compact(slices.Sorted(slices.Values(ids))))
			if err != nil {
				return err
			}
			for _, o := range os {
				orgs[o.ID] = o.Name
			}
		}
	}
	var next map[int64]time.Time
	if s.d.SLA != nil && slices.Contains(cols, sla.NextBreachColumn) && len(res.Tickets) > 0 {
		ids := make([]int64, len(res.Tickets))
		for i, t := range res.Tickets {
			ids[i] = t.ID
		}
		if next, err = s.d.SLA.NextBreach(ctx, ids); err != nil {
			return err
		}
	}
	now := s.now()
	for _, t := range res.Tickets {
		row := cviewRow{T: t}
		for _, c := range cols {
			if c == sla.NextBreachColumn {
				row.Cells = append(row.Cells, breachCell(next, t.ID, now))
				continue
			}
			row.Cells = append(row.Cells, cellOf(rc, t, c, names, groups, orgs))
		}
		d.CRows = append(d.CRows, row)
	}
	return nil
}

// breachCell is the countdown to a ticket's next SLA breach (empty
// without a running timer); Breached marks one already past.
func breachCell(next map[int64]time.Time, id int64, now time.Time) cell {
	at, ok := next[id]
	if !ok {
		return cell{Kind: "text"}
	}
	return cell{Kind: "breach", Time: desk.Time{Time: at}, Breached: !at.After(now)}
}

func cellOf(rc *reqCtx, t *desk.Ticket, c string, names, groups, orgs map[int64]string) cell {
	name := func(m map[int64]string, id *int64) string {
		if id == nil {
			return ""
		}
		return m[*id]
	}
	switch c {
	case "nice_id":
		return cell{Kind: "id", Text: strconv.FormatInt(t.ID, 10)}
	case "subject":
		return cell{Kind: "subject", Text: t.Subject}
	case "status":
		return cell{Kind: "status", Text: string(t.Status)}
	case "priority":
		return cell{Kind: "priority", Text: deref(t.Priority)}
	case "type":
		if t.Type == nil {
			return cell{Kind: "text"}
		}
		return cell{Kind: "text", Text: rc.T("type." + *t.Type)}
	case "requester":
		return cell{Kind: "text", Text: names[t.RequesterID]}
	case "assignee":
		return cell{Kind: "text", Text: name(names, t.AssigneeID)}
	case "group":
		return cell{Kind: "text", Text: name(groups, t.GroupID)}
	case "organization":
		return cell{Kind: "text", Text: name(orgs, t.OrganizationID)}
	case "created":
		return cell{Kind: "time", Time: t.CreatedAt}
	case "updated":
		return cell{Kind: "time", Time: t.UpdatedAt}
	case "due_date":
		if t.DueAt.IsZero() {
			return cell{Kind: "text"}
		}
		return cell{Kind: "time", Time: t.DueAt}
	}
	id, _ := strconv.ParseInt(c, 10, 64)
	for _, f := range t.CustomFields {
		if f.ID == id {
			return cell{Kind: "text", Text: fmtValue(f.Value)}
		}
	}
	return cell{Kind: "text"}
}

// usableMacros lists the active macros the agent may apply.
func (s *Server) usableMacros(ctx context.Context) ([]*macros.Macro, error) {
	if s.d.Macros == nil {
		return nil, nil
	}
	on := true
	return s.d.Macros.List(ctx, macros.Filter{Active: &on, Usable: true})
}

// applyMacro applies the chosen macro to the ticket (one audit, through the
// ticket service's commit path).
func (s *Server) applyMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mid := formID(r, "macro_id")
	if mid == 0 {
		return s.showTicket(w, r, http.StatusUnprocessableEntity, rcFrom(r).T("macros.choose"), nil, ticketForm{public: true})
	}
	if _, _, err := s.d.Macros.Apply(r.Context(), mid, id); err != nil {
		if formError(err) {
			return s.showTicket(w, r, http.StatusUnprocessableEntity, rcFrom(r).T("errors.validation")+" "+errorText(err), fieldErrors(err), ticketForm{public: true})
		}
		return err
	}
	return redirect(w, r, withMsg("/agent/tickets/"+strconv.FormatInt(id, 10), "macro"))
}

// Management pages.

// vmItem is a view or macro as the management lists show it.
type vmItem struct {
	ID                int64
	Title, Visibility string
	Active            bool
	Category          string
	Usage             int64
}

type manageListData struct {
	Kind    string // "views" or "macros"
	Items   []vmItem
	Manager bool
}

// visibilityText names a restriction for the lists.
func visibilityText(rc *reqCtx, r *views.Restriction) string {
	switch {
	case r == nil:
		return rc.T("vm.visible_all")
	case r.Type == views.RestrictUser:
		return rc.T("vm.visible_me")
	}
	return rc.T("vm.visible_groups")
}

// manageable views: personal ones of the agent, and shared ones for a
// business-rules manager.
func (s *Server) manageViews(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	vs, err := s.d.Views.List(r.Context(), views.Filter{})
	if err != nil {
		return err
	}
	d := manageListData{Kind: "views", Manager: rc.p.Can().ManageBusinessRules}
	for _, v := range vs {
		if !v.Personal() && !d.Manager {
			continue
		}
		d.Items = append(d.Items, vmItem{ID: v.ID, Title: v.Title, Active: v.Active, Visibility: visibilityText(rc, v.Restriction)})
	}
	pg := s.newPage(r, "agent", rc.T("cview.manage"))
	pg.Nav = "manage-views"
	pg.Data = d
	return s.render(w, http.StatusOK, "manage_rules", pg)
}

func (s *Server) manageMacros(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ms, err := s.d.Macros.List(r.Context(), macros.Filter{})
	if err != nil {
		return err
	}
	d := manageListData{Kind: "macros", Manager: rc.p.Can().ManageBusinessRules}
	var shown []*macros.Macro
	for _, m := range ms {
		if m.Personal() || d.Manager {
			shown = append(shown, m)
		}
	}
	if err := s.d.Macros.Usage(r.Context(), shown); err != nil {
		return err
	}
	for _, m := range shown {
		d.Items = append(d.Items, vmItem{ID: m.ID, Title: m.Title, Active: m.Active, Visibility: visibilityText(rc, m.Restriction),
			Category: m.Category(), Usage: int64(*m.Usage30d)})
	}
	pg := s.newPage(r, "agent", rc.T("macros.manage"))
	pg.Nav = "manage-macros"
	pg.Data = d
	return s.render(w, http.StatusOK, "manage_rules", pg)
}

// vmRow is one condition or action row of the editors.
type vmRow struct {
	Index            int
	Field, Op, Value string
}

type choice struct {
	Value, Title string
	On           bool
}

// vmForm is the editor of a view or a macro.
type vmForm struct {
	Kind        string // "views" or "macros"
	ID          int64
	Title       string
	Description string
	Active      bool
	Restrict    string // all, groups, me
	GroupIDs    []int64
	Groups      []*desk.Group
	Manager     bool
	// Views.
	All, Any         []vmRow
	Fields           []choice // condition fields
	Operators        []choice
	Columns          []choice
	GroupBy, SortBy  []choice
	SortDesc         bool
	GroupDesc        bool
	PlaceholdersHint string
	// PreviewCount is how many tickets the form's conditions match now,
	// when a preview was asked for.
	PreviewCount *int
	// Macros.
	Actions       []vmRow
	ActionFields  []choice
	Comment       string
	CommentPublic bool
}

// vmBlankRows is how many empty rows an editor offers for new conditions or
// actions (without scripts, a row is added by saving and editing again).
const vmBlankRows = 3

func (s *Server) vmFormBase(r *http.Request, kind string) (*vmForm, error) {
	rc := rcFrom(r)
	f := &vmForm{Kind: kind, Active: true, Restrict: "me", Manager: rc.p.Can().ManageBusinessRules}
	if f.Manager {
		f.Restrict = "all"
		var err error
		if f.Groups, err = s.d.People.ListGroups(r.Context(), 0, 1000, 0); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func restrictOf(rs *views.Restriction) (string, []int64) {
	switch {
	case rs == nil:
		return "all", nil
	case rs.Type == views.RestrictUser:
		return "me", nil
	}
	ids := rs.IDs
	if len(ids) == 0 {
		ids = []int64{rs.ID}
	}
	return "groups", ids
}

// viewChoices fills the pickers of the view editor.
func (s *Server) viewChoices(rc *reqCtx, f *vmForm, cols []string, out views.Output) {
	conds, _ := s.d.Views.Rules.Definitions(rules.KindView)
	ops := map[string]string{}
	for _, d := range localDefs(rc, "rules.cond.", conds) {
		if strings.HasSuffix(d.Subject, "_") { // a prefix (custom_fields_) is typed by hand
			continue
		}
		f.Fields = append(f.Fields, choice{Value: d.Subject, Title: d.Title})
		for _, o := range d.Operators {
			ops[o.Value] = o.Title
		}
	}
	for _, o := range slices.Sorted(func(yield func(string) bool) {
		for k := range ops {
			if !yield(k) {
				return
			}
		}
	}) {
		f.Operators = append(f.Operators, choice{Value: o, Title: ops[o]})
	}
	for _, c := range views.ColumnOrder {
		f.Columns = append(f.Columns, choice{Value: c, Title: rc.T("cview.col." + c), On: slices.Contains(cols, c)})
	}
	f.GroupBy = append(f.GroupBy, choice{Value: "", Title: rc.T("common.none"), On: out.GroupBy == ""})
	for _, g := range views.GroupOrder() {
		f.GroupBy = append(f.GroupBy, choice{Value: g, Title: rc.T("cview.col." + g), On: out.GroupBy == g})
	}
	for _, c := range views.SortOrder {
		f.SortBy = append(f.SortBy, choice{Value: c, Title: rc.T("cview.col." + c), On: out.SortBy == c})
	}
	f.SortDesc, f.GroupDesc = out.SortOrder != "asc", out.GroupOrder == "desc"
}

func vmCondRows(cs []rules.Condition) []vmRow {
	var out []vmRow
	for i, c := range cs {
		out = append(out, vmRow{Index: i, Field: c.Field, Op: c.Operator, Value: rules.String(c.Value)})
	}
	for i := 0; i < vmBlankRows; i++ {
		out = append(out, vmRow{Index: len(cs) + i})
	}
	return out
}

func (s *Server) editViewPage(w http.ResponseWriter, r *http.Request) error {
	f, err := s.vmFormBase(r, "views")
	if err != nil {
		return err
	}
	rc := rcFrom(r)
	out := views.Output{SortBy: "updated", SortOrder: "desc"}
	cols := []string{"subject", "requester", "updated", "assignee"}
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		v, err := s.d.Views.Get(r.Context(), id)
		if err != nil {
			return err
		}
		f.ID, f.Title, f.Description, f.Active = v.ID, v.Title, v.Description, v.Active
		f.Restrict, f.GroupIDs = restrictOf(v.Restriction)
		f.All, f.Any = vmCondRows(v.Conditions.All), vmCondRows(v.Conditions.Any)
		out, cols = v.OutputOf(), v.Columns()
	} else {
		f.All = vmCondRows([]rules.Condition{{Field: "status", Operator: "less_than", Value: "solved"}})
		f.Any = vmCondRows(nil)
	}
	s.viewChoices(rc, f, cols, out)
	return s.showRuleForm(w, r, http.StatusOK, "", nil, f)
}

func (s *Server) showRuleForm(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, f *vmForm) error {
	rc := rcFrom(r)
	title := "cview.new"
	if f.Kind == "macros" {
		title = "macros.new"
	}
	if f.ID != 0 {
		title = "cview.edit"
		if f.Kind == "macros" {
			title = "macros.edit"
		}
	}
	pg := s.newPage(r, "agent", rc.T(title))
	pg.Nav = "manage-" + f.Kind
	pg.Error, pg.FieldErrors = msg, fe
	pg.Data = f
	return s.render(w, status, "manage_rule", pg)
}

// formRows reads the condition rows named prefix (all, any).
func formRows(r *http.Request, prefix string) []vmRow {
	n, _ := strconv.Atoi(r.PostFormValue(prefix + "_rows"))
	n = min(max(n, 0), 200)
	var out []vmRow
	for i := 0; i < n; i++ {
		k := prefix + "_" + strconv.Itoa(i)
		row := vmRow{Field: strings.TrimSpace(r.PostFormValue(k + "_field")), Op: r.PostFormValue(k + "_op"), Value: r.PostFormValue(k + "_value")}
		if row.Field == "" {
			continue
		}
		row.Index = len(out)
		out = append(out, row)
	}
	return out
}

// restrictionJSON is the restriction a form asks for.
func restrictionJSON(r *http.Request) json.RawMessage {
	switch r.PostFormValue("restrict") {
	case "me":
		return json.RawMessage(`{"type":"User"}`)
	case "groups":
		var ids []int64
		for _, v := range r.PostForm["group_ids"] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
				ids = append(ids, id)
			}
		}
		b, _ := json.Marshal(map[string]any{"type": "Group", "ids": ids})
		return b
	}
	return json.RawMessage("null")
}

func rowsJSON(rows []vmRow) json.RawMessage {
	list := []map[string]any{}
	for _, r := range rows {
		list = append(list, map[string]any{"field": r.Field, "operator": r.Op, "value": r.Value})
	}
	b, _ := json.Marshal(list)
	return b
}

func (s *Server) saveView(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	all, anyRows := formRows(r, "all"), formRows(r, "any")
	title, desc := r.PostFormValue("title"), r.PostFormValue("description")
	active := r.PostFormValue("active") != ""
	var cols []any
	for _, c := range r.PostForm["columns"] {
		cols = append(cols, c)
	}
	sortOrder, groupOrder := "asc", "asc"
	if r.PostFormValue("sort_desc") != "" {
		sortOrder = "desc"
	}
	if r.PostFormValue("group_desc") != "" {
		groupOrder = "desc"
	}
	groupBy, sortBy := r.PostFormValue("group_by"), r.PostFormValue("sort_by")
	in := views.Input{Title: &title, Description: &desc, Active: &active, Restriction: restrictionJSON(r),
		All: rowsJSON(all), Any: rowsJSON(anyRows),
		Output: &views.OutputInput{Columns: cols, GroupBy: &groupBy, GroupOrder: &groupOrder, SortBy: &sortBy, SortOrder: &sortOrder}}
	var id int64
	var err error
	if r.PathValue("id") != "" {
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
	}
	// action=preview counts what the form's conditions match now (the
	// views service's preview count) and shows the form again, unsaved.
	var count *int
	switch {
	case r.PostFormValue("action") == "preview":
		var n int
		if n, err = s.d.Views.PreviewCount(ctx, in); err == nil {
			count = &n
		}
	case id != 0:
		_, err = s.d.Views.Update(ctx, id, in)
	default:
		var v *views.View
		if v, err = s.d.Views.Create(ctx, in); err == nil {
			id = v.ID
		}
	}
	if err != nil || count != nil {
		if err != nil && !formError(err) {
			return err
		}
		f, ferr := s.vmFormBase(r, "views")
		if ferr != nil {
			return ferr
		}
		f.ID, f.Title, f.Description, f.Active = id, title, desc, active
		f.Restrict, _ = restrictOf(nil)
		if v := r.PostFormValue("restrict"); v == "me" || v == "groups" || v == "all" {
			f.Restrict = v
		}
		for _, v := range r.PostForm["group_ids"] {
			if gid, err := strconv.ParseInt(v, 10, 64); err == nil {
				f.GroupIDs = append(f.GroupIDs, gid)
			}
		}
		f.All, f.Any = padRows(all), padRows(anyRows)
		s.viewChoices(rc, f, r.PostForm["columns"], views.Output{GroupBy: groupBy, GroupOrder: groupOrder, SortBy: sortBy, SortOrder: sortOrder})
		if count != nil {
			f.PreviewCount = count
			return s.showRuleForm(w, r, http.StatusOK, "", nil, f)
		}
		return s.showRuleForm(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), fieldErrors(err), f)
	}
	return redirect(w, r, withMsg("/agent/manage/views", "updated"))
}

func padRows(rows []vmRow) []vmRow {
	for i := 0; i < vmBlankRows; i++ {
		rows = append(rows, vmRow{Index: len(rows)})
	}
	return rows
}

func (s *Server) deleteView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Views.Delete(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/manage/views", "deleted"))
}

func (s *Server) toggleView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.d.Views.Get(r.Context(), id)
	if err != nil {
		return err
	}
	active := !v.Active
	if _, err := s.d.Views.UpdateMany(r.Context(), []views.Placement{{ID: id, Active: &active}}); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/manage/views", "updated"))
}

// moved returns the placements that move id one step up or down among
// ids (the list as shown), numbering positions from 1.
func moved(ids []int64, id int64, up bool) []views.Placement {
	i := slices.Index(ids, id)
	j := i + 1
	if up {
		j = i - 1
	}
	if i < 0 || j < 0 || j >= len(ids) {
		return nil
	}
	ids = slices.Clone(ids)
	ids[i], ids[j] = ids[j], ids[i]
	out := make([]views.Placement, len(ids))
	for k, x := range ids {
		pos := k + 1
		out[k] = views.Placement{ID: x, Position: &pos}
	}
	return out
}

func (s *Server) moveView(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vs, err := s.d.Views.List(r.Context(), views.Filter{})
	if err != nil {
		return err
	}
	var ids []int64
	manager := rc.p.Can().ManageBusinessRules
	for _, v := range vs {
		if v.Personal() || manager {
			ids = append(ids, v.ID)
		}
	}
	if ps := moved(ids, id, r.PostFormValue("dir") == "up"); ps != nil {
		if _, err := s.d.Views.UpdateMany(r.Context(), ps); err != nil {
			return err
		}
	}
	return redirect(w, r, withMsg("/agent/manage/views", "updated"))
}

// Macros.

// actionChoices fills the action picker of the macro editor.
func (s *Server) actionChoices(rc *reqCtx, f *vmForm) {
	_, acts := s.d.Macros.Rules.Definitions(rules.KindMacro)
	for _, d := range localDefs(rc, "rules.act.", acts) {
		if strings.HasSuffix(d.Subject, "_") {
			continue
		}
		f.ActionFields = append(f.ActionFields, choice{Value: d.Subject, Title: d.Title})
	}
	f.PlaceholdersHint = "{{ticket.id}} {{ticket.title}} {{ticket.requester.first_name}} {{ticket.url}} {{current_user.name}}"
}

func actionRows(acts []macros.Action) (rows []vmRow, comment string, public bool) {
	public = true
	for _, a := range acts {
		switch a.Field {
		case macros.ActionComment, macros.ActionCommentHTML:
			if s, ok := a.Value.(string); ok {
				comment = s
			} else if l := rules.List(a.Value); len(l) == 2 {
				comment = rules.String(l[1])
			}
		case macros.ActionCommentPublic:
			b, _ := rules.Bool(a.Value)
			public = b
		default:
			rows = append(rows, vmRow{Index: len(rows), Field: a.Field, Value: rules.String(a.Value)})
		}
	}
	return padRows(rows), comment, public
}

func (s *Server) editMacroPage(w http.ResponseWriter, r *http.Request) error {
	f, err := s.vmFormBase(r, "macros")
	if err != nil {
		return err
	}
	f.CommentPublic = true
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		m, err := s.d.Macros.Get(r.Context(), id)
		if err != nil {
			return err
		}
		f.ID, f.Title, f.Description, f.Active = m.ID, m.Title, m.Description, m.Active
		f.Restrict, f.GroupIDs = restrictOf(m.Restriction)
		f.Actions, f.Comment, f.CommentPublic = actionRows(m.Actions)
	} else {
		f.Actions = padRows(nil)
	}
	s.actionChoices(rcFrom(r), f)
	return s.showRuleForm(w, r, http.StatusOK, "", nil, f)
}

func (s *Server) saveMacro(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	rows := formRows(r, "act")
	title, desc := r.PostFormValue("title"), r.PostFormValue("description")
	active := r.PostFormValue("active") != ""
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	public := r.PostFormValue("comment_public") != ""
	acts := []map[string]any{}
	for _, row := range rows {
		acts = append(acts, map[string]any{"field": row.Field, "value": row.Value})
	}
	if comment != "" {
		acts = append(acts, map[string]any{"field": macros.ActionComment, "value": comment},
			map[string]any{"field": macros.ActionCommentPublic, "value": public})
	}
	b, _ := json.Marshal(acts)
	in := macros.Input{Title: &title, Description: &desc, Active: &active, Restriction: restrictionJSON(r), Actions: b}
	var id int64
	var err error
	if r.PathValue("id") != "" {
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
		_, err = s.d.Macros.Update(ctx, id, in)
	} else {
		var m *macros.Macro
		if m, err = s.d.Macros.Create(ctx, in); err == nil {
			id = m.ID
		}
	}
	if err != nil {
		if !formError(err) {
			return err
		}
		f, ferr := s.vmFormBase(r, "macros")
		if ferr != nil {
			return ferr
		}
		f.ID, f.Title, f.Description, f.Active = id, title, desc, active
		if v := r.PostFormValue("restrict"); v == "me" || v == "groups" || v == "all" {
			f.Restrict = v
		}
		for _, v := range r.PostForm["group_ids"] {
			if gid, err := strconv.ParseInt(v, 10, 64); err == nil {
				f.GroupIDs = append(f.GroupIDs, gid)
			}
		}
		f.Actions, f.Comment, f.CommentPublic = padRows(rows), comment, public
		s.actionChoices(rc, f)
		return s.showRuleForm(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), fieldErrors(err), f)
	}
	return redirect(w, r, withMsg("/agent/manage/macros", "updated"))
}

func (s *Server) deleteMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Macros.Delete(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/manage/macros", "deleted"))
}

func (s *Server) toggleMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.d.Macros.Get(r.Context(), id)
	if err != nil {
		return err
	}
	active := !m.Active
	if _, err := s.d.Macros.UpdateMany(r.Context(), []views.Placement{{ID: id, Active: &active}}); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/manage/macros", "updated"))
}

func (s *Server) moveMacro(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ms, err := s.d.Macros.List(r.Context(), macros.Filter{})
	if err != nil {
		return err
	}
	var ids []int64
	manager := rc.p.Can().ManageBusinessRules
	for _, m := range ms {
		if m.Personal() || manager {
			ids = append(ids, m.ID)
		}
	}
	if ps := moved(ids, id, r.PostFormValue("dir") == "up"); ps != nil {
		if _, err := s.d.Macros.UpdateMany(r.Context(), ps); err != nil {
			return err
		}
	}
	return redirect(w, r, withMsg("/agent/manage/macros", "updated"))
}
