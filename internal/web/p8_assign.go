package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// Agent availability (the status control in the workspace header) and the
// customer's satisfaction rating page (p8-assign).
func (s *Server) registerAssignCSAT(h func(string, access, handlerFunc)) {
	if s.d.Assign != nil {
		h("POST /agent/availability", staff, s.agentSetAvailability)
	}
	if s.d.CSAT != nil {
		// Reached from the survey email's signed link, signed in or not:
		// GET only shows the form (a link preview or prefetch changes
		// nothing); the rating is recorded by the POST.
		h("GET /satisfaction/{token}", public, s.satisfactionPage)
		h("POST /satisfaction/{token}", public, s.satisfactionRate)
	}
	s.registerRoutingAdmin(h)
}

// availabilityView is the header control's state.
type availabilityView struct {
	Status    string
	Effective string
	ReturnTo  string
}

// MyAvailability is the signed-in agent's status for the workspace header
// (nil outside the workspace or when availability is not wired).
func (p *page) MyAvailability() *availabilityView {
	rc := p.reqCtx
	if rc == nil || rc.s == nil || rc.s.d.Assign == nil || !rc.p.IsStaff() || rc.p.UserID == 0 || p.Section == "portal" {
		return nil
	}
	a, err := rc.s.d.Assign.Mine(rc.r.Context())
	if err != nil {
		return nil
	}
	back := rc.r.URL.RequestURI()
	if rc.r.Method != http.MethodGet || !strings.HasPrefix(back, "/agent") {
		back = "/agent"
	}
	return &availabilityView{Status: string(a.Status), Effective: string(a.Effective), ReturnTo: back}
}

func (s *Server) agentSetAvailability(w http.ResponseWriter, r *http.Request) error {
	st := assign.Status(r.PostFormValue("status"))
	if _, err := s.d.Assign.SetMine(r.Context(), st); err != nil {
		return err
	}
	back := r.PostFormValue("return_to")
	// Only a path inside the workspace: never an open redirect.
	if !strings.HasPrefix(back, "/agent") || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		back = "/agent"
	}
	return redirect(w, r, withMsg(back, "availability"))
}

// satisfactionView is the rating page's data.
type satisfactionView struct {
	Token   string
	Subject string
	ID      int64
	Score   string // the choice to show selected
	Comment string
	Open    bool
	Rated   bool
}

func (s *Server) satisfactionPage(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	sv, err := s.d.CSAT.SurveyFor(r.Context(), token)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("csat.title")
	v := satisfactionView{Token: token, Subject: sv.Subject, ID: sv.TicketID, Open: sv.Open}
	if sv.Rating != nil && (sv.Rating.Score == csat.Good || sv.Rating.Score == csat.Bad) {
		v.Score, v.Comment, v.Rated = string(sv.Rating.Score), sv.Rating.Comment, true
	}
	// The email's good and bad links preselect the answer; the
	// customer confirms it (and may add a comment) with the button.
	if q := r.URL.Query().Get("score"); q == string(csat.Good) || q == string(csat.Bad) {
		v.Score = q
	}
	pg.Data = v
	return s.render(w, http.StatusOK, "satisfaction", pg)
}

func (s *Server) satisfactionRate(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	in := csat.Input{Score: csat.Score(r.PostFormValue("score")), Comment: r.PostFormValue("comment")}
	_, err := s.d.CSAT.RateWithToken(r.Context(), token, in)
	if err != nil && desk.ErrorCode(err) != desk.EINVALID && desk.ErrorCode(err) != desk.EFORBIDDEN {
		return err
	}
	sv, serr := s.d.CSAT.SurveyFor(r.Context(), token)
	if serr != nil {
		return serr
	}
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("csat.title")
	v := satisfactionView{Token: token, Subject: sv.Subject, ID: sv.TicketID, Open: sv.Open, Score: string(in.Score), Comment: in.Comment}
	status := http.StatusOK
	if err != nil {
		status = http.StatusUnprocessableEntity
		pg.Error = pg.T("errors.validation")
		pg.FieldErrors = fieldErrors(err)
		if desk.ErrorCode(err) == desk.EFORBIDDEN || pg.FieldErrors["ticket"] != nil {
			pg.Error = pg.T("csat.closed")
		}
	} else {
		v.Rated = true
		pg.Flash = pg.T("csat.thanks")
	}
	pg.Data = v
	return s.render(w, status, "satisfaction", pg)
}

// The admin page "Assignment and satisfaction": CSAT on/off and delay,
// the availability window, each group's assignment mode and capacity, and
// each agent's status and own capacity.

type routingGroup struct {
	ID       int64
	Name     string
	Mode     string
	Capacity int
}

type routingData struct {
	CSAT    *csat.Config
	Minutes int64
	Groups  []routingGroup
	Agents  []assign.Availability
}

func (s *Server) registerRoutingAdmin(h func(string, access, handlerFunc)) {
	if s.d.Assign == nil || s.d.CSAT == nil {
		return
	}
	h("GET /agent/admin/routing", admin, s.adminRouting)
	h("POST /agent/admin/routing/settings", admin, s.adminRoutingSettings)
	h("POST /agent/admin/routing/groups/{id}", admin, s.adminRoutingGroup)
	h("POST /agent/admin/routing/agents/{id}", admin, s.adminRoutingAgent)
}

func (s *Server) adminRouting(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminRouting(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminRouting(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	ctx := r.Context()
	pg := s.adminPage(r, "routing.title", "routing")
	pg.Error, pg.FieldErrors = msg, fe
	var d routingData
	var err error
	if d.CSAT, err = s.d.CSAT.Config(ctx); err != nil {
		return err
	}
	if d.Minutes, err = s.d.Assign.AvailabilityMinutes(ctx); err != nil {
		return err
	}
	groups, err := s.d.People.ListGroups(ctx, 0, 1000, 0)
	if err != nil {
		return err
	}
	for _, g := range groups {
		gs, err := s.d.Assign.Group(ctx, g.ID)
		if err != nil {
			return err
		}
		d.Groups = append(d.Groups, routingGroup{ID: g.ID, Name: g.Name, Mode: string(gs.Mode), Capacity: gs.Capacity})
	}
	if d.Agents, err = s.d.Assign.List(ctx); err != nil {
		return err
	}
	pg.Data = d
	return s.render(w, status, "admin_routing", pg)
}

// formInt reads a whole number field; ok false for anything else.
func formInt(r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	return n, err == nil
}

func (s *Server) adminRoutingSettings(w http.ResponseWriter, r *http.Request) error {
	show := func(st int, msg string, fe map[string][]string) error { return s.showAdminRouting(w, r, st, msg, fe) }
	hours, ok := formInt(r, "delay_hours")
	if !ok {
		return s.adminForm(w, r, desk.Invalid("delay_hours", "must be a whole number of hours"), show)
	}
	mins, ok := formInt(r, "availability_minutes")
	if !ok {
		return s.adminForm(w, r, desk.Invalid("availability_minutes", "must be a whole number of minutes"), show)
	}
	if err := s.d.Assign.SetAvailabilityMinutes(r.Context(), mins); err != nil {
		return s.adminForm(w, r, err, show)
	}
	if err := s.d.CSAT.Configure(r.Context(), csat.Config{Enabled: r.PostFormValue("csat_enabled") == "1", DelayHours: hours}); err != nil {
		return s.adminForm(w, r, err, show)
	}
	return redirect(w, r, withMsg("/agent/admin/routing", "settings"))
}

func (s *Server) adminRoutingGroup(w http.ResponseWriter, r *http.Request) error {
	show := func(st int, msg string, fe map[string][]string) error { return s.showAdminRouting(w, r, st, msg, fe) }
	gid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return desk.NotFound()
	}
	c, ok := formInt(r, "capacity")
	if !ok {
		return s.adminForm(w, r, desk.Invalid("capacity", "must be a whole number"), show)
	}
	mode, capacity := assign.Mode(r.PostFormValue("mode")), int(c)
	if _, err := s.d.Assign.SetGroup(r.Context(), gid, assign.GroupUpdate{Mode: &mode, Capacity: &capacity}); err != nil {
		return s.adminForm(w, r, err, show)
	}
	return redirect(w, r, withMsg("/agent/admin/routing", "settings"))
}

func (s *Server) adminRoutingAgent(w http.ResponseWriter, r *http.Request) error {
	show := func(st int, msg string, fe map[string][]string) error { return s.showAdminRouting(w, r, st, msg, fe) }
	uid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return desk.NotFound()
	}
	c, ok := formInt(r, "capacity")
	if !ok {
		return s.adminForm(w, r, desk.Invalid("capacity", "must be a whole number"), show)
	}
	st, capacity := assign.Status(r.PostFormValue("status")), int(c)
	if _, err := s.d.Assign.Set(r.Context(), uid, assign.Update{Status: &st, Capacity: &capacity}); err != nil {
		return s.adminForm(w, r, err, show)
	}
	return redirect(w, r, withMsg("/agent/admin/routing", "settings"))
}
