package api

// p6-users: identities management, user tags, related, autocomplete,
// search syntax, deleted users, merge and a user's single sessions.

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

func (s *Server) registerUsersP6(mux *http.ServeMux) {
	s.handle(mux, "PUT /api/v2/users/{id}/identities/{identity_id}", s.updateIdentity)
	s.handle(mux, "DELETE /api/v2/users/{id}/identities/{identity_id}", s.deleteIdentity)
	s.handle(mux, "PUT /api/v2/users/{id}/identities/{identity_id}/make_primary", s.makePrimaryIdentity)
	s.handle(mux, "PUT /api/v2/users/{id}/identities/{identity_id}/verify", s.verifyIdentity)
	s.handle(mux, "PUT /api/v2/users/{id}/identities/{identity_id}/request_verification", s.requestVerification)
}

// identityPath reads the user and identity ids of an identity route.
func identityPath(r *http.Request) (userID, identityID int64, err error) {
	if userID, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	identityID, err = pathID(r, "identity_id")
	return userID, identityID, err
}

// updateIdentity is Zendesk's PUT /users/{id}/identities/{id}:
// {"identity": {"value": …, "verified": …}}.
func (s *Server) updateIdentity(w http.ResponseWriter, r *http.Request) error {
	userID, identID, err := identityPath(r)
	if err != nil {
		return err
	}
	var env struct {
		Identity *struct {
			Value    *string `json:"value"`
			Verified *bool   `json:"verified"`
		} `json:"identity"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Identity == nil {
		return desk.Invalid("identity", "is required")
	}
	ident, err := s.People.UpdateIdentity(r.Context(), userID, identID,
		people.IdentityChange{Value: env.Identity.Value, Verified: env.Identity.Verified})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"identity": identityOut(r, *ident)})
}

func (s *Server) deleteIdentity(w http.ResponseWriter, r *http.Request) error {
	userID, identID, err := identityPath(r)
	if err != nil {
		return err
	}
	if err := s.People.DeleteIdentity(r.Context(), userID, identID); err != nil {
		return err
	}
	return noContent(w)
}

// makePrimaryIdentity answers with all the user's identities, as Zendesk.
func (s *Server) makePrimaryIdentity(w http.ResponseWriter, r *http.Request) error {
	userID, identID, err := identityPath(r)
	if err != nil {
		return err
	}
	ids, err := s.People.MakePrimaryIdentity(r.Context(), userID, identID)
	if err != nil {
		return err
	}
	out := make([]identityJSON, len(ids))
	for i, ident := range ids {
		out[i] = identityOut(r, ident)
	}
	return writeJSON(w, http.StatusOK, fullListBody("identities", out, len(out)))
}

func (s *Server) verifyIdentity(w http.ResponseWriter, r *http.Request) error {
	userID, identID, err := identityPath(r)
	if err != nil {
		return err
	}
	ident, err := s.People.VerifyIdentity(r.Context(), userID, identID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"identity": identityOut(r, *ident)})
}

// requestVerification emails the identity's address a verification link
// (200 with an empty object: Zendesk documents no body).
func (s *Server) requestVerification(w http.ResponseWriter, r *http.Request) error {
	userID, identID, err := identityPath(r)
	if err != nil {
		return err
	}
	if err := s.Account.RequestVerification(r.Context(), userID, identID, baseURL(r)); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}
