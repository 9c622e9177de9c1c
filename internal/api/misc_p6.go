package api

// p6b-misc: locales, tags/autocomplete, brands, a user's sessions, and
// the ratelimit-* headers.

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/settings"
)

func (s *Server) registerMiscP6(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/locales", s.listLocales)
	s.handle(mux, "GET /api/v2/locales/current", s.currentLocale)
	// Every catalogue is complete for the agent workspace and the portal
	// alike, so the agent and public lists are the account's list.
	s.handle(mux, "GET /api/v2/locales/agent", s.listLocales)
	s.handle(mux, "GET /api/v2/locales/public", s.listLocales)
	s.handle(mux, "GET /api/v2/locales/{id}", s.showLocale)
	s.handle(mux, "GET /api/v2/tags/autocomplete", s.autocompleteTags)
	s.handle(mux, "GET /api/v2/brands", s.listBrands)
	s.handle(mux, "GET /api/v2/brands/{id}", s.showBrand)
	s.handle(mux, "GET /api/v2/users/{id}/sessions", s.listUserSessions)
	s.handle(mux, "DELETE /api/v2/users/{id}/sessions", s.deleteUserSessions)
}

// localeJSON is a UI language in Zendesk's locale shape. Its id is the
// catalogue's position in locale.Default().Locales() (the default first).
func localeJSON(r *http.Request, id int, tag string) map[string]any {
	name := locale.Default().Printer(tag, nil).Name()
	return map[string]any{
		"url":               baseURL(r) + "/api/v2/locales/" + strconv.Itoa(id) + ".json",
		"id":                id,
		"locale":            tag,
		"name":              name,
		"native_name":       name,
		"presentation_name": name + " (" + tag + ")",
		"rtl":               false,
		"default":           tag == locale.DefaultLocale,
		"created_at":        nil,
		"updated_at":        nil,
	}
}

func (s *Server) listLocales(w http.ResponseWriter, r *http.Request) error {
	out := []map[string]any{}
	for i, tag := range locale.Default().Locales() {
		out = append(out, localeJSON(r, i+1, tag))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"locales": out, "next_page": nil, "previous_page": nil, "count": len(out)})
}

// showLocale accepts an id or a locale tag ("pl"), as Zendesk does.
func (s *Server) showLocale(w http.ResponseWriter, r *http.Request) error {
	v := r.PathValue("id")
	for i, tag := range locale.Default().Locales() {
		if v == strconv.Itoa(i+1) || v == tag {
			return writeJSON(w, http.StatusOK, map[string]any{"locale": localeJSON(r, i+1, tag)})
		}
	}
	return desk.NotFound()
}

// currentLocale is the caller's language: their own locale matched to a
// catalogue, else the help desk's default language.
func (s *Server) currentLocale(w http.ResponseWriter, r *http.Request) error {
	tag, err := s.callerLocale(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"locale": localeJSON(r, locale.Default().ID(tag), tag)})
}

// callerLocale is the catalogue language of the caller: their own locale,
// else the help desk's default language.
func (s *Server) callerLocale(r *http.Request) (string, error) {
	p, err := desk.RequirePrincipal(r.Context())
	if err != nil {
		return "", err
	}
	want := []string{}
	if p.UserID != 0 {
		u, err := s.People.GetUser(r.Context(), p.UserID)
		if err != nil {
			return "", err
		}
		if u.Locale != "" {
			want = append(want, u.Locale)
		}
	}
	def, err := settings.DefaultLocale.Get(r.Context(), s.settings())
	if err != nil {
		return "", err
	}
	return locale.Default().Match(append(want, def)...), nil
}

// callerPrinter prints in the caller's language (callerLocale).
func (s *Server) callerPrinter(r *http.Request) (*locale.Printer, error) {
	tag, err := s.callerLocale(r)
	if err != nil {
		return nil, err
	}
	return locale.Default().Printer(tag, nil), nil
}

// settings is the people service's settings (uncached when unset, as in tests).
func (s *Server) settings() *settings.Service {
	return settings.Or(s.People.Settings, s.DB, nil)
}

// autocompleteTags answers Zendesk's {"tags": [names]} for ?name= (at
// least two characters), from tickets the caller may see.
func (s *Server) autocompleteTags(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.Tickets.TagsWithPrefix(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tags": tags})
}

// brandJSON is Frontdesk's one brand: the help desk's name and public URL.
func (s *Server) brandJSON(r *http.Request) (map[string]any, error) {
	name, err := settings.HelpdeskName.Get(r.Context(), s.settings())
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = "Frontdesk"
	}
	site := s.PublicURL
	if site == "" {
		site = baseURL(r)
	}
	return map[string]any{
		"url":                baseURL(r) + "/api/v2/brands/" + strconv.FormatInt(desk.DefaultBrandID, 10) + ".json",
		"id":                 desk.DefaultBrandID,
		"name":               name,
		"brand_url":          site,
		"subdomain":          nil,
		"host_mapping":       nil,
		"has_help_center":    true,
		"help_center_state":  "enabled",
		"active":             true,
		"default":            true,
		"is_deleted":         false,
		"logo":               nil,
		"ticket_form_ids":    []int64{},
		"signature_template": "{{agent.signature}}",
		"created_at":         nil,
		"updated_at":         nil,
	}, nil
}

func (s *Server) listBrands(w http.ResponseWriter, r *http.Request) error {
	b, err := s.brandJSON(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"brands": []any{b}, "next_page": nil, "previous_page": nil, "count": 1})
}

func (s *Server) showBrand(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if id != desk.DefaultBrandID {
		return desk.NotFound()
	}
	b, err := s.brandJSON(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"brand": b})
}

// listUserSessions is Zendesk's GET /users/{id}/sessions: the user's live
// web sessions (the account service allows the user and admins).
func (s *Server) listUserSessions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.Account.Sessions(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(list))
	for _, ss := range list {
		out = append(out, sessionJSON(r, ss))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"sessions": out, "next_page": nil, "previous_page": nil, "count": len(out)})
}

// deleteUserSessions ends every web session of the user (204).
func (s *Server) deleteUserSessions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Account.RevokeAll(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
