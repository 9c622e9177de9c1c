package api

import (
	"net/http"
	"time"

	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/privacy"
)

// registerPrivacy mounts Frontdesk's data-subject export (a Frontdesk
// extension: Zendesk has no such endpoint): GET /api/v2/users/{id}/export
// answers with a ZIP of everything held about the user. The privacy
// service decides who may (export_data; admins for staff and for
// ?include_internal=true) and records the export in the audit log.
func (s *Server) registerPrivacy(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/users/{id}/export", s.needs(s.Privacy != nil, s.exportUser))
}

func (s *Server) exportUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	internal, err := boolParam(r, "include_internal")
	if err != nil {
		return err
	}
	opts := privacy.Options{IncludeInternal: internal != nil && *internal}
	_, err = s.Privacy.Export(r.Context(), id, opts, httpx.Download(w, "application/zip", privacy.FileName(id, time.Now())))
	return err
}
