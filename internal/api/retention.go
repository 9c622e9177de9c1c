package api

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/retention"
)

// registerRetention mounts Frontdesk's data retention API (Zendesk has no
// such resource): policy CRUD, a preview of what a run would delete now,
// and a run (a dry run unless {"dry_run": false}). The retention service
// decides who may (manage_security).
func (s *Server) registerRetention(mux *http.ServeMux) {
	h := func(f handlerFunc) handlerFunc { return s.needs(s.Retention != nil, f) }
	s.handle(mux, "GET /api/v2/retention_policies", h(s.listRetentionPolicies))
	s.handle(mux, "POST /api/v2/retention_policies", h(s.createRetentionPolicy))
	s.handle(mux, "GET /api/v2/retention_policies/preview", h(s.previewRetention))
	s.handle(mux, "POST /api/v2/retention_policies/run", h(s.runRetention))
	s.handle(mux, "GET /api/v2/retention_policies/{id}", h(s.showRetentionPolicy))
	s.handle(mux, "PUT /api/v2/retention_policies/{id}", h(s.updateRetentionPolicy))
	s.handle(mux, "DELETE /api/v2/retention_policies/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.Retention.Delete)(w, r)
	}))
}

func (s *Server) listRetentionPolicies(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.Retention.List(r.Context())
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []*retention.Policy{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"retention_policies": ps, "count": len(ps), "next_page": nil, "previous_page": nil})
}

func decodeRetentionPolicy(r *http.Request) (retention.Input, error) {
	var env struct {
		Policy *retention.Input `json:"retention_policy"`
	}
	if err := decode(r, &env); err != nil {
		return retention.Input{}, err
	}
	if env.Policy == nil {
		return retention.Input{}, desk.Invalid("retention_policy", "is required")
	}
	return *env.Policy, nil
}

func (s *Server) createRetentionPolicy(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRetentionPolicy(r)
	if err != nil {
		return err
	}
	p, err := s.Retention.Create(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/retention_policies/"+itoa(p.ID), map[string]any{"retention_policy": p})
}

func (s *Server) showRetentionPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Retention.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"retention_policy": p})
}

func (s *Server) updateRetentionPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeRetentionPolicy(r)
	if err != nil {
		return err
	}
	p, err := s.Retention.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"retention_policy": p})
}

func (s *Server) previewRetention(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.Retention.Preview(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"retention_preview": rep})
}

// runRetention runs every active policy now; without {"dry_run": false}
// it is a dry run (counted and audited, nothing deleted).
func (s *Server) runRetention(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		DryRun *bool `json:"dry_run"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &body); err != nil {
			return err
		}
	}
	dry := body.DryRun == nil || *body.DryRun
	rep, err := s.Retention.Run(r.Context(), dry)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"retention_run": rep})
}
