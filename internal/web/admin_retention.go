package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/retention"
)

// Data retention: the policies (add, change days and on/off, delete), a
// preview of what a run would delete now, and a dry run (audited). The
// real runs are the daily job's. The retention service decides who may
// (manage_security).

func (s *Server) registerRetentionAdmin(h func(string, access, handlerFunc)) {
	h("GET /agent/admin/retention", staff, s.adminRetention)
	h("POST /agent/admin/retention", staff, s.adminCreateRetention)
	h("POST /agent/admin/retention/dry-run", staff, s.adminRetentionDryRun)
	h("POST /agent/admin/retention/{id}", staff, s.adminUpdateRetention)
	h("POST /agent/admin/retention/{id}/delete", staff, s.adminDeleteRetention)
}

type adminRetentionData struct {
	Policies []*retention.Policy
	Kinds    []retention.Kind
	Groups   []*desk.Group
	// GroupNames names the groups policies refer to.
	GroupNames map[int64]string
	// Report is a preview's or a dry run's result, nil when none was asked;
	// DryRun says it is a dry run's (recorded in the audit log).
	Report *retention.Report
	DryRun bool
}

func (s *Server) adminRetention(w http.ResponseWriter, r *http.Request) error {
	var rep *retention.Report
	if r.URL.Query().Get("preview") == "1" && s.d.Retention != nil {
		var err error
		if rep, err = s.d.Retention.Preview(r.Context()); err != nil {
			return err
		}
	}
	return s.showAdminRetention(w, r, http.StatusOK, "", nil, rep, false)
}

func (s *Server) showAdminRetention(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, rep *retention.Report, dryRun bool) error {
	if s.d.Retention == nil {
		return desk.NotFound()
	}
	ctx := r.Context()
	d := adminRetentionData{Kinds: retention.Kinds, Report: rep, DryRun: dryRun, GroupNames: map[int64]string{}}
	var err error
	if d.Policies, err = s.d.Retention.List(ctx); err != nil {
		return err
	}
	if d.Groups, err = s.d.People.ListGroups(ctx, 0, 1000, 0); err != nil {
		return err
	}
	for _, g := range d.Groups {
		d.GroupNames[g.ID] = g.Name
	}
	pg := s.adminPage(r, "retention.title", "retention")
	pg.Error, pg.FieldErrors = msg, fe
	if r.Method == http.MethodPost {
		for _, k := range []string{"kind", "days", "tag", "group_id", "via_channel"} {
			pg.Form.Set(k, r.PostFormValue(k))
		}
	}
	pg.Data = d
	return s.render(w, status, "admin_retention", pg)
}

// retentionDays reads a days field; text that is no number becomes 0,
// which the service refuses with its own message.
func retentionDays(r *http.Request) *int {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if err != nil {
		n = 0
	}
	return &n
}

func (s *Server) adminCreateRetention(w http.ResponseWriter, r *http.Request) error {
	if s.d.Retention == nil {
		return desk.NotFound()
	}
	text := func(k string) *string { v := strings.TrimSpace(r.PostFormValue(k)); return &v }
	kind := retention.Kind(r.PostFormValue("kind"))
	var group int64
	if v := strings.TrimSpace(r.PostFormValue("group_id")); v != "" {
		var err error
		if group, err = strconv.ParseInt(v, 10, 64); err != nil {
			group = -1 // refused by the service as no group
		}
	}
	in := retention.Input{Kind: &kind, Days: retentionDays(r), Tag: text("tag"), GroupID: &group, Channel: text("via_channel")}
	if _, err := s.d.Retention.Create(r.Context(), in); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminRetention(w, r, st, msg, fe, nil, false)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/retention", "created"))
}

func (s *Server) adminUpdateRetention(w http.ResponseWriter, r *http.Request) error {
	if s.d.Retention == nil {
		return desk.NotFound()
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	active := r.PostFormValue("active") == "1"
	if _, err := s.d.Retention.Update(r.Context(), id, retention.Input{Days: retentionDays(r), Active: &active}); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminRetention(w, r, st, msg, fe, nil, false)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/retention", "updated"))
}

func (s *Server) adminDeleteRetention(w http.ResponseWriter, r *http.Request) error {
	if s.d.Retention == nil {
		return desk.NotFound()
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Retention.Delete(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/retention", "deleted"))
}

// adminRetentionDryRun runs every active policy without deleting and shows
// the counts; the run is audited like a real one.
func (s *Server) adminRetentionDryRun(w http.ResponseWriter, r *http.Request) error {
	if s.d.Retention == nil {
		return desk.NotFound()
	}
	rep, err := s.d.Retention.Run(r.Context(), true)
	if err != nil {
		return err
	}
	return s.showAdminRetention(w, r, http.StatusOK, "", nil, rep, true)
}
