package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/desk"
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
	s.registerOrgsBulk(mux)
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
// ?external_ids=a,b) with {"user": {…}}, or {"users": [{"id": …, …}]},
// as a queued job.
func (s *Server) updateManyUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("ids") == "" && q.Get("external_ids") == "" {
		var env struct {
			Users []*struct {
				ID int64 `json:"id"`
				userJSON
			} `json:"users"`
		}
		if err := decode(r, &env); err != nil {
			return err
		}
		if env.Users == nil {
			return errBadRequest("ids, external_ids or a users list is required")
		}
		each := make([]bulk.UserIDInput, 0, len(env.Users))
		for _, u := range env.Users {
			if u == nil || u.ID <= 0 {
				return errBadRequest("each user needs its id")
			}
			each = append(each, bulk.UserIDInput{ID: u.ID, Input: u.userJSON.input()})
		}
		st, err := s.Bulk.UpdateEachUser(r.Context(), each)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
	}
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

// --- organizations -------------------------------------------------------

func (s *Server) registerOrgsBulk(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/organizations/count", s.countOrganizations)
	s.handle(mux, "GET /api/v2/organizations/autocomplete", s.autocompleteOrganizations)
	s.handle(mux, "POST /api/v2/organizations/create_or_update", s.createOrUpdateOrganization)
	s.handle(mux, "POST /api/v2/organizations/create_many", s.createManyOrganizations)
	s.handle(mux, "PUT /api/v2/organizations/update_many", s.updateManyOrganizations)
	s.handle(mux, "DELETE /api/v2/organizations/destroy_many", s.destroyManyOrganizations)
}

func (s *Server) countOrganizations(w http.ResponseWriter, r *http.Request) error {
	n, err := s.People.CountOrganizations(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"count": map[string]any{"value": n, "refreshed_at": desk.Time{Time: time.Now()}}})
}

func (s *Server) autocompleteOrganizations(w http.ResponseWriter, r *http.Request) error {
	os, err := s.People.AutocompleteOrganizations(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		return err
	}
	withOrgURLs(r, os...)
	return writeJSON(w, http.StatusOK, fullListBody("organizations", os, len(os)))
}

// orgItemJSON is an organization in a list, with its own id.
type orgItemJSON struct {
	ID int64 `json:"id"`
	orgJSON
}

func orgInput(o *orgJSON) people.OrganizationInput {
	return people.OrganizationInput{
		Name: o.Name, DomainNames: o.DomainNames, Details: optString(o.Details), Notes: optString(o.Notes),
		GroupID: optID(o.GroupID), SharedTickets: o.SharedTickets, SharedComments: o.SharedComments,
		ExternalID: optString(o.ExternalID), Tags: o.Tags, Fields: o.Fields,
	}
}

func (s *Server) createOrUpdateOrganization(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Organization *orgItemJSON `json:"organization"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Organization == nil {
		return desk.Invalid("organization", "is required")
	}
	o, isNew, err := s.People.CreateOrUpdateOrganization(r.Context(), env.Organization.ID, orgInput(&env.Organization.orgJSON))
	if err != nil {
		return err
	}
	withOrgURLs(r, o)
	if isNew {
		return created(w, o.URL, map[string]any{"organization": o})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"organization": o})
}

func (s *Server) createManyOrganizations(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Organizations []*orgJSON `json:"organizations"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	in := make([]people.OrganizationInput, 0, len(env.Organizations))
	for _, o := range env.Organizations {
		if o == nil {
			return errBadRequest("organizations must be objects")
		}
		in = append(in, orgInput(o))
	}
	st, err := s.Bulk.CreateOrganizations(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

// updateManyOrganizations accepts both Zendesk forms: ?ids= with one
// "organization" change, or an "organizations" list whose entries carry
// their own id.
func (s *Server) updateManyOrganizations(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Organization  *orgJSON       `json:"organization"`
		Organizations []*orgItemJSON `json:"organizations"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	var st *bulk.Status
	var err error
	if env.Organizations == nil {
		if env.Organization == nil {
			return desk.Invalid("organization", "is required")
		}
		ids, err := idList(r.URL.Query().Get("ids"))
		if err != nil {
			return err
		}
		in := orgInput(env.Organization)
		st, err = s.Bulk.UpdateOrganizations(r.Context(), ids, &in, nil)
		if err != nil {
			return err
		}
	} else {
		each := make([]bulk.OrgIDInput, 0, len(env.Organizations))
		for _, o := range env.Organizations {
			if o == nil || o.ID <= 0 {
				return errBadRequest("each organization needs its id")
			}
			each = append(each, bulk.OrgIDInput{ID: o.ID, Input: orgInput(&o.orgJSON)})
		}
		if st, err = s.Bulk.UpdateOrganizations(r.Context(), nil, nil, each); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

func (s *Server) destroyManyOrganizations(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	st, err := s.Bulk.DestroyOrganizations(r.Context(), ids)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}
