package api

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
)

// Triggers and automations, in Zendesk's shape:
// https://developer.zendesk.com/api-reference/ticketing/business-rules/triggers/
// and .../business-rules/automations/. manage_business_rules gates them
// all (checked by package rules).

func (s *Server) registerRules(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/triggers", s.listTriggers(nil))
	s.handle(mux, "GET /api/v2/triggers/active", s.listTriggers(ptrBool(true)))
	s.handle(mux, "GET /api/v2/triggers/search", s.listTriggers(nil))
	s.handle(mux, "GET /api/v2/triggers/definitions", s.ruleDefinitions(rules.KindTrigger))
	s.handle(mux, "GET /api/v2/triggers/dry_run", s.dryRunTriggers)
	s.handle(mux, "POST /api/v2/triggers", s.createTrigger)
	s.handle(mux, "PUT /api/v2/triggers/reorder", s.reorderTriggers)
	s.handle(mux, "GET /api/v2/triggers/{id}", s.showTrigger)
	s.handle(mux, "PUT /api/v2/triggers/{id}", s.updateTrigger)
	s.handle(mux, "DELETE /api/v2/triggers/{id}", deleteByID(s.Rules.DeleteTrigger))
	s.registerAutomations(mux)
	s.registerTriggerCategories(mux)
}

func ptrBool(b bool) *bool { return &b }

func (s *Server) triggerURL(r *http.Request, t *rules.Trigger) {
	t.URL = baseURL(r) + "/api/v2/triggers/" + itoa(t.ID) + ".json"
}

func boolParam(r *http.Request, name string) (*bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, desk.Invalid(name, "must be true or false")
	}
	return &b, nil
}

func ruleSort(r *http.Request) (string, bool, error) {
	q := r.URL.Query()
	by := q.Get("sort_by")
	if by == "" {
		by = q.Get("sort")
	}
	switch q.Get("sort_order") {
	case "", "asc":
		return by, false, nil
	case "desc":
		return by, true, nil
	}
	return "", false, desk.Invalid("sort_order", "must be asc or desc")
}

// listTriggers serves the list, /active (active forced true) and /search
// (query= matches titles).
func (s *Server) listTriggers(active *bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f := rules.TriggerFilter{Active: active, Query: r.URL.Query().Get("query")}
		if f.Active == nil {
			a, err := boolParam(r, "active")
			if err != nil {
				return err
			}
			f.Active = a
		}
		if c := r.URL.Query().Get("category_id"); c != "" {
			id, err := strconv.ParseInt(c, 10, 64)
			if err != nil || id <= 0 {
				return desk.Invalid("category_id", "must be an id")
			}
			f.CategoryID = id
		}
		var err error
		if f.SortBy, f.SortDesc, err = ruleSort(r); err != nil {
			return err
		}
		list, err := s.Rules.ListTriggers(r.Context(), f)
		if err != nil {
			return err
		}
		for _, t := range list {
			s.triggerURL(r, t)
		}
		if list == nil {
			list = []*rules.Trigger{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"triggers": list, "next_page": nil, "previous_page": nil, "count": len(list)})
	}
}

func (s *Server) showTrigger(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Rules.GetTrigger(r.Context(), id)
	if err != nil {
		return err
	}
	s.triggerURL(r, t)
	return writeJSON(w, http.StatusOK, map[string]any{"trigger": t})
}

func decodeTrigger(r *http.Request) (rules.TriggerInput, error) {
	var env struct {
		Trigger *rules.TriggerInput `json:"trigger"`
	}
	if err := decode(r, &env); err != nil {
		return rules.TriggerInput{}, err
	}
	if env.Trigger == nil {
		return rules.TriggerInput{}, desk.Invalid("trigger", "is required")
	}
	return *env.Trigger, nil
}

func (s *Server) createTrigger(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeTrigger(r)
	if err != nil {
		return err
	}
	t, err := s.Rules.CreateTrigger(r.Context(), in)
	if err != nil {
		return err
	}
	s.triggerURL(r, t)
	return created(w, t.URL, map[string]any{"trigger": t})
}

func (s *Server) updateTrigger(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeTrigger(r)
	if err != nil {
		return err
	}
	t, err := s.Rules.UpdateTrigger(r.Context(), id, in)
	if err != nil {
		return err
	}
	s.triggerURL(r, t)
	return writeJSON(w, http.StatusOK, map[string]any{"trigger": t})
}

// reorderTriggers takes {"trigger_ids": [...]} and answers the new order.
func (s *Server) reorderTriggers(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		IDs []int64 `json:"trigger_ids"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if err := s.Rules.ReorderTriggers(r.Context(), env.IDs); err != nil {
		return err
	}
	return s.listTriggers(nil)(w, r)
}

// dryRunTriggers answers what the active triggers would do to ?ticket_id=
// on an update that changes nothing: the passes of the real engine run,
// each with the triggers that fired, the ticket's final field values and
// the loop error when the set loops. Nothing is stored.
func (s *Server) dryRunTriggers(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.URL.Query().Get("ticket_id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Invalid("ticket_id", "must be a ticket id")
	}
	res, err := s.Rules.DryRun(r.Context(), id)
	if err != nil {
		return err
	}
	fire := []any{}
	for _, d := range res.Results {
		s.triggerURL(r, d.Trigger)
		if d.Fired {
			fire = append(fire, d.Trigger)
		}
	}
	if res.Ticket != nil {
		withTicketURLs(r, res.Ticket)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ticket_id": id, "triggers": fire, "results": res.Results, "count": len(fire),
		"passes": res.Passes, "failed": res.Failed, "looped": res.Looped, "loop": res.Loop, "error": res.Error, "ticket": res.Ticket})
}

// ruleDefinitions is GET /triggers/definitions (and /automations/…), titled
// in the caller's language:
// {"definitions": {"conditions_all": […], "conditions_any": […], "actions": […]}}.
func (s *Server) ruleDefinitions(kind rules.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.Rules.CanManage(r.Context()); err != nil {
			return err
		}
		p, err := s.callerPrinter(r)
		if err != nil {
			return err
		}
		conds, acts := s.Rules.Rules.Definitions(kind)
		conds = rules.LocalizeDefinitions(conds, rules.CondTitlePrefix, p.T)
		acts = rules.LocalizeDefinitions(acts, rules.ActionTitlePrefix, p.T)
		return writeJSON(w, http.StatusOK, map[string]any{"definitions": map[string]any{
			"conditions_all": conds, "conditions_any": conds, "actions": acts}})
	}
}

func (s *Server) registerAutomations(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/automations", s.listAutomations(nil))
	s.handle(mux, "GET /api/v2/automations/active", s.listAutomations(ptrBool(true)))
	s.handle(mux, "GET /api/v2/automations/search", s.listAutomations(nil))
	s.handle(mux, "GET /api/v2/automations/definitions", s.ruleDefinitions(rules.KindAutomation))
	s.handle(mux, "POST /api/v2/automations", s.createAutomation)
	s.handle(mux, "GET /api/v2/automations/{id}", s.showAutomation)
	s.handle(mux, "PUT /api/v2/automations/{id}", s.updateAutomation)
	s.handle(mux, "DELETE /api/v2/automations/{id}", deleteByID(s.Rules.DeleteAutomation))
}

func automationURL(r *http.Request, a *rules.Automation) {
	a.URL = baseURL(r) + "/api/v2/automations/" + itoa(a.ID) + ".json"
}

func (s *Server) listAutomations(active *bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if active == nil {
			a, err := boolParam(r, "active")
			if err != nil {
				return err
			}
			active = a
		}
		list, err := s.Rules.ListAutomations(r.Context(), active, r.URL.Query().Get("query"))
		if err != nil {
			return err
		}
		for _, a := range list {
			automationURL(r, a)
		}
		if list == nil {
			list = []*rules.Automation{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"automations": list, "next_page": nil, "previous_page": nil, "count": len(list)})
	}
}

func (s *Server) showAutomation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Rules.GetAutomation(r.Context(), id)
	if err != nil {
		return err
	}
	automationURL(r, a)
	return writeJSON(w, http.StatusOK, map[string]any{"automation": a})
}

func decodeAutomation(r *http.Request) (rules.AutomationInput, error) {
	var env struct {
		Automation *rules.AutomationInput `json:"automation"`
	}
	if err := decode(r, &env); err != nil {
		return rules.AutomationInput{}, err
	}
	if env.Automation == nil {
		return rules.AutomationInput{}, desk.Invalid("automation", "is required")
	}
	return *env.Automation, nil
}

func (s *Server) createAutomation(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeAutomation(r)
	if err != nil {
		return err
	}
	a, err := s.Rules.CreateAutomation(r.Context(), in)
	if err != nil {
		return err
	}
	automationURL(r, a)
	return created(w, a.URL, map[string]any{"automation": a})
}

func (s *Server) updateAutomation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeAutomation(r)
	if err != nil {
		return err
	}
	a, err := s.Rules.UpdateAutomation(r.Context(), id, in)
	if err != nil {
		return err
	}
	automationURL(r, a)
	return writeJSON(w, http.StatusOK, map[string]any{"automation": a})
}

// Trigger categories: {"trigger_categories": […]}, {"trigger_category": {…}}.
func (s *Server) registerTriggerCategories(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/trigger_categories", s.listTriggerCategories)
	s.handle(mux, "POST /api/v2/trigger_categories", s.createTriggerCategory)
	s.handle(mux, "GET /api/v2/trigger_categories/{id}", s.showTriggerCategory)
	s.handle(mux, "PATCH /api/v2/trigger_categories/{id}", s.updateTriggerCategory)
	s.handle(mux, "DELETE /api/v2/trigger_categories/{id}", deleteByID(s.Rules.DeleteCategory))
}

func (s *Server) listTriggerCategories(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Rules.ListCategories(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"trigger_categories": list,
		"meta": map[string]any{"has_more": false, "after_cursor": nil, "before_cursor": nil}, "links": map[string]any{"next": nil, "prev": nil}})
}

func (s *Server) showTriggerCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Rules.GetCategory(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"trigger_category": c})
}

func decodeCategory(r *http.Request) (rules.CategoryInput, error) {
	var env struct {
		Category *rules.CategoryInput `json:"trigger_category"`
	}
	if err := decode(r, &env); err != nil {
		return rules.CategoryInput{}, err
	}
	if env.Category == nil {
		return rules.CategoryInput{}, desk.Invalid("trigger_category", "is required")
	}
	return *env.Category, nil
}

func (s *Server) createTriggerCategory(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeCategory(r)
	if err != nil {
		return err
	}
	c, err := s.Rules.CreateCategory(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/trigger_categories/"+c.ID, map[string]any{"trigger_category": c})
}

func (s *Server) updateTriggerCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeCategory(r)
	if err != nil {
		return err
	}
	c, err := s.Rules.UpdateCategory(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"trigger_category": c})
}
