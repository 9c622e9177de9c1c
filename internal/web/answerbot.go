package web

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// The answer bot's "this answered my question" links from the
// acknowledgement of a new email ticket (p11-bot).
func (s *Server) registerAnswerBot(h func(string, access, handlerFunc)) {
	if s.d.AnswerBot == nil {
		return
	}
	// GET only asks to confirm (a link scanner or prefetch changes
	// nothing); the POST, with the page's CSRF token, solves the ticket.
	h("GET /answered/{token}", public, s.answeredPage)
	h("POST /answered/{token}", public, s.answeredSolve)
}

// answeredView is the confirmation page's data.
type answeredView struct {
	Token    string
	TicketID int64
	Article  string
	URL      string
	// Done: solved by this visit; Problem: why the link does nothing.
	Done    bool
	Problem string
}

// answeredProblem renders an expired or used link as a page that says
// so (a forged one is a plain 404).
func (s *Server) answeredProblem(w http.ResponseWriter, r *http.Request, err error) error {
	var key string
	status := http.StatusForbidden
	switch desk.ErrorCode(err) {
	case desk.EFORBIDDEN:
		key = "answerbot.page.expired"
	case desk.ECONFLICT:
		key, status = "answerbot.page.used", http.StatusConflict
	default:
		return err
	}
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("answerbot.page.title")
	pg.Data = answeredView{Problem: pg.T(key)}
	return s.render(w, status, "answered", pg)
}

func (s *Server) answeredPage(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	l, err := s.d.AnswerBot.LinkFor(r.Context(), token)
	if err != nil {
		return s.answeredProblem(w, r, err)
	}
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("answerbot.page.title")
	pg.Data = answeredView{Token: token, TicketID: l.TicketID, Article: l.Article, URL: l.URL}
	return s.render(w, http.StatusOK, "answered", pg)
}

func (s *Server) answeredSolve(w http.ResponseWriter, r *http.Request) error {
	id, err := s.d.AnswerBot.ResolveByLink(r.Context(), r.PathValue("token"))
	if err != nil {
		return s.answeredProblem(w, r, err)
	}
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("answerbot.page.title")
	pg.Data = answeredView{TicketID: id, Done: true}
	return s.render(w, http.StatusOK, "answered", pg)
}
