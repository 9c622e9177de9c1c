package api

import (
	"net/http"
	"strings"
)

// externalIDsParam reads show_many's external_ids=a,b (Zendesk's
// alternative to ids). Giving both is ambiguous and refused.
func externalIDsParam(r *http.Request) ([]string, error) {
	q := r.URL.Query()
	if q.Has("ids") {
		return nil, errBadRequest("give ids or external_ids, not both")
	}
	v := q.Get("external_ids")
	if strings.TrimSpace(strings.ReplaceAll(v, ",", "")) == "" {
		return nil, errBadRequest("external_ids is required")
	}
	parts := strings.Split(v, ",")
	if len(parts) > 100 {
		return nil, &badRequest{name: "TooManyValues", msg: "at most 100 external ids"}
	}
	return parts, nil
}

func (s *Server) showManyTicketsByExternalIDs(w http.ResponseWriter, r *http.Request) error {
	exts, err := externalIDsParam(r)
	if err != nil {
		return err
	}
	ts, err := s.Tickets.GetManyByExternalIDs(r.Context(), exts)
	if err != nil {
		return err
	}
	withTicketURLs(r, ts...)
	body := map[string]any{"tickets": ts, "next_page": nil, "previous_page": nil, "count": len(ts)}
	if err := s.sideload(r, body, ts); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) showManyUsersByExternalIDs(w http.ResponseWriter, r *http.Request) error {
	exts, err := externalIDsParam(r)
	if err != nil {
		return err
	}
	us, err := s.People.GetUsersByExternalIDs(r.Context(), exts)
	if err != nil {
		return err
	}
	withUserURLs(r, us...)
	return writeJSON(w, http.StatusOK, fullListBody("users", us, len(us)))
}

func (s *Server) showManyOrganizationsByExternalIDs(w http.ResponseWriter, r *http.Request) error {
	exts, err := externalIDsParam(r)
	if err != nil {
		return err
	}
	os, err := s.People.GetOrganizationsByExternalIDs(r.Context(), exts)
	if err != nil {
		return err
	}
	withOrgURLs(r, os...)
	return writeJSON(w, http.StatusOK, fullListBody("organizations", os, len(os)))
}
