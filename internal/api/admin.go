package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// registerAdmin mounts the account-administration endpoints: custom roles
// (Zendesk's /custom_roles), the account owner, the inactive-users report
// and bulk user updates. The people service decides who may use them.
func (s *Server) registerAdmin(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/custom_roles", s.listCustomRoles)
	s.handle(mux, "POST /api/v2/custom_roles", s.createCustomRole)
	s.handle(mux, "GET /api/v2/custom_roles/{id}", s.showCustomRole)
	s.handle(mux, "PUT /api/v2/custom_roles/{id}", s.updateCustomRole)
	s.handle(mux, "DELETE /api/v2/custom_roles/{id}", deleteByID(s.People.DeleteCustomRole))

	s.handle(mux, "GET /api/v2/account/owner", s.showOwner)
	s.handle(mux, "POST /api/v2/account/owner", s.transferOwner)

	s.handle(mux, "GET /api/v2/users/inactive", s.listInactiveUsers)
	s.handle(mux, "PUT /api/v2/users/update_many", s.updateManyUsers)
}

// --- custom roles -------------------------------------------------------

func withRoleURLs(r *http.Request, rs ...*desk.CustomRole) {
	base := baseURL(r)
	for _, role := range rs {
		role.URL = base + "/api/v2/custom_roles/" + itoa(role.ID) + ".json"
	}
}

// apiRole is a custom role as the API returns it: the configuration with
// Zendesk's keys and ticket_access values beside Frontdesk's.
type apiRole struct {
	*desk.CustomRole
	Configuration map[string]any `json:"configuration"`
}

func rolesOut(rs ...*desk.CustomRole) []apiRole {
	out := make([]apiRole, len(rs))
	for i, r := range rs {
		out[i] = apiRole{CustomRole: r, Configuration: people.ZendeskConfiguration(r.Configuration)}
	}
	return out
}

// decodeRole reads {"custom_role": {name, description, configuration}};
// "permissions" is accepted as another name for "configuration".
func decodeRole(r *http.Request) (people.CustomRoleInput, error) {
	var env struct {
		Role *struct {
			Name          *string                    `json:"name"`
			Description   desk.NullString            `json:"description"`
			Configuration map[string]json.RawMessage `json:"configuration"`
			Permissions   map[string]json.RawMessage `json:"permissions"`
		} `json:"custom_role"`
	}
	if err := decode(r, &env); err != nil {
		return people.CustomRoleInput{}, err
	}
	if env.Role == nil {
		return people.CustomRoleInput{}, desk.Invalid("custom_role", "is required")
	}
	conf := env.Role.Configuration
	if conf == nil {
		conf = env.Role.Permissions
	}
	return people.CustomRoleInput{Name: env.Role.Name, Description: optString(env.Role.Description), Configuration: conf}, nil
}

func (s *Server) listCustomRoles(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.People.ListCustomRoles(r.Context())
	if err != nil {
		return err
	}
	withRoleURLs(r, rs...)
	return writeJSON(w, http.StatusOK, fullListBody("custom_roles", rolesOut(rs...), len(rs)))
}

func (s *Server) showCustomRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	role, err := s.People.GetCustomRole(r.Context(), id)
	if err != nil {
		return err
	}
	withRoleURLs(r, role)
	return writeJSON(w, http.StatusOK, map[string]any{"custom_role": rolesOut(role)[0]})
}

func (s *Server) createCustomRole(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRole(r)
	if err != nil {
		return err
	}
	role, err := s.People.CreateCustomRole(r.Context(), in)
	if err != nil {
		return err
	}
	withRoleURLs(r, role)
	return created(w, role.URL, map[string]any{"custom_role": rolesOut(role)[0]})
}

func (s *Server) updateCustomRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeRole(r)
	if err != nil {
		return err
	}
	role, err := s.People.UpdateCustomRole(r.Context(), id, in)
	if err != nil {
		return err
	}
	withRoleURLs(r, role)
	return writeJSON(w, http.StatusOK, map[string]any{"custom_role": rolesOut(role)[0]})
}

// --- account owner ------------------------------------------------------

// showOwner answers {"owner": user}.
func (s *Server) showOwner(w http.ResponseWriter, r *http.Request) error {
	u, err := s.People.Owner(r.Context())
	if err != nil {
		return err
	}
	withUserURLs(r, u)
	return writeJSON(w, http.StatusOK, map[string]any{"owner": u})
}

// transferOwner takes {"user_id": N} and answers 200 with the new owner.
func (s *Server) transferOwner(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		UserID desk.NullID `json:"user_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.UserID.ID == 0 {
		return desk.Invalid("user_id", "is required")
	}
	u, err := s.People.TransferOwnership(r.Context(), in.UserID.ID)
	if err != nil {
		return err
	}
	withUserURLs(r, u)
	return writeJSON(w, http.StatusOK, map[string]any{"owner": u})
}

// --- admin overview -----------------------------------------------------

// listInactiveUsers answers GET /users/inactive?days=N (default 90) as an
// offset-paged users list.
func (s *Server) listInactiveUsers(w http.ResponseWriter, r *http.Request) error {
	days := 90
	if v := strings.TrimSpace(r.URL.Query().Get("days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errBadRequest("days must be a whole number")
		}
		days = n
	}
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	if p.cursor {
		return errBadRequest("users/inactive uses offset pagination (page, per_page)")
	}
	us, n, err := s.People.InactiveUsers(r.Context(), days, p.perPage, p.offset())
	if err != nil {
		return err
	}
	withUserURLs(r, us...)
	body, err := listEnvelope(r, p, "users", us, 0, 0, false, func() (int, error) { return n, nil })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}
