package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
)

// Triggers and automations: a list in run order (toggle, move, delete) and
// an edit page with a condition/action builder. The builder is a plain
// form of rows (existing ones plus blank ones) that works without
// JavaScript; static/rules.js adds and removes rows. Package rules decides
// who may (manage_business_rules) and what is valid.

// ruleKind is one kind of rule the pages serve.
type ruleKind struct {
	Path     string // "triggers" or "automations"
	Kind     rules.Kind
	TitleKey string
	NewKey   string
	HintKey  string
}

var (
	triggerPages    = ruleKind{Path: "triggers", Kind: rules.KindTrigger, TitleKey: "rules.triggers", NewKey: "rules.new_trigger", HintKey: "rules.triggers_hint"}
	automationPages = ruleKind{Path: "automations", Kind: rules.KindAutomation, TitleKey: "rules.automations", NewKey: "rules.new_automation", HintKey: "rules.automations_hint"}
)

func (s *Server) registerAdminRules(h func(string, access, handlerFunc)) {
	for _, k := range []ruleKind{triggerPages, automationPages} {
		base := "/agent/admin/" + k.Path
		h("GET "+base, staff, s.adminRuleList(k))
		h("GET "+base+"/new", staff, s.adminRuleEdit(k))
		h("POST "+base+"/new", staff, s.adminRuleSave(k))
		h("GET "+base+"/{id}", staff, s.adminRuleEdit(k))
		h("POST "+base+"/{id}", staff, s.adminRuleSave(k))
		h("POST "+base+"/{id}/active", staff, s.adminRuleToggle(k))
		h("POST "+base+"/{id}/delete", staff, s.adminRuleDelete(k))
		h("POST "+base+"/{id}/move", staff, s.adminRuleMove(k))
	}
	s.registerTriggerCategories(h)
}

// ruleListItem is one row of the list page.
type ruleListItem struct {
	ID     int64
	Title  string
	Active bool
	// Position is the place in the run order (1 first).
	Position int
}

// ruleGroup is one table of the list page: the triggers of one category
// (or of none), or all automations.
type ruleGroup struct {
	// Name is the category's name; empty for automations and for the
	// triggers in no category (Uncategorized).
	Name          string
	Uncategorized bool
	Items         []ruleListItem
}

type adminRulesData struct {
	Kind ruleKind
	// Groups are the tables of rules: triggers by category (in category
	// order, those in none last), automations in one.
	Groups []ruleGroup
	// Empty is true when there are no rules at all.
	Empty bool
	// Loops are the recent trigger loops the engine stopped (triggers).
	Loops []ruleLoop
}

// ruleLoop is one stopped trigger loop as the list page shows it.
type ruleLoop struct {
	rules.Loop
	Titles string
}

func (s *Server) adminRuleList(k ruleKind) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.d.Rules == nil {
			return desk.NotFound()
		}
		d := adminRulesData{Kind: k}
		status, msg := http.StatusOK, ""
		if k.Kind == rules.KindTrigger {
			list, err := s.d.Rules.ListTriggers(r.Context(), rules.TriggerFilter{})
			if err != nil {
				return err
			}
			cats, err := s.d.Rules.ListCategories(r.Context())
			if err != nil {
				return err
			}
			d.Groups, d.Empty = triggerGroups(list, cats), len(list) == 0
			loops, err := s.d.Rules.RecentLoops(r.Context(), 10)
			if err != nil {
				return err
			}
			for _, l := range loops {
				titles := make([]string, len(l.Triggers))
				for i, ref := range l.Triggers {
					titles[i] = ref.Title
				}
				d.Loops = append(d.Loops, ruleLoop{Loop: l, Titles: strings.Join(titles, ", ")})
			}
		} else {
			list, err := s.d.Rules.ListAutomations(r.Context(), nil, "")
			if err != nil {
				return err
			}
			g := ruleGroup{}
			for i, a := range list {
				g.Items = append(g.Items, ruleListItem{ID: a.ID, Title: a.Title, Active: a.Active, Position: i + 1})
			}
			d.Groups, d.Empty = []ruleGroup{g}, len(list) == 0
		}
		pg := s.adminPage(r, k.TitleKey, k.Path)
		pg.Error = msg
		pg.Data = d
		return s.render(w, status, "admin_rules", pg)
	}
}

// ruleRow is one builder row: a condition (Field, Operator, Value) or an
// action (Field, Value and, for email actions, Subject and Body).
type ruleRow struct {
	Field, Operator, Value, Subject, Body string
}

type adminRuleData struct {
	Kind                  ruleKind
	ID                    int64
	Title, Description    string
	Active                bool
	All, Any, Actions     []ruleRow
	CondFields, ActFields []choice
	Operators             []string
	// Sections are the "all" and "any" condition lists, as the template
	// shows them.
	Sections []ruleSection
	// CategoryID is a trigger's category ("" for none); Categories are
	// the choices (On marks the chosen one).
	CategoryID string
	Categories []choice
	// Preview is what a stored automation would act on now, when asked
	// (?preview=1).
	Preview *rules.AutomationPreview
}

type ruleSection struct {
	Name      string // "all" or "any" (the form field prefix)
	LegendKey string
	Rows      []ruleRow
	Operators []string
}

var ruleOperators = []string{rules.OpIs, rules.OpIsNot, rules.OpLessThan, rules.OpGreaterThan, rules.OpChanged, rules.OpNotChanged,
	rules.OpValue, rules.OpValuePrevious, rules.OpNotValue, rules.OpNotValuePrev, rules.OpIncludes, rules.OpNotIncludes, rules.OpPresent, rules.OpNotPresent}

// blankRows is how many empty rows each section offers (without
// JavaScript, the only way to add one).
const blankRows = 2

func (s *Server) adminRuleEdit(k ruleKind) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.d.Rules == nil {
			return desk.NotFound()
		}
		if err := s.d.Rules.CanManage(r.Context()); err != nil {
			return err
		}
		d := adminRuleData{Kind: k, Active: true}
		if idStr := r.PathValue("id"); idStr != "" {
			id, err := pathID(r, "id")
			if err != nil {
				return err
			}
			d.ID = id
			var conds rules.Conditions
			var acts []rules.Action
			if k.Kind == rules.KindTrigger {
				t, err := s.d.Rules.GetTrigger(r.Context(), id)
				if err != nil {
					return err
				}
				d.Title, d.Description, d.Active, conds, acts = t.Title, t.Description, t.Active, t.Conditions, t.Actions
				if t.CategoryID != nil {
					d.CategoryID = *t.CategoryID
				}
			} else {
				a, err := s.d.Rules.GetAutomation(r.Context(), id)
				if err != nil {
					return err
				}
				d.Title, d.Active, conds, acts = a.Title, a.Active, a.Conditions, a.Actions
				if r.URL.Query().Get("preview") == "1" {
					if d.Preview, err = s.d.Rules.PreviewAutomation(r.Context(), id); err != nil {
						return err
					}
				}
			}
			d.All, d.Any, d.Actions = ruleCondRows(conds.All), ruleCondRows(conds.Any), ruleActionRows(acts)
		}
		return s.showRuleEdit(w, r, http.StatusOK, "", nil, d)
	}
}

func (s *Server) showRuleEdit(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, d adminRuleData) error {
	conds, acts := s.d.Rules.Rules.Definitions(d.Kind.Kind)
	rc := rcFrom(r)
	for _, c := range localDefs(rc, "rules.cond.", conds) {
		d.CondFields = append(d.CondFields, choice{Value: c.Subject, Title: c.Title})
	}
	for _, a := range localDefs(rc, "rules.act.", acts) {
		d.ActFields = append(d.ActFields, choice{Value: a.Subject, Title: a.Title})
	}
	d.Operators = ruleOperators
	if d.Kind.Kind == rules.KindTrigger {
		cats, err := s.d.Rules.ListCategories(r.Context())
		if err != nil {
			return err
		}
		for _, c := range cats {
			d.Categories = append(d.Categories, choice{Value: c.ID, Title: c.Name, On: c.ID == d.CategoryID})
		}
	}
	for range blankRows {
		d.All, d.Any, d.Actions = append(d.All, ruleRow{}), append(d.Any, ruleRow{}), append(d.Actions, ruleRow{})
	}
	d.Sections = []ruleSection{{Name: "all", LegendKey: "rules.conditions_all", Rows: d.All, Operators: d.Operators},
		{Name: "any", LegendKey: "rules.conditions_any", Rows: d.Any, Operators: d.Operators}}
	key := d.Kind.NewKey
	if d.ID != 0 {
		key = d.Kind.TitleKey
	}
	pg := s.adminPage(r, key, d.Kind.Path)
	pg.Error, pg.FieldErrors = msg, fe
	pg.Data = d
	return s.render(w, status, "admin_rule", pg)
}

func ruleCondRows(cs []rules.Condition) []ruleRow {
	var out []ruleRow
	for _, c := range cs {
		out = append(out, ruleRow{Field: c.Field, Operator: c.Operator, Value: ruleValueText(c.Value)})
	}
	return out
}

func ruleActionRows(as []rules.Action) []ruleRow {
	var out []ruleRow
	for _, a := range as {
		row := ruleRow{Field: a.Field, Value: ruleValueText(a.Value)}
		if strings.HasPrefix(a.Field, "notification_") {
			l := rules.List(a.Value)
			get := func(i int) string {
				if i < len(l) {
					return rules.String(l[i])
				}
				return ""
			}
			row.Value, row.Subject, row.Body = get(0), get(1), get(2)
		}
		out = append(out, row)
	}
	return out
}

func ruleValueText(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i] = rules.String(e)
		}
		return strings.Join(parts, " ")
	}
	return rules.String(v)
}

// formValue turns a typed-in value into what a rule stores: true/false as
// booleans for custom fields (checkboxes), everything else as text.
func ruleFormValue(field, v string) any {
	if strings.HasPrefix(field, "custom_fields_") && (v == "true" || v == "false") {
		return v == "true"
	}
	return v
}

// ruleForm reads the builder: rows whose field is blank are left out.
func ruleForm(r *http.Request) adminRuleData {
	f := r.PostForm
	d := adminRuleData{Title: strings.TrimSpace(f.Get("title")), Description: f.Get("description"), Active: f.Get("active") != "",
		CategoryID: strings.TrimSpace(f.Get("category_id"))}
	at := func(name string, i int) string {
		if vs := f[name]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	conds := func(prefix string) []ruleRow {
		var out []ruleRow
		for i := range f[prefix+"_field"] {
			if fld := at(prefix+"_field", i); fld != "" {
				out = append(out, ruleRow{Field: fld, Operator: at(prefix+"_operator", i), Value: at(prefix+"_value", i)})
			}
		}
		return out
	}
	d.All, d.Any = conds("all"), conds("any")
	for i := range f["action_field"] {
		if fld := at("action_field", i); fld != "" {
			d.Actions = append(d.Actions, ruleRow{Field: fld, Value: at("action_value", i), Subject: at("action_subject", i), Body: at("action_body", i)})
		}
	}
	return d
}

func (d adminRuleData) rule() (rules.Conditions, []rules.Action) {
	var c rules.Conditions
	for _, row := range d.All {
		c.All = append(c.All, rules.Condition{Field: row.Field, Operator: row.Operator, Value: ruleFormValue(row.Field, row.Value)})
	}
	for _, row := range d.Any {
		c.Any = append(c.Any, rules.Condition{Field: row.Field, Operator: row.Operator, Value: ruleFormValue(row.Field, row.Value)})
	}
	acts := []rules.Action{}
	for _, row := range d.Actions {
		var v any = ruleFormValue(row.Field, row.Value)
		if strings.HasPrefix(row.Field, "notification_") {
			v = []any{row.Value, row.Subject, row.Body}
		}
		acts = append(acts, rules.Action{Field: row.Field, Value: v})
	}
	return c, acts
}

func (s *Server) adminRuleSave(k ruleKind) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.d.Rules == nil {
			return desk.NotFound()
		}
		d := ruleForm(r)
		d.Kind = k
		if r.PathValue("id") != "" {
			id, err := pathID(r, "id")
			if err != nil {
				return err
			}
			d.ID = id
		}
		conds, acts := d.rule()
		var err error
		var id int64
		if k.Kind == rules.KindTrigger {
			in := rules.TriggerInput{Title: &d.Title, Description: &d.Description, Active: &d.Active, CategoryID: &d.CategoryID, Conditions: &conds, Actions: &acts}
			var t *rules.Trigger
			if d.ID == 0 {
				t, err = s.d.Rules.CreateTrigger(r.Context(), in)
			} else {
				t, err = s.d.Rules.UpdateTrigger(r.Context(), d.ID, in)
			}
			if err == nil {
				id = t.ID
			}
		} else {
			in := rules.AutomationInput{Title: &d.Title, Active: &d.Active, Conditions: &conds, Actions: &acts}
			var a *rules.Automation
			if d.ID == 0 {
				a, err = s.d.Rules.CreateAutomation(r.Context(), in)
			} else {
				a, err = s.d.Rules.UpdateAutomation(r.Context(), d.ID, in)
			}
			if err == nil {
				id = a.ID
			}
		}
		if err != nil {
			return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
				return s.showRuleEdit(w, r, st, msg, fe, d)
			})
		}
		return redirect(w, r, withMsg("/agent/admin/"+k.Path+"/"+strconv.FormatInt(id, 10), "rule_saved"))
	}
}

func (s *Server) adminRuleToggle(k ruleKind) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.d.Rules == nil {
			return desk.NotFound()
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		on := r.PostFormValue("active") == "1"
		if k.Kind == rules.KindTrigger {
			_, err = s.d.Rules.UpdateTrigger(r.Context(), id, rules.TriggerInput{Active: &on})
		} else {
			_, err = s.d.Rules.UpdateAutomation(r.Context(), id, rules.AutomationInput{Active: &on})
		}
		if err != nil {
			return err
		}
		return redirect(w, r, withMsg("/agent/admin/"+k.Path, "rule_saved"))
	}
}

func (s *Server) adminRuleDelete(k ruleKind) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.d.Rules == nil {
			return desk.NotFound()
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if k.Kind == rules.KindTrigger {
			err = s.d.Rules.DeleteTrigger(r.Context(), id)
		} else {
			err = s.d.Rules.DeleteAutomation(r.Context(), id)
		}
		if err != nil {
			return err
		}
		return redirect(w, r, withMsg("/agent/admin/"+k.Path, "rule_saved"))
	}
}

// adminRuleMove moves an automation one place up or down in the run
// order, or a trigger up or down among those of its category.
func (s *Server) adminRuleMove(k ruleKind) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.d.Rules == nil {
			return desk.NotFound()
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		delta := 1
		if r.PostFormValue("direction") == "up" {
			delta = -1
		}
		if k.Kind == rules.KindTrigger {
			err = s.d.Rules.MoveTriggerInCategory(r.Context(), id, delta)
		} else {
			err = s.d.Rules.MoveAutomation(r.Context(), id, delta)
		}
		if err != nil {
			return err
		}
		return redirect(w, r, withMsg("/agent/admin/"+k.Path, "rule_saved")+"#rule-"+strconv.FormatInt(id, 10))
	}
}

// triggerGroups splits triggers (in run order) by category: categories in
// their order, then the triggers in none.
func triggerGroups(list []*rules.Trigger, cats []*rules.TriggerCategory) []ruleGroup {
	idx := map[string]int{}
	groups := make([]ruleGroup, 0, len(cats)+1)
	for _, c := range cats {
		idx[c.ID] = len(groups)
		groups = append(groups, ruleGroup{Name: c.Name})
	}
	none := len(groups)
	groups = append(groups, ruleGroup{Uncategorized: true})
	for i, t := range list {
		g := none
		if t.CategoryID != nil {
			if j, ok := idx[*t.CategoryID]; ok {
				g = j
			}
		}
		groups[g].Items = append(groups[g].Items, ruleListItem{ID: t.ID, Title: t.Title, Active: t.Active, Position: i + 1})
	}
	if len(groups[none].Items) == 0 && len(cats) > 0 {
		groups = groups[:none]
	}
	return groups
}
