package api

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// registerAnswerBot mounts the answer bot's flows (Frontdesk's own
// resource): CRUD, the saved versions, activation, and the outcomes for
// reports. The answerbot service decides who may (admins).
func (s *Server) registerAnswerBot(mux *http.ServeMux) {
	h := func(f handlerFunc) handlerFunc { return s.needs(s.AnswerBot != nil, f) }
	s.handle(mux, "GET /api/v2/answer_bot/flows", h(s.listBotFlows))
	s.handle(mux, "POST /api/v2/answer_bot/flows", h(s.createBotFlow))
	s.handle(mux, "GET /api/v2/answer_bot/flows/{id}", h(s.showBotFlow))
	s.handle(mux, "PUT /api/v2/answer_bot/flows/{id}", h(s.updateBotFlow))
	s.handle(mux, "DELETE /api/v2/answer_bot/flows/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.AnswerBot.DeleteFlow)(w, r)
	}))
	s.handle(mux, "GET /api/v2/answer_bot/flows/{id}/versions", h(s.botFlowVersions))
	s.handle(mux, "POST /api/v2/answer_bot/flows/{id}/activate", h(s.activateBotFlow))
	s.handle(mux, "GET /api/v2/answer_bot/outcomes", h(s.botOutcomes))
}

func (s *Server) listBotFlows(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.AnswerBot.Flows(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"flows": fs, "count": len(fs), "next_page": nil, "previous_page": nil})
}

func decodeBotFlow(r *http.Request) (answerbot.FlowInput, error) {
	var env struct {
		Flow *answerbot.FlowInput `json:"flow"`
	}
	if err := decode(r, &env); err != nil {
		return answerbot.FlowInput{}, err
	}
	if env.Flow == nil {
		return answerbot.FlowInput{}, desk.Invalid("flow", "is required")
	}
	return *env.Flow, nil
}

func (s *Server) createBotFlow(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeBotFlow(r)
	if err != nil {
		return err
	}
	f, err := s.AnswerBot.CreateFlow(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/answer_bot/flows/"+itoa(f.ID), map[string]any{"flow": f})
}

func (s *Server) showBotFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.AnswerBot.Flow(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"flow": f})
}

func (s *Server) updateBotFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeBotFlow(r)
	if err != nil {
		return err
	}
	f, err := s.AnswerBot.UpdateFlow(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"flow": f})
}

func (s *Server) botFlowVersions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vs, err := s.AnswerBot.Versions(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"versions": vs, "count": len(vs)})
}

// activateBotFlow makes the flow the one new chats start; {"active":
// false} turns it off.
func (s *Server) activateBotFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Active *bool `json:"active"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &body); err != nil {
			return err
		}
	}
	f, err := s.AnswerBot.Activate(r.Context(), id, body.Active == nil || *body.Active)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"flow": f})
}

func (s *Server) botOutcomes(w http.ResponseWriter, r *http.Request) error {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return desk.Invalid("limit", "must be a number from 1 to 1000")
		}
		limit = n
	}
	os, err := s.AnswerBot.Outcomes(r.Context(), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"outcomes": os, "count": len(os)})
}
