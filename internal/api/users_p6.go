package api

// p6-users: identities management, user tags, related, autocomplete,
// search syntax, deleted users, merge and a user's single sessions.

import (
	"net/http"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func (s *Server) registerUsersP6(mux *http.ServeMux) {
	s.handle(mux, "PUT /api/v2/users/{id}/identities/{identity_id}", s.updateIdentity)
	s.handle(mux, "DELETE /api/v2/users/{id}/identities/{identity_id}", s.deleteIdentity)
	s.handle(mux, "PUT /api/v2/users/{id}/identities/{identity_id}/make_primary", s.makePrimaryIdentity)
	s.handle(mux, "PUT /api/v2/users/{id}/identities/{identity_id}/verify", s.verifyIdentity)
	s.handle(mux, "PUT /api/v2/users/{id}/identities/{identity_id}/request_verification", s.requestVerification)

	s.handle(mux, "GET /api/v2/users/autocomplete", s.autocompleteUsers)
	s.handle(mux, "GET /api/v2/users/{id}/related", s.relatedUser)
	s.handle(mux, "PUT /api/v2/users/{id}/merge", s.mergeUser)
	s.handle(mux, "GET /api/v2/users/{id}/tags", s.userTags)
	s.handle(mux, "POST /api/v2/users/{id}/tags", s.changeUserTags(tagsSet))
	s.handle(mux, "PUT /api/v2/users/{id}/tags", s.changeUserTags(tagsAdd))
	s.handle(mux, "DELETE /api/v2/users/{id}/tags", s.changeUserTags(tagsRemove))

	s.handle(mux, "GET /api/v2/deleted_users", s.listDeletedUsers)
	s.handle(mux, "GET /api/v2/deleted_users/count", s.countDeletedUsers)
	s.handle(mux, "GET /api/v2/deleted_users/{id}", s.showDeletedUser)
	s.handle(mux, "DELETE /api/v2/deleted_users/{id}", s.purgeUser)

	s.handle(mux, "GET /api/v2/users/me/sessions", s.listMySessions)
	s.handle(mux, "GET /api/v2/users/{id}/sessions/{session_id}", s.showUserSession)
	s.handle(mux, "DELETE /api/v2/users/{id}/sessions/{session_id}", s.deleteUserSession)
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

// --- autocomplete, related, tags ----------------------------------------

func (s *Server) autocompleteUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.People.AutocompleteUsers(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		return err
	}
	withUserURLs(r, us...)
	return writeJSON(w, http.StatusOK, fullListBody("users", us, len(us)))
}

// relatedUser is Zendesk's GET /users/{id}/related: counts of the tickets
// the user requested, is assigned or is CC'd on, among those the caller
// may see. Frontdesk has no organization subscriptions (always 0).
func (s *Server) relatedUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.People.GetUser(ctx, id); err != nil {
		return err
	}
	out := map[string]any{"organization_subscriptions": 0}
	for key, f := range map[string]ticket.ListFilter{
		"requested_tickets": {RequesterID: id},
		"assigned_tickets":  {AssigneeID: id},
		"ccd_tickets":       {CollaboratorID: id},
	} {
		n, err := s.Tickets.Count(ctx, f)
		if err != nil {
			return err
		}
		out[key] = n
	}
	return writeJSON(w, http.StatusOK, map[string]any{"user_related": out})
}

func (s *Server) userTags(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.People.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tags": u.Tags})
}

// tagsOp is what a tags verb does: Zendesk's POST sets, PUT adds, DELETE
// removes.
type tagsOp int

const (
	tagsSet tagsOp = iota
	tagsAdd
	tagsRemove
)

func (s *Server) changeUserTags(op tagsOp) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var body struct {
			Tags []string `json:"tags"`
		}
		if err := decode(r, &body); err != nil {
			return err
		}
		if body.Tags == nil {
			return desk.Invalid("tags", "is required")
		}
		var in people.UserInput
		switch op {
		case tagsSet:
			in.Tags = &body.Tags
		case tagsAdd:
			in.AdditionalTags = body.Tags
		default:
			in.RemoveTags = body.Tags
		}
		u, err := s.People.UpdateUser(r.Context(), id, in)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"tags": u.Tags})
	}
}

// --- sessions -----------------------------------------------------------

// sessionJSON is a web session in Zendesk's shape.
func sessionJSON(r *http.Request, ss account.Session) map[string]any {
	return map[string]any{
		"id":               ss.ID,
		"user_id":          ss.UserID,
		"authenticated_at": desk.Time{Time: ss.CreatedAt.UTC()},
		"last_seen_at":     desk.Time{Time: ss.LastSeenAt.UTC()},
		"url":              baseURL(r) + "/api/v2/users/" + strconv.FormatInt(ss.UserID, 10) + "/sessions/" + strconv.FormatInt(ss.ID, 10) + ".json",
	}
}

// listMySessions lists the caller's own live web sessions.
func (s *Server) listMySessions(w http.ResponseWriter, r *http.Request) error {
	p, err := desk.RequirePrincipal(r.Context())
	if err != nil {
		return err
	}
	if p.UserID == 0 {
		return desk.NotFound()
	}
	r.SetPathValue("id", strconv.FormatInt(p.UserID, 10))
	return s.listUserSessions(w, r)
}

// sessionPath reads the user and session ids of a session route.
func sessionPath(r *http.Request) (userID, sessionID int64, err error) {
	if userID, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	sessionID, err = pathID(r, "session_id")
	return userID, sessionID, err
}

func (s *Server) showUserSession(w http.ResponseWriter, r *http.Request) error {
	userID, id, err := sessionPath(r)
	if err != nil {
		return err
	}
	ss, err := s.Account.UserSession(r.Context(), userID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"session": sessionJSON(r, *ss)})
}

func (s *Server) deleteUserSession(w http.ResponseWriter, r *http.Request) error {
	userID, id, err := sessionPath(r)
	if err != nil {
		return err
	}
	if err := s.Account.RevokeUserSession(r.Context(), userID, id); err != nil {
		return err
	}
	return noContent(w)
}

// --- deleted users ------------------------------------------------------

// deletedUserJSON is a deleted user in Zendesk's shape; a permanently
// deleted one has null personal fields.
func deletedUserJSON(r *http.Request, u *desk.User) map[string]any {
	var email, phone any
	if !u.Purged {
		email, phone = u.Email, u.Phone
	}
	return map[string]any{
		"id":                  u.ID,
		"url":                 baseURL(r) + "/api/v2/deleted_users/" + itoa(u.ID) + ".json",
		"name":                u.Name,
		"email":               email,
		"phone":               phone,
		"shared_phone_number": nil,
		"photo":               nil,
		"role":                u.Role,
		"organization_id":     u.OrganizationID,
		"locale":              u.Locale,
		"locale_id":           locale.Default().ID(u.Locale),
		"time_zone":           u.TimeZone,
		"active":              false,
		"created_at":          u.CreatedAt,
		"updated_at":          u.UpdatedAt,
	}
}

func deletedUsersJSON(r *http.Request, us []*desk.User) []map[string]any {
	out := make([]map[string]any, len(us))
	for i, u := range us {
		out[i] = deletedUserJSON(r, u)
	}
	return out
}

// listDeletedUsers is Zendesk's GET /deleted_users: deleted users,
// permanently deleted ones included, offset or cursor paged.
func (s *Server) listDeletedUsers(w http.ResponseWriter, r *http.Request) error {
	return s.renderUsers(w, r, people.UserFilter{Deleted: true}, "deleted_users",
		func(us []*desk.User) any { return deletedUsersJSON(r, us) })
}

func (s *Server) countDeletedUsers(w http.ResponseWriter, r *http.Request) error {
	n, err := s.People.CountUsers(r.Context(), people.UserFilter{Deleted: true})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"count": map[string]any{"value": n, "refreshed_at": desk.Time{Time: time.Now()}}})
}

func (s *Server) showDeletedUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.People.GetDeletedUser(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deleted_user": deletedUserJSON(r, u)})
}

// purgeUser is Zendesk's permanent deletion (200 with the erased user).
func (s *Server) purgeUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.People.PurgeUser(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deleted_user": deletedUserJSON(r, u)})
}

// mergeUser is Zendesk's PUT /users/{id}/merge ("Merge End Users"): body
// {"user": {"id": TARGET}}; end-user {id} is merged into TARGET, and the
// answer is the target user.
func (s *Server) mergeUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var env struct {
		User *struct {
			ID *int64 `json:"id"`
		} `json:"user"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.User == nil || env.User.ID == nil || *env.User.ID <= 0 {
		return desk.Invalid("user", "id of the user to merge into is required")
	}
	u, err := s.People.MergeUser(r.Context(), id, *env.User.ID)
	if err != nil {
		return err
	}
	withUserURLs(r, u)
	return writeJSON(w, http.StatusOK, map[string]any{"user": u})
}
