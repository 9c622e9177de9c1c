package web

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
)

// Trigger categories (Zendesk's trigger categories): a list in order with
// a rename form, move up/down and delete on each row, and a form to add
// one. A category that still holds triggers cannot be deleted (the rules
// service refuses; the page says why). Package rules decides who may
// (manage_business_rules) and what is valid.

const categoriesPath = "/agent/admin/trigger-categories"

func (s *Server) registerTriggerCategories(h func(string, access, handlerFunc)) {
	h("GET "+categoriesPath, staff, s.adminCategories)
	h("POST "+categoriesPath, staff, s.adminCategoryCreate)
	h("POST "+categoriesPath+"/{id}", staff, s.adminCategoryRename)
	h("POST "+categoriesPath+"/{id}/move", staff, s.adminCategoryMove)
	h("POST "+categoriesPath+"/{id}/delete", staff, s.adminCategoryDelete)
}

// categoryItem is one row of the categories page.
type categoryItem struct {
	ID       string
	Name     string
	Triggers int
	// Invalid marks the row whose rename failed; Value is then what was
	// typed.
	Invalid bool
	Value   string
	// Refused marks the row whose delete was refused.
	Refused bool
}

type adminCategoriesData struct {
	Items []categoryItem
	// NewName is what the add form was sent with when it failed.
	NewName    string
	NewInvalid bool
}

func (s *Server) adminCategories(w http.ResponseWriter, r *http.Request) error {
	return s.showCategories(w, r, http.StatusOK, "", nil, func(*adminCategoriesData) {})
}

// showCategories renders the page; edit marks what failed.
func (s *Server) showCategories(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, edit func(*adminCategoriesData)) error {
	if s.d.Rules == nil {
		return desk.NotFound()
	}
	ctx := r.Context()
	cats, err := s.d.Rules.ListCategories(ctx)
	if err != nil {
		return err
	}
	triggers, err := s.d.Rules.ListTriggers(ctx, rules.TriggerFilter{})
	if err != nil {
		return err
	}
	held := map[string]int{}
	for _, t := range triggers {
		if t.CategoryID != nil {
			held[*t.CategoryID]++
		}
	}
	d := &adminCategoriesData{}
	for _, c := range cats {
		d.Items = append(d.Items, categoryItem{ID: c.ID, Name: c.Name, Value: c.Name, Triggers: held[c.ID]})
	}
	edit(d)
	pg := s.adminPage(r, "rules.categories", "triggers")
	pg.Error, pg.FieldErrors = msg, fe
	pg.Data = d
	return s.render(w, status, "admin_trigger_categories", pg)
}

func (s *Server) adminCategoryCreate(w http.ResponseWriter, r *http.Request) error {
	if s.d.Rules == nil {
		return desk.NotFound()
	}
	name := r.PostFormValue("name")
	if _, err := s.d.Rules.CreateCategory(r.Context(), rules.CategoryInput{Name: &name}); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showCategories(w, r, st, msg, fe, func(d *adminCategoriesData) { d.NewName, d.NewInvalid = name, true })
		})
	}
	return redirect(w, r, withMsg(categoriesPath, "updated"))
}

func (s *Server) adminCategoryRename(w http.ResponseWriter, r *http.Request) error {
	if s.d.Rules == nil {
		return desk.NotFound()
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name := r.PostFormValue("name")
	if _, err := s.d.Rules.UpdateCategory(r.Context(), id, rules.CategoryInput{Name: &name}); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showCategories(w, r, st, msg, fe, func(d *adminCategoriesData) {
				for i := range d.Items {
					if d.Items[i].ID == strconv.FormatInt(id, 10) {
						d.Items[i].Invalid, d.Items[i].Value = true, name
					}
				}
			})
		})
	}
	return redirect(w, r, withMsg(categoriesPath, "updated"))
}

func (s *Server) adminCategoryMove(w http.ResponseWriter, r *http.Request) error {
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
	if err := s.d.Rules.MoveCategory(r.Context(), id, delta); err != nil {
		return err
	}
	return redirect(w, r, withMsg(categoriesPath, "updated"))
}

func (s *Server) adminCategoryDelete(w http.ResponseWriter, r *http.Request) error {
	if s.d.Rules == nil {
		return desk.NotFound()
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// The name for the message; also the permission and existence check.
	c, err := s.d.Rules.GetCategory(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.d.Rules.DeleteCategory(r.Context(), id); err != nil {
		if desk.ErrorCode(err) != desk.EINVALID {
			return err
		}
		msg := rcFrom(r).T("rules.category_not_empty", "name", c.Name)
		return s.showCategories(w, r, http.StatusUnprocessableEntity, msg, nil, func(d *adminCategoriesData) {
			for i := range d.Items {
				d.Items[i].Refused = d.Items[i].ID == c.ID
			}
		})
	}
	return redirect(w, r, withMsg(categoriesPath, "deleted"))
}
