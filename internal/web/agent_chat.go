package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// The agents' live chat console (/agent/chat) and the widget-key admin
// page (/agent/admin/chat) (p11-chat). Every action goes through package
// chat with the agent's principal; the page works with forms alone, and
// static/chat.js makes it live over the console's event stream.
func (s *Server) registerChat(h func(string, access, handlerFunc)) {
	if s.d.Chat == nil {
		return
	}
	h("GET /agent/chat", staff, s.chatConsole)
	h("GET /agent/chat/events", staff, s.chatEvents)
	h("GET /agent/chat/state", staff, s.chatState)
	h("GET /agent/chat/{id}/messages", staff, s.chatMessages)
	h("POST /agent/chat/{id}/accept", staff, s.chatAccept)
	h("POST /agent/chat/{id}/decline", staff, s.chatDecline)
	h("POST /agent/chat/{id}/send", staff, s.chatSend)
	h("POST /agent/chat/{id}/note", staff, s.chatNote)
	h("POST /agent/chat/{id}/canned", staff, s.chatCanned)
	h("POST /agent/chat/{id}/typing", staff, s.chatTyping)
	h("POST /agent/chat/{id}/read", staff, s.chatRead)
	h("POST /agent/chat/{id}/transfer", staff, s.chatTransfer)
	h("POST /agent/chat/{id}/end", staff, s.chatEnd)
	h("GET /agent/admin/chat", admin, s.adminChat)
	h("POST /agent/admin/chat", admin, s.adminChatCreate)
	h("POST /agent/admin/chat/settings", admin, s.adminChatSettings)
	h("POST /agent/admin/chat/{id}", admin, s.adminChatUpdate)
	h("POST /agent/admin/chat/{id}/delete", admin, s.adminChatDelete)
}

// ChatEnabled says whether the live chat is wired (its links show).
func (p *page) ChatEnabled() bool {
	return p.reqCtx != nil && p.reqCtx.s != nil && p.reqCtx.s.d.Chat != nil
}

// chatConsoleData is the console page's data.
type chatConsoleData struct {
	Console *chat.Console
	Current *chat.AgentView
	Agents  []*desk.User
	Groups  []*desk.Group
	// Macros are the agent's usable macros: canned replies.
	Macros []*macros.Macro
}

func (s *Server) chatConsole(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pg := s.newPage(r, "agent", "")
	pg.Title = pg.T("chat.console")
	pg.Nav = "chat"
	var d chatConsoleData
	var err error
	if d.Console, err = s.d.Chat.Console(ctx); err != nil {
		return err
	}
	if v := r.URL.Query().Get("c"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return desk.NotFound()
		}
		if d.Current, err = s.d.Chat.AgentConversation(ctx, id, 0); err != nil {
			return err
		}
		if d.Agents, err = s.agents(ctx); err != nil {
			return err
		}
		if d.Groups, err = s.d.People.ListGroups(ctx, 0, 1000, 0); err != nil {
			return err
		}
		if d.Macros, err = s.usableMacros(ctx); err != nil {
			return err
		}
	}
	if m := r.URL.Query().Get("m"); m != "" {
		if key, ok := chatFlash[m]; ok {
			pg.Flash = pg.T(key)
		}
	}
	pg.Data = d
	return s.render(w, http.StatusOK, "agent_chat", pg)
}

// chatFlash are the console's messages after a form post.
var chatFlash = map[string]string{
	"accepted":    "chat.accepted",
	"declined":    "chat.declined",
	"ended":       "chat.ended_flash",
	"transferred": "chat.transferred_flash",
	"noted":       "chat.noted",
	"sent":        "chat.sent",
	"file_sent":   "chat.file_sent",
}

// wantsJSON is a fetch from chat.js (forms without it get redirects).
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeJSONResponse(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(v)
}

// chatDone answers a console action: JSON for chat.js, else back to the
// chat (or the console) with a flash message.
func chatDone(w http.ResponseWriter, r *http.Request, id int64, msg string, v any) error {
	if wantsJSON(r) {
		if v == nil {
			v = map[string]bool{"ok": true}
		}
		return writeJSONResponse(w, v)
	}
	to := "/agent/chat"
	if id != 0 {
		to += "?c=" + strconv.FormatInt(id, 10)
	}
	return redirect(w, r, withMsg(to, msg))
}

func (s *Server) chatState(w http.ResponseWriter, r *http.Request) error {
	c, err := s.d.Chat.Console(r.Context())
	if err != nil {
		return err
	}
	return writeJSONResponse(w, c)
}

func (s *Server) chatMessages(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	v, err := s.d.Chat.AgentConversation(r.Context(), id, max(after, 0))
	if err != nil {
		return err
	}
	return writeJSONResponse(w, v)
}

func (s *Server) chatAccept(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Chat.Accept(r.Context(), id); err != nil {
		return err
	}
	return chatDone(w, r, id, "accepted", nil)
}

func (s *Server) chatDecline(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Chat.Decline(r.Context(), id); err != nil {
		return err
	}
	return chatDone(w, r, 0, "declined", nil)
}

func (s *Server) chatSend(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.d.Chat.AgentSend(r.Context(), id, r.PostFormValue("text"))
	if err != nil {
		return err
	}
	return chatDone(w, r, id, "sent", m)
}

func (s *Server) chatNote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Chat.AgentNote(r.Context(), id, r.PostFormValue("text")); err != nil {
		return err
	}
	return chatDone(w, r, id, "noted", nil)
}

// chatCanned sends a macro's reply text (its placeholders filled for the
// chat's ticket) as the agent's message: a canned reply.
func (s *Server) chatCanned(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if s.d.Macros == nil {
		return desk.NotFound()
	}
	ctx := r.Context()
	v, err := s.d.Chat.AgentConversation(ctx, id, 1<<62)
	if err != nil {
		return err
	}
	res, err := s.d.Macros.Preview(ctx, formID(r, "macro_id"), v.Conversation.TicketID)
	if err != nil {
		return err
	}
	if res.Comment == nil || strings.TrimSpace(res.Comment.Body) == "" {
		return desk.Invalid("macro_id", "has no reply text")
	}
	m, err := s.d.Chat.AgentSend(ctx, id, res.Comment.Body)
	if err != nil {
		return err
	}
	return chatDone(w, r, id, "sent", m)
}

func (s *Server) chatTyping(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Chat.AgentTyping(r.Context(), id, r.PostFormValue("on") == "1"); err != nil {
		return err
	}
	return chatDone(w, r, id, "", nil)
}

func (s *Server) chatRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Chat.AgentRead(r.Context(), id, formID(r, "upto")); err != nil {
		return err
	}
	return chatDone(w, r, id, "", nil)
}

func (s *Server) chatTransfer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var agent, group int64
	if to := r.PostFormValue("to"); strings.HasPrefix(to, "agent:") {
		agent, _ = strconv.ParseInt(strings.TrimPrefix(to, "agent:"), 10, 64)
	} else if strings.HasPrefix(to, "group:") {
		group, _ = strconv.ParseInt(strings.TrimPrefix(to, "group:"), 10, 64)
	}
	if err := s.d.Chat.Transfer(r.Context(), id, agent, group); err != nil {
		return err
	}
	return chatDone(w, r, 0, "transferred", nil)
}

func (s *Server) chatEnd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Chat.End(r.Context(), id, r.PostFormValue("solve") == "1"); err != nil {
		return err
	}
	return chatDone(w, r, 0, "ended", nil)
}

// chatEvent is what the console's stream says: which chat changed how.
// The page re-reads what it shows through the handlers above.
type chatEvent struct {
	Kind      string `json:"k"`
	ConvID    int64  `json:"c"`
	MessageID int64  `json:"m,omitempty"`
	Who       string `json:"w,omitempty"`
	On        bool   `json:"on,omitempty"`
}

// chatEvents streams the console's events (Server-Sent Events): queue
// changes to every agent (the page re-reads its own queue), everything
// else only about chats the agent may see.
func (s *Server) chatEvents(w http.ResponseWriter, r *http.Request) error {
	if s.d.ChatHub == nil {
		return desk.NotFound()
	}
	ctx, cancel := context.WithTimeout(r.Context(), maxStream)
	defer cancel()
	l, stop := s.d.ChatHub.ListenAgents()
	defer stop()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 3000\n\n")); err != nil {
		return nil
	}
	_ = rc.Flush()
	visible := map[int64]bool{}
	tick := time.NewTicker(20 * time.Second)
	defer tick.Stop()
	var buf bytes.Buffer
	for {
		buf.Reset()
		select {
		case <-ctx.Done():
			return nil
		case <-s.d.Context.Done(): // shutting down
			return nil
		case <-tick.C:
			buf.WriteString(": ping\n\n")
		case sg := <-l.C:
			if l.Lagged() {
				sg = chat.Signal{Kind: "queue", ConvID: sg.ConvID}
			}
			if sg.Kind != "queue" {
				ok, seen := visible[sg.ConvID]
				if !seen {
					ok = s.d.Chat.CanSee(ctx, sg.ConvID)
					visible[sg.ConvID] = ok
				}
				if !ok {
					continue
				}
			}
			b, _ := json.Marshal(chatEvent{Kind: sg.Kind, ConvID: sg.ConvID, MessageID: sg.MessageID, Who: sg.Who, On: sg.On})
			buf.WriteString("event: chat\ndata: ")
			buf.Write(b)
			buf.WriteString("\n\n")
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// Admin: widget keys and chat settings.

type adminChatData struct {
	Keys      []*chat.WidgetKey
	Groups    []*desk.Group
	Base      string
	NewSecret string
	SecretKey int64
	MaxChats  int64
	Routing   string
	Wait      int64
	TokenDays int64
	// NewForm is the pre-chat form a new key starts with.
	NewForm chat.PreChatForm
}

// chatFormView is one key's pre-chat form controls (template
// "chat_prechat"); Prefix keeps the controls' ids unique on the page.
type chatFormView struct {
	Prefix string
	Form   chat.PreChatForm
	Groups []*desk.Group
}

// FormView is the pre-chat form controls of form, ids prefixed.
func (d adminChatData) FormView(prefix string, form chat.PreChatForm) chatFormView {
	return chatFormView{Prefix: prefix, Form: form, Groups: d.Groups}
}

func (s *Server) adminChat(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminChat(w, r, http.StatusOK, nil, "")
}

func (s *Server) showAdminChat(w http.ResponseWriter, r *http.Request, status int, err error, secret string) error {
	ctx := r.Context()
	pg := s.newPage(r, "admin", "")
	pg.Title = pg.T("chat.admin_title")
	pg.Nav = "chat"
	d := adminChatData{NewForm: chat.DefaultForm()}
	var e error
	if d.Keys, e = s.d.Chat.Keys(ctx); e != nil {
		return e
	}
	if d.Groups, e = s.d.People.ListGroups(ctx, 0, 1000, 0); e != nil {
		return e
	}
	st := s.settingsSvc()
	if d.MaxChats, e = settings.ChatMaxPerAgent.Get(ctx, st); e != nil {
		return e
	}
	if d.Routing, e = settings.ChatRouting.Get(ctx, st); e != nil {
		return e
	}
	if d.Wait, e = settings.ChatWaitSeconds.Get(ctx, st); e != nil {
		return e
	}
	if d.TokenDays, e = settings.ChatTokenDays.Get(ctx, st); e != nil {
		return e
	}
	d.Base = s.d.PublicURL
	if d.Base == "" {
		d.Base = "https://" + r.Host
	}
	d.NewSecret = secret
	if secret != "" {
		d.SecretKey = formID(r, "key_id")
	}
	if err != nil {
		pg.Error = pg.T("errors.validation") + " " + errorText(err)
		pg.FieldErrors = fieldErrors(err)
		pg.Form.Set("name", r.PostFormValue("name"))
		pg.Form.Set("origins", r.PostFormValue("origins"))
	}
	pg.Data = d
	return s.render(w, status, "admin_chat", pg)
}

// keyInput reads the key form.
func keyInput(r *http.Request) chat.KeyInput {
	name := r.PostFormValue("name")
	origins := strings.FieldsFunc(r.PostFormValue("origins"), func(c rune) bool { return c == '\n' || c == '\r' || c == ',' || c == ' ' })
	group := formID(r, "group_id")
	enabled := r.PostFormValue("enabled") == "1"
	return chat.KeyInput{Name: &name, Origins: &origins, GroupID: &group, Enabled: &enabled,
		NewIdentitySecret: r.PostFormValue("identity") == "new", ClearIdentity: r.PostFormValue("identity") == "off",
		Form: formInput(r)}
}

// formInput reads the pre-chat form's controls (nil fields: not on the
// page that posted).
func formInput(r *http.Request) *chat.FormInput {
	var in chat.FormInput
	if v, ok := r.PostForm["form_name"]; ok && len(v) > 0 {
		in.Name = &v[0]
	}
	if v, ok := r.PostForm["form_question"]; ok && len(v) > 0 {
		in.Question = &v[0]
	}
	if r.PostFormValue("form_groups_sent") == "1" {
		groups := []int64{}
		for _, v := range r.PostForm["form_groups"] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				id = -1 // refused by the service as not a group
			}
			groups = append(groups, id)
		}
		in.Groups = &groups
	}
	return &in
}

func (s *Server) adminChatCreate(w http.ResponseWriter, r *http.Request) error {
	return s.saveChatKey(w, r, func(in chat.KeyInput) (*chat.SavedKey, error) { return s.d.Chat.CreateKey(r.Context(), in) })
}

func (s *Server) adminChatUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.saveChatKey(w, r, func(in chat.KeyInput) (*chat.SavedKey, error) { return s.d.Chat.UpdateKey(r.Context(), id, in) })
}

// saveChatKey saves the key form: a form error shows the page again, a
// new identity secret is shown once on the page, else back to the list.
func (s *Server) saveChatKey(w http.ResponseWriter, r *http.Request, save func(chat.KeyInput) (*chat.SavedKey, error)) error {
	k, err := save(keyInput(r))
	if formError(err) {
		return s.showAdminChat(w, r, http.StatusUnprocessableEntity, err, "")
	}
	if err != nil {
		return err
	}
	if k.Secret != "" {
		r.Form.Set("key_id", strconv.FormatInt(k.ID, 10))
		return s.showAdminChat(w, r, http.StatusOK, nil, k.Secret)
	}
	return redirect(w, r, withMsg("/agent/admin/chat", "updated"))
}

func (s *Server) adminChatDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Chat.DeleteKey(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/chat", "deleted"))
}

func (s *Server) adminChatSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st := s.settingsSvc()
	maxChats, err1 := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("max_chats")), 10, 64)
	wait, err2 := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("wait_seconds")), 10, 64)
	tokenDays, err3 := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("token_days")), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return s.showAdminChat(w, r, http.StatusUnprocessableEntity, desk.Invalid("chat", "enter whole numbers"), "")
	}
	for _, set := range []func() error{
		func() error { return settings.ChatMaxPerAgent.Set(ctx, st, maxChats) },
		func() error { return settings.ChatRouting.Set(ctx, st, r.PostFormValue("routing")) },
		func() error { return settings.ChatWaitSeconds.Set(ctx, st, wait) },
		func() error { return settings.ChatTokenDays.Set(ctx, st, tokenDays) },
	} {
		if err := set(); err != nil {
			if formError(err) {
				return s.showAdminChat(w, r, http.StatusUnprocessableEntity, err, "")
			}
			return err
		}
	}
	return redirect(w, r, withMsg("/agent/admin/chat", "settings"))
}
