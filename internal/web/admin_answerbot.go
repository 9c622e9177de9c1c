package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// The answer bot's flows (p11-bot): a list (create, activate, delete) and
// one flow's editor: its steps as plain forms (one fieldset per step, its
// texts in every language), an outline of the tree from the first step,
// and the saved versions. Every save is a new version; the answerbot
// service validates and decides who may (admins).

func (s *Server) registerAnswerBotAdmin(h func(string, access, handlerFunc)) {
	if s.d.AnswerBot == nil {
		return
	}
	h("GET /agent/admin/answer-bot", admin, s.adminBotFlows)
	h("POST /agent/admin/answer-bot", admin, s.adminCreateBotFlow)
	h("POST /agent/admin/answer-bot/email", admin, s.adminBotEmail)
	h("POST /agent/admin/answer-bot/draft", admin, s.adminBotDraft)
	h("GET /agent/admin/answer-bot/{id}", admin, s.adminBotFlow)
	h("POST /agent/admin/answer-bot/{id}", admin, s.adminSaveBotFlow)
	h("POST /agent/admin/answer-bot/{id}/activate", admin, s.adminActivateBotFlow)
	h("POST /agent/admin/answer-bot/{id}/delete", admin, s.adminDeleteBotFlow)
}

func (s *Server) adminBotFlows(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminBotFlows(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminBotFlows(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	flows, err := s.d.AnswerBot.Flows(r.Context())
	if err != nil {
		return err
	}
	email, err := s.d.AnswerBot.EmailSuggestionsOn(r.Context())
	if err != nil {
		return err
	}
	draft, err := s.d.AnswerBot.DraftSettings(r.Context())
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "answerbot.admin.title", "answer-bot")
	pg.Error, pg.FieldErrors = msg, fe
	pg.Form.Set("name", r.PostFormValue("name"))
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/draft") {
		// Show what was typed (never the key), so nothing is lost.
		draft.Mode, draft.Endpoint, draft.Model = r.PostFormValue("draft_mode"), r.PostFormValue("draft_endpoint"), r.PostFormValue("draft_model")
		draft.TimeoutSeconds, _ = strconv.ParseInt(r.PostFormValue("draft_timeout"), 10, 64)
		draft.MaxArticles, _ = strconv.ParseInt(r.PostFormValue("draft_articles"), 10, 64)
	}
	pg.Data = adminBotFlowsData{Flows: flows, Email: email, Draft: draft, DraftModes: draftModes}
	return s.render(w, status, "admin_answerbot", pg)
}

type adminBotFlowsData struct {
	Flows []*answerbot.Flow
	// Email: suggestions in new email tickets' acknowledgements.
	Email bool
	// Draft: drafted answers from an OpenAI-compatible endpoint (the key
	// is never in it, only whether one is stored).
	Draft      answerbot.DraftSettings
	DraftModes []string
}

var draftModes = []string{settings.BotDraftOff, settings.BotDraftAgents, settings.BotDraftVisitors}

// adminBotDraft saves the drafting settings. An empty key field keeps the
// stored key; the key is never shown back.
func (s *Server) adminBotDraft(w http.ResponseWriter, r *http.Request) error {
	num := func(k string) int64 {
		n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(k)), 10, 64)
		if err != nil {
			return -1 // refused by the service with the field's message
		}
		return n
	}
	in := answerbot.DraftInput{Mode: r.PostFormValue("draft_mode"), Endpoint: r.PostFormValue("draft_endpoint"), Model: r.PostFormValue("draft_model"),
		APIKey: r.PostFormValue("draft_api_key"), ClearKey: r.PostFormValue("draft_clear_key") == "1",
		TimeoutSeconds: num("draft_timeout"), MaxArticles: num("draft_articles")}
	if err := s.d.AnswerBot.SetDraftSettings(r.Context(), in); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminBotFlows(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/answer-bot", "updated"))
}

func (s *Server) adminBotEmail(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.AnswerBot.SetEmailSuggestions(r.Context(), r.PostFormValue("email_suggestions") == "1"); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/answer-bot", "updated"))
}

// adminCreateBotFlow starts a flow with one message step in the default
// language, to be edited.
func (s *Server) adminCreateBotFlow(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	pg := s.newPage(r, "admin", "")
	steps := []answerbot.Step{{ID: "start", Kind: answerbot.KindMessage, Text: answerbot.Texts{s.d.AnswerBot.HC.DefaultLocale(): pg.T("answerbot.admin.first_text")}}}
	f, err := s.d.AnswerBot.CreateFlow(r.Context(), answerbot.FlowInput{Name: &name, Steps: &steps})
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminBotFlows(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/answer-bot/"+strconv.FormatInt(f.ID, 10), "created"))
}

// botStepForm is one step's fieldset; Index numbers its form fields.
type botStepForm struct {
	Index   int
	Number  int // Index + 1, for people
	Step    answerbot.Step
	Buttons []botButtonForm
	New     bool // the empty fieldset that adds a step
}

type botButtonForm struct {
	Index  int
	Number int
	Button answerbot.FlowButton
}

// botNode is one line of the flow's outline.
type botNode struct {
	Step     answerbot.Step
	Via      string // the button label that leads here
	Repeat   bool   // shown higher up already
	Children []botNode
}

type adminBotFlowData struct {
	Flow     *answerbot.Flow
	Steps    []botStepForm
	Outline  []botNode
	Versions []answerbot.FlowVersion
	Locales  []string
	Kinds    []string
	Groups   []*desk.Group
	StepIDs  []string
}

var botKinds = []string{answerbot.KindMessage, answerbot.KindAsk, answerbot.KindHandover, answerbot.KindArticles}

func (s *Server) adminBotFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.d.AnswerBot.Flow(r.Context(), id)
	if err != nil {
		return err
	}
	return s.showAdminBotFlow(w, r, http.StatusOK, "", nil, f)
}

func (s *Server) showAdminBotFlow(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, f *answerbot.Flow) error {
	ctx := r.Context()
	d := adminBotFlowData{Flow: f, Locales: s.d.AnswerBot.HC.Locales, Kinds: botKinds}
	var err error
	if d.Versions, err = s.d.AnswerBot.Versions(ctx, f.ID); err != nil {
		return err
	}
	if d.Groups, err = s.d.People.ListGroups(ctx, 0, 1000, 0); err != nil {
		return err
	}
	for i, st := range f.Steps {
		sf := botStepForm{Index: i, Number: i + 1, Step: st}
		n := len(st.Buttons)
		if st.Kind == answerbot.KindMessage && n < answerbot.MaxButtons {
			n++ // an empty one adds a button
		}
		for j := 0; j < n; j++ {
			bf := botButtonForm{Index: j, Number: j + 1}
			if j < len(st.Buttons) {
				bf.Button = st.Buttons[j]
			}
			sf.Buttons = append(sf.Buttons, bf)
		}
		d.Steps = append(d.Steps, sf)
		d.StepIDs = append(d.StepIDs, st.ID)
	}
	if len(f.Steps) < answerbot.MaxSteps {
		d.Steps = append(d.Steps, botStepForm{Index: len(f.Steps), Number: len(f.Steps) + 1, New: true, Step: answerbot.Step{Kind: answerbot.KindMessage},
			Buttons: []botButtonForm{{Index: 0, Number: 1}}})
	}
	if len(f.Steps) > 0 {
		seen := map[string]bool{}
		d.Outline = []botNode{outline(f, f.Steps[0], "", seen, s.d.AnswerBot.HC.DefaultLocale())}
	}
	pg := s.adminPage(r, "answerbot.admin.edit_title", "answer-bot")
	pg.Title = pg.T("answerbot.admin.edit_title", "name", f.Name)
	pg.Error, pg.FieldErrors = msg, fe
	pg.Data = d
	return s.render(w, status, "admin_answerbot_flow", pg)
}

// outline is the tree below step st, each step expanded once.
func outline(f *answerbot.Flow, st answerbot.Step, via string, seen map[string]bool, def string) botNode {
	n := botNode{Step: st, Via: via, Repeat: seen[st.ID]}
	if n.Repeat {
		return n
	}
	seen[st.ID] = true
	step := func(id string) (answerbot.Step, bool) {
		for _, x := range f.Steps {
			if x.ID == id {
				return x, true
			}
		}
		return answerbot.Step{}, false
	}
	switch st.Kind {
	case answerbot.KindMessage:
		for _, b := range st.Buttons {
			if nx, ok := step(b.Next); ok {
				n.Children = append(n.Children, outline(f, nx, b.Label[def], seen, def))
			}
		}
	case answerbot.KindAsk:
		if nx, ok := step(st.Next); ok {
			n.Children = append(n.Children, outline(f, nx, "", seen, def))
		}
	}
	return n
}

// botStepsFromForm reads the step fieldsets: s<i>.<field>, buttons
// s<i>.b<j>.<field>; a fieldset without an id, or marked for removal, is
// left out, as is a button without a next step.
func (s *Server) botStepsFromForm(r *http.Request) []answerbot.Step {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	texts := func(prefix string) answerbot.Texts {
		t := answerbot.Texts{}
		for _, loc := range s.d.AnswerBot.HC.Locales {
			if x := v(prefix + "." + loc); x != "" {
				t[loc] = x
			}
		}
		return t
	}
	var steps []answerbot.Step
	for i := 0; i <= answerbot.MaxSteps; i++ {
		p := fmt.Sprintf("s%d", i)
		if _, ok := r.PostForm[p+".id"]; !ok {
			break
		}
		if v(p+".id") == "" || v(p+".remove") == "1" {
			continue
		}
		st := answerbot.Step{ID: v(p + ".id"), Kind: v(p + ".kind"), Text: texts(p + ".text")}
		switch st.Kind {
		case answerbot.KindMessage:
			for j := 0; j < answerbot.MaxButtons; j++ {
				bp := fmt.Sprintf("%s.b%d", p, j)
				if v(bp+".next") == "" {
					continue
				}
				st.Buttons = append(st.Buttons, answerbot.FlowButton{Label: texts(bp + ".label"), Next: v(bp + ".next")})
			}
		case answerbot.KindAsk:
			st.Label, st.Next = texts(p+".label"), v(p+".next")
		case answerbot.KindHandover:
			if g, err := strconv.ParseInt(v(p+".group"), 10, 64); err == nil {
				st.GroupID = g
			}
		case answerbot.KindArticles:
			st.Query = texts(p + ".query")
		}
		steps = append(steps, st)
	}
	return steps
}

func (s *Server) adminSaveBotFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	steps := s.botStepsFromForm(r)
	if steps == nil {
		steps = []answerbot.Step{}
	}
	if _, err := s.d.AnswerBot.UpdateFlow(r.Context(), id, answerbot.FlowInput{Name: &name, Steps: &steps}); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			f, ferr := s.d.AnswerBot.Flow(r.Context(), id)
			if ferr != nil {
				return ferr
			}
			// Show what was typed, so nothing is lost.
			f.Name, f.Steps = name, steps
			return s.showAdminBotFlow(w, r, st, msg, fe, f)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/answer-bot/"+strconv.FormatInt(id, 10), "updated"))
}

func (s *Server) adminActivateBotFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.d.AnswerBot.Activate(r.Context(), id, r.PostFormValue("active") == "1"); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/answer-bot", "updated"))
}

func (s *Server) adminDeleteBotFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.AnswerBot.DeleteFlow(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/answer-bot", "deleted"))
}
