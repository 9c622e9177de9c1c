package api

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Changing one's own password, as Zendesk's PUT /api/v2/users/{id}/password
// ("Change your own password"): the body is {"previous_password": "…",
// "password": "…"}; the id must be the caller's own. The rule — current
// password required, the policy of the caller's role, the history, every
// web session of the user ended — is account.ChangePassword, the same call
// the web UI makes. (Zendesk's POST variant, an admin setting someone
// else's password, is PUT /users/{id} with "password" here.)

func (s *Server) registerPassword(mux *http.ServeMux) {
	s.handle(mux, "PUT /api/v2/users/{id}/password", s.changeOwnPassword)
}

type passwordChange struct {
	PreviousPassword *string `json:"previous_password"`
	Password         *string `json:"password"`
}

func (s *Server) changeOwnPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in passwordChange
	if err := decode(r, &in); err != nil {
		return err
	}
	var v desk.Validation
	if in.PreviousPassword == nil {
		v.Add("previous_password", "is required")
	}
	if in.Password == nil || *in.Password == "" {
		v.Add("password", "can't be blank")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if s.Account == nil {
		return desk.Errorf(desk.EINTERNAL, "password changes are not available")
	}
	if err := s.Account.ChangePasswordOf(r.Context(), id, *in.PreviousPassword, *in.Password); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}
