package web

import (
	"net/http"
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
