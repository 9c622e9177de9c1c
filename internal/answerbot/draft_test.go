package answerbot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/botapi"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

const apiKey = "sk-test-5ecret-key-do-not-leak"

// model is a real HTTP server speaking the chat-completions API: it
// records each request and answers with reply (or runs handle).
type model struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	reply  string
	handle func(w http.ResponseWriter, r *http.Request)
}

type recorded struct {
	path, auth string
	body       []byte
}

func newModel(t *testing.T, reply string) *model {
	m := &model{reply: reply}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m.mu.Lock()
		m.reqs = append(m.reqs, recorded{path: r.URL.Path, auth: r.Header.Get("Authorization"), body: b})
		h, reply := m.handle, m.reply
		m.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "c1", "object": "chat.completion", "model": "m",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": reply}}}})
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *model) requests() []recorded {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]recorded(nil), m.reqs...)
}

func (m *model) set(h func(w http.ResponseWriter, r *http.Request)) {
	m.mu.Lock()
	m.handle = h
	m.mu.Unlock()
}

func newBox(t *testing.T) *secrets.Box {
	t.Helper()
	k, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := secrets.NewBox(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// drafting turns drafting on in mode against m, through the admin call.
func (f *fixture) drafting(t *testing.T, m *model, mode string, timeout int64) *bytes.Buffer {
	t.Helper()
	var logs bytes.Buffer
	f.bot.Box = newBox(t)
	f.bot.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	if err := f.bot.SetDraftSettings(f.admin, answerbot.DraftInput{Mode: mode, Endpoint: m.srv.URL + "/v1", Model: "tiny-model",
		APIKey: apiKey, TimeoutSeconds: timeout, MaxArticles: 3}); err != nil {
		t.Fatal(err)
	}
	return &logs
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// ask starts a chat as the signed-in user and asks about passwords.
func (f *fixture) ask(t *testing.T, q string) botapi.Reply {
	t.Helper()
	r := f.turn(t, botapi.Turn{ConversationID: 9, TicketID: 90, Locale: "en", VisitorUserID: f.user})
	return f.turn(t, botapi.Turn{ConversationID: 9, TicketID: 90, Locale: "en", VisitorUserID: f.user, Text: q, State: r.State})
}

// TestDraftForVisitors: mode visitors sends the fixed prompt, the
// question and the public article (never the one for signed-in users,
// although this visitor may read it) with the key as a bearer token, and
// the reply is the draft marked as automatic, with the articles and the
// usual buttons.
func TestDraftForVisitors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := newModel(t, "Open settings, then choose Reset password.")
		logs := f.drafting(t, m, settings.BotDraftVisitors, 5)
		r := f.ask(t, "how to reset password")
		if len(r.Articles) != 2 {
			t.Fatalf("articles: %+v", r.Articles)
		}
		reqs := m.requests()
		if len(reqs) != 1 || reqs[0].path != "/v1/chat/completions" || reqs[0].auth != "Bearer "+apiKey {
			t.Fatalf("requests: %+v", reqs)
		}
		var body struct {
			Model    string `json:"model"`
			Messages []struct{ Role, Content string }
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(reqs[0].body, &body); err != nil || json.Unmarshal(reqs[0].body, &keys) != nil {
			t.Fatal(err)
		}
		if len(keys) != 4 || keys["max_tokens"] == nil || string(keys["stream"]) != "false" {
			t.Errorf("request fields: %s", reqs[0].body)
		}
		if body.Model != "tiny-model" || len(body.Messages) != 2 || body.Messages[0].Role != "system" || body.Messages[1].Role != "user" ||
			!strings.Contains(body.Messages[0].Content, "help-center articles") {
			t.Fatalf("request: %s", reqs[0].body)
		}
		u := body.Messages[1].Content
		if !strings.Contains(u, "how to reset password") || !strings.Contains(u, "Open settings and reset the password.") ||
			!strings.Contains(u, "Reset your password <script>x</script>") {
			t.Errorf("the question or the public article is missing: %s", u)
		}
		if strings.Contains(string(reqs[0].body), "Members' password must be long") || strings.Contains(string(reqs[0].body), "Password rules for members") ||
			strings.Contains(string(reqs[0].body), "uma@example.com") || strings.Contains(string(reqs[0].body), "Uma") {
			t.Errorf("a restricted article or the visitor's identity was sent: %s", reqs[0].body)
		}
		if !r.Drafted || !strings.Contains(r.Text, "Open settings, then choose Reset password.") || !strings.Contains(r.Text, "Automatic answer") ||
			strings.Contains(r.Text, "These articles may answer") || r.AgentNote != "" {
			t.Fatalf("reply: %+v", r)
		}
		ids := buttonIDs(r)
		if len(ids) != 3 || !strings.HasPrefix(ids[0], "answered:") || ids[2] != answerbot.ButtonPerson {
			t.Fatalf("buttons: %v", ids)
		}
		if f.bot.Stats.OK.Load() != 1 || f.bot.Stats.Failed.Load() != 0 {
			t.Errorf("stats ok=%d failed=%d", f.bot.Stats.OK.Load(), f.bot.Stats.Failed.Load())
		}
		if strings.Contains(logs.String(), apiKey) {
			t.Error("the key was logged")
		}
		// The admin view never holds the key.
		d, err := f.bot.DraftSettings(f.admin)
		if err != nil || !d.KeySet || d.Mode != settings.BotDraftVisitors {
			t.Fatalf("settings: %+v %v", d, err)
		}
		if b, _ := json.Marshal(d); strings.Contains(string(b), apiKey) {
			t.Fatal("the key is in the admin view")
		}
		// An anonymous visitor's question sends only what anyone may read too.
		r = f.turn(t, botapi.Turn{Locale: "en", Text: "password"})
		if !r.Drafted {
			t.Fatalf("anonymous: %+v", r)
		}
		// Off: no request at all.
		if err := f.bot.SetDraftSettings(f.admin, answerbot.DraftInput{Mode: settings.BotDraftOff, TimeoutSeconds: 5, MaxArticles: 3}); err != nil {
			t.Fatal(err)
		}
		n := len(m.requests())
		if r := f.ask(t, "reset password"); r.Drafted || !strings.Contains(r.Text, "These articles may answer") {
			t.Fatalf("off: %+v", r)
		}
		if len(m.requests()) != n {
			t.Fatal("a request was sent with drafting off")
		}
		if on, _ := settings.BotDraftAPIKey.IsSet(f.sys, settings.Uncached(db, nil)); !on {
			t.Fatal("saving without a key removed the stored key")
		}
	})
}

// TestDraftForAgents: mode agents leaves the visitor's reply as it is and
// puts the draft, with the articles used, into AgentNote.
func TestDraftForAgents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := newModel(t, "Use the <b>Reset</b> link.")
		f.drafting(t, m, settings.BotDraftAgents, 5)
		r := f.ask(t, "reset password")
		if r.Drafted || strings.Contains(r.Text, "Reset</b> link") || !strings.Contains(r.Text, "These articles may answer") {
			t.Fatalf("the visitor sees the draft: %+v", r)
		}
		if !strings.Contains(r.AgentNote, "Answer bot draft") || !strings.Contains(r.AgentNote, "Use the <b>Reset</b> link.") ||
			!strings.Contains(r.AgentNote, "/hc/en/articles/") || strings.Contains(r.AgentNote, "Password rules for members") {
			t.Fatalf("agent note: %q", r.AgentNote)
		}
	})
}

// TestDraftFailuresFallBack: whatever goes wrong with the endpoint, the
// visitor gets the usual articles and buttons, and the failure is
// counted and logged (never with the key).
func TestDraftFailuresFallBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := newModel(t, "")
		logs := f.drafting(t, m, settings.BotDraftVisitors, 1)
		other := newModel(t, "stolen")
		cases := map[string]func(w http.ResponseWriter, r *http.Request){
			"500": func(w http.ResponseWriter, r *http.Request) { http.Error(w, `{"error":"down"}`, 500) },
			"401": func(w http.ResponseWriter, r *http.Request) { http.Error(w, `{"error":"bad key"}`, 401) },
			"malformed": func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"choices":[{"message":{"content":"half`))
			},
			"no choices": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"choices":[]}`)) },
			"null content": func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"choices":[{"message":{"role":"assistant","content":null}}]}`))
			},
			"empty answer": func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"choices":[{"message":{"content":"  \n "}}]}`))
			},
			"html page": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`<html>proxy error</html>`)) },
			"too long": func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"choices":[{"message":{"content":"` + strings.Repeat("a", 300<<10) + `"}}]}`))
			},
			"timeout": func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			"redirect elsewhere": func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.srv.URL+"/v1/chat/completions", http.StatusTemporaryRedirect)
			},
		}
		want := int64(0)
		for name, h := range cases {
			m.set(h)
			r := f.ask(t, "reset password")
			want++
			if r.Drafted || r.AgentNote != "" || !strings.Contains(r.Text, "These articles may answer") || len(r.Articles) != 2 ||
				buttonIDs(r)[len(r.Buttons)-1] != answerbot.ButtonPerson || r.Handover {
				t.Errorf("%s: no fallback: %+v", name, r)
			}
			if got := f.bot.Stats.Failed.Load(); got != want {
				t.Errorf("%s: %d failures counted, want %d", name, got, want)
			}
		}
		if n := len(other.requests()); n != 0 {
			t.Errorf("the redirect to another host was followed (%d requests)", n)
		}
		if f.bot.Stats.OK.Load() != 0 {
			t.Errorf("%d drafts counted as ok", f.bot.Stats.OK.Load())
		}
		if !strings.Contains(logs.String(), "drafting an answer failed") || strings.Contains(logs.String(), apiKey) {
			t.Errorf("logs: %s", logs.String())
		}
		// The model finding no answer is no failure: the usual reply.
		m.set(nil)
		m.mu.Lock()
		m.reply = "NO_ANSWER"
		m.mu.Unlock()
		if r := f.ask(t, "reset password"); r.Drafted || f.bot.Stats.NoAnswer.Load() != 1 || f.bot.Stats.Failed.Load() != want {
			t.Errorf("no answer: %+v", r)
		}
	})
}

// TestDraftSettingsValidation: bad values are refused per field, all or
// nothing, and only admins may change them.
func TestDraftSettingsValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.bot.Box = newBox(t)
		err := f.bot.SetDraftSettings(f.admin, answerbot.DraftInput{Mode: "always", Endpoint: "ftp://x", Model: "a\nb", TimeoutSeconds: 99, MaxArticles: 4})
		de, ok := err.(*desk.Error)
		if !ok || de.Code != desk.EINVALID {
			t.Fatalf("err = %v", err)
		}
		for _, k := range []string{"draft_mode", "draft_endpoint", "draft_model", "draft_timeout", "draft_articles"} {
			if len(de.Details[k]) == 0 {
				t.Errorf("%s not refused: %+v", k, de.Details)
			}
		}
		if err := f.bot.SetDraftSettings(f.admin, answerbot.DraftInput{Mode: settings.BotDraftAgents, TimeoutSeconds: 5, MaxArticles: 3}); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("agents without an endpoint: %v", err)
		}
		if d, _ := f.bot.DraftSettings(f.admin); d.Mode != settings.BotDraftOff || d.TimeoutSeconds != 8 || d.MaxArticles != 3 {
			t.Errorf("a refused save changed something: %+v", d)
		}
		agent := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 99, Role: desk.RoleAgent, Via: "web"})
		if err := f.bot.SetDraftSettings(agent, answerbot.DraftInput{Mode: settings.BotDraftOff, TimeoutSeconds: 5, MaxArticles: 3}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("an agent changed the settings: %v", err)
		}
		if _, err := f.bot.DraftSettings(agent); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("an agent read the settings: %v", err)
		}
	})
}

// TestEmailDraftForAgents: a new email ticket's acknowledgement queues a
// draft in mode agents; the job adds it as an internal note (plain text)
// through the ticket service; a failing endpoint leaves the ticket alone.
func TestEmailDraftForAgents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tickets := f.withTickets(t)
		m := newModel(t, "<img src=x onerror=alert(1)> Open settings.")
		f.drafting(t, m, settings.BotDraftAgents, 5)
		runner := jobs.NewRunner(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		runner.Handle(answerbot.JobEmailDraft, f.bot.HandleEmailDraft)
		up, err := people.PrincipalFor(f.sys, db, f.user)
		if err != nil {
			t.Fatal(err)
		}
		up.Via = "email"
		newTicket := func() int64 {
			tk, _, err := tickets.Create(desk.WithPrincipal(context.Background(), up), ticket.Input{Subject: ptr("Cannot reset password"),
				Comment: &ticket.CommentInput{Body: "How do I reset my password?"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.InTx(context.Background(), func(tx *store.Tx) error {
				ss, err := f.bot.EmailSuggestions(context.Background(), tx, "https://help.example.com", tk.ID, f.user, "en", "Cannot reset password\nHow do I reset my password?")
				if err == nil && len(ss) == 0 {
					t.Error("no suggestions")
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			for {
				ran, err := runner.RunOnce(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if !ran {
					break
				}
			}
			return tk.ID
		}
		comments := func(id int64) []*desk.Comment {
			cs, _, err := tickets.Comments(f.sys, id, 0, 100, false)
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		id := newTicket()
		cs := comments(id)
		if len(cs) != 2 || cs[1].Public || !strings.Contains(cs[1].Body, "Answer bot draft") || !strings.Contains(cs[1].Body, "Open settings.") {
			t.Fatalf("comments: %+v", cs)
		}
		if strings.Contains(cs[1].HTMLBody, "<img") || !strings.Contains(cs[1].HTMLBody, "&lt;img") {
			t.Errorf("the draft's HTML is live: %q", cs[1].HTMLBody)
		}
		if reqs := m.requests(); len(reqs) != 1 || strings.Contains(string(reqs[0].body), "Members' password") || strings.Contains(string(reqs[0].body), "uma@example.com") {
			t.Fatalf("requests: %d", len(reqs))
		}
		m.set(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 503) })
		id = newTicket()
		if cs := comments(id); len(cs) != 1 {
			t.Fatalf("a failed draft left %d comments", len(cs))
		}
		// Mode visitors does not draft for email (the acknowledgement is
		// sent in the ticket's commit; a draft would reach nobody).
		m.set(nil)
		n := len(m.requests())
		f.drafting(t, m, settings.BotDraftVisitors, 5)
		id = newTicket()
		if cs := comments(id); len(cs) != 1 || len(m.requests()) != n {
			t.Fatalf("mode visitors drafted for email: %d comments", len(cs))
		}
	})
}
