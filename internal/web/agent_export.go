package web

// The "Export data" box of the agent user page (issue P9, data-subject
// requests): staff the privacy service allows download a ZIP of everything
// held about the person, after a recent re-authentication, as for API
// tokens and roles. Admins may include internal notes. The privacy service
// decides and records the export in the audit log.

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/privacy"
)

// userExport drives the export box of the agent user page.
type userExport struct {
	// Internal offers the "include internal notes" choice (admins).
	Internal bool
	Reauth   reauthBox
}

// userExportBox is the box for u, nil when the viewer may not export u.
func (s *Server) userExportBox(r *http.Request, u *desk.User) (*userExport, error) {
	if s.d.Privacy == nil || !s.securityOn() {
		return nil, nil
	}
	ctx := r.Context()
	if _, err := s.d.Privacy.Authorize(ctx, u.ID, privacy.Options{}); err != nil {
		if c := desk.ErrorCode(err); c == desk.EFORBIDDEN || c == desk.ENOTFOUND {
			return nil, nil
		}
		return nil, err
	}
	b := &userExport{Internal: rcFrom(r).p.IsAdmin()}
	var err error
	b.Reauth, err = s.reauthBoxFor(r, "/agent/users/"+strconv.FormatInt(u.ID, 10)+"#u-export")
	return b, err
}

// agentUserExport downloads the export after a recent re-authentication;
// a stale session gets the page again (403) with the confirmation form.
func (s *Server) agentUserExport(w http.ResponseWriter, r *http.Request) error {
	if s.d.Privacy == nil {
		return desk.NotFound()
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	opts := privacy.Options{IncludeInternal: r.PostFormValue("include_internal") == "1"}
	if _, err := s.d.Privacy.Authorize(r.Context(), id, opts); err != nil {
		return err
	}
	if ok, err := s.freshOr(r, func(st int, msg string) error { return s.showAgentUser(w, r, st, msg) }); !ok {
		return err
	}
	_, err = s.d.Privacy.Export(r.Context(), id, opts, httpx.Download(w, "application/zip", privacy.FileName(id, s.now())))
	return err
}
