package api

import (
	"fmt"
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
	_, err = s.Privacy.Export(r.Context(), id, opts, httpx.Download(w, "application/zip", ExportFileName(id, time.Now())))
	return err
}

// ExportFileName names a user's export file: the id and the date, never
// the person's name.
func ExportFileName(id int64, at time.Time) string {
	return fmt.Sprintf("frontdesk-user-%d-export-%s.zip", id, at.UTC().Format("20060102-150405"))
}
