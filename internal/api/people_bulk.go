package api

import (
	"net/http"
	"strings"

	"github.com/frontdesk/frontdesk/internal/people"
)

// registerPeopleBulk mounts job status lists and the users' bulk family
// (create_many, create_or_update_many, update_many, destroy_many), each a
// durable job answered with a pollable job status.
func (s *Server) registerPeopleBulk(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/job_statuses", s.listJobStatuses)
	s.handle(mux, "GET /api/v2/job_statuses/show_many", s.showManyJobStatuses)
	s.handle(mux, "POST /api/v2/users/create_many", s.createManyUsers)
	s.handle(mux, "POST /api/v2/users/create_or_update_many", s.createOrUpdateManyUsers)
	s.handle(mux, "DELETE /api/v2/users/destroy_many", s.destroyManyUsers)
}

func (s *Server) listJobStatuses(w http.ResponseWriter, r *http.Request) error {
	sts, err := s.Bulk.List(r.Context())
	if err != nil {
		return err
	}
	for _, st := range sts {
		st.URL = baseURL(r) + "/api/v2/job_statuses/" + st.ID + ".json"
	}
	return writeJSON(w, http.StatusOK, map[string]any{"job_statuses": sts, "next_page": nil, "previous_page": nil, "count": len(sts)})
}

func (s *Server) showManyJobStatuses(w http.ResponseWriter, r *http.Request) error {
	raw := strings.TrimSpace(r.URL.Query().Get("ids"))
	if raw == "" {
		return errBadRequest("ids is required")
	}
	ids := strings.Split(raw, ",")
	for i := range ids {
		ids[i] = strings.TrimSpace(ids[i])
	}
	sts, err := s.Bulk.ShowMany(r.Context(), ids)
	if err != nil {
		return err
	}
	for _, st := range sts {
		st.URL = baseURL(r) + "/api/v2/job_statuses/" + st.ID + ".json"
	}
	return writeJSON(w, http.StatusOK, map[string]any{"job_statuses": sts})
}

func decodeUsers(r *http.Request) ([]people.UserInput, error) {
	var env struct {
		Users []*userJSON `json:"users"`
	}
	if err := decode(r, &env); err != nil {
		return nil, err
	}
	out := make([]people.UserInput, 0, len(env.Users))
	for _, u := range env.Users {
		if u == nil {
			return nil, errBadRequest("users must be objects")
		}
		out = append(out, u.input())
	}
	return out, nil
}

func (s *Server) createManyUsers(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeUsers(r)
	if err != nil {
		return err
	}
	st, err := s.Bulk.CreateUsers(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

func (s *Server) createOrUpdateManyUsers(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeUsers(r)
	if err != nil {
		return err
	}
	st, err := s.Bulk.CreateOrUpdateUsers(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

// updateManyUsers answers PUT /users/update_many?ids=1,2 (or
// ?external_ids=a,b) with {"user": {…}} as a queued job.
func (s *Server) updateManyUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var ids []int64
	var exts []string
	if v := strings.TrimSpace(q.Get("external_ids")); v != "" && q.Get("ids") == "" {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				exts = append(exts, e)
			}
		}
		if len(exts) > 100 {
			return &badRequest{name: "TooManyValues", msg: "at most 100 external_ids"}
		}
	} else {
		var err error
		if ids, err = idList(q.Get("ids")); err != nil {
			return err
		}
	}
	in, err := decodeUser(r)
	if err != nil {
		return err
	}
	st, err := s.Bulk.UpdateUsers(r.Context(), ids, exts, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

func (s *Server) destroyManyUsers(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	st, err := s.Bulk.DestroyUsers(r.Context(), ids)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}
