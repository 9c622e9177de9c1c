package chat_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

const hostileDraft = `<script>alert(1)</script><img src=x onerror=alert(2)> Use the Reset link in settings.`

// TestBotDrafts runs the real answer bot in the chat against a real HTTP
// server speaking the chat-completions API: mode visitors shows the
// draft to the visitor, flagged as automatic, with the articles and
// buttons; mode agents keeps it off the visitor's screen and puts it on
// the ticket as an internal note; hostile HTML stays text; a failing
// endpoint leaves the usual reply and the chat with the bot.
func TestBotDrafts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		var fail atomic.Bool
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if fail.Load() {
				http.Error(w, "overloaded", http.StatusServiceUnavailable)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": hostileDraft}}}})
		}))
		defer srv.Close()
		hc := helpcenter.New(db)
		adm := as(f.admin)
		cat, err := hc.CreateCategory(adm, helpcenter.GroupInput{Locale: "en", Name: ptr("Accounts")})
		if err != nil {
			t.Fatal(err)
		}
		sec, err := hc.CreateSection(adm, helpcenter.GroupInput{Locale: "en", Name: ptr("Passwords"), CategoryID: &cat.ID})
		if err != nil {
			t.Fatal(err)
		}
		vis := helpcenter.VisEveryone
		if _, err := hc.CreateArticle(adm, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: ptr("Reset your password"),
			Body: ptr("Open settings and reset the password."), Visibility: &vis}); err != nil {
			t.Fatal(err)
		}
		box, err := secrets.NewBox(make([]byte, secrets.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		bot := answerbot.New(db, hc, f.tickets, f.st)
		bot.Box = box
		f.svc.Bot = bot
		configure := func(mode string) {
			t.Helper()
			if err := bot.SetDraftSettings(adm, answerbot.DraftInput{Mode: mode, Endpoint: srv.URL, Model: "m", APIKey: "sk-chat-key",
				TimeoutSeconds: 5, MaxArticles: 3}); err != nil {
				t.Fatal(err)
			}
		}
		lastBot := func(s *chat.Started) *chat.Message {
			t.Helper()
			view, err := f.svc.VisitorView(ctx, f.visitor(s.Token), 0)
			if err != nil {
				t.Fatal(err)
			}
			if view.Conversation.State != chat.StateBot {
				t.Fatalf("state %s", view.Conversation.State)
			}
			for i := len(view.Messages) - 1; i >= 0; i-- {
				if view.Messages[i].Kind == chat.KindBot {
					return view.Messages[i]
				}
			}
			t.Fatal("no bot message")
			return nil
		}
		notes := func(s *chat.Started) []*desk.Comment {
			t.Helper()
			cs, _, err := f.tickets.Comments(f.sys, s.Conversation.TicketID, 0, 100, false)
			if err != nil {
				t.Fatal(err)
			}
			var out []*desk.Comment
			for _, c := range cs {
				if !c.Public {
					out = append(out, c)
				}
			}
			return out
		}

		configure(settings.BotDraftVisitors)
		s := f.start("Vera", "vera@example.com", "reset password")
		m := lastBot(s)
		if m.Data == nil || !m.Data.Drafted || !strings.Contains(m.Body, hostileDraft) || !strings.Contains(m.Body, "Odpowiedź automatyczna") ||
			len(m.Data.Articles) != 1 || len(m.Data.Buttons) != 2 || m.Data.Buttons[1].ID != answerbot.ButtonPerson {
			t.Fatalf("visitors: %+v %+v", m, m.Data)
		}
		for _, c := range notes(s) {
			if strings.Contains(c.HTMLBody, "<script>") || strings.Contains(c.HTMLBody, "<img") {
				t.Fatalf("live HTML in a note: %q", c.HTMLBody)
			}
			if strings.Contains(c.Body, "Answer bot draft") {
				t.Fatal("an agent draft in mode visitors")
			}
		}

		configure(settings.BotDraftAgents)
		s = f.start("Adam", "adam@example.com", "reset password")
		m = lastBot(s)
		if m.Data.Drafted || strings.Contains(m.Body, "Reset link") || len(m.Data.Articles) != 1 {
			t.Fatalf("agents: the visitor sees the draft: %+v", m)
		}
		var draft *desk.Comment
		for _, c := range notes(s) {
			if strings.Contains(c.Body, "Answer bot draft") {
				draft = c
			}
		}
		if draft == nil || !strings.Contains(draft.Body, hostileDraft) || strings.Contains(draft.HTMLBody, "<script>") ||
			strings.Contains(draft.HTMLBody, "<img") || !strings.Contains(draft.HTMLBody, "&lt;script&gt;") {
			t.Fatalf("agent note: %+v", draft)
		}

		fail.Store(true)
		configure(settings.BotDraftVisitors)
		s = f.start("Olga", "olga@example.com", "reset password")
		m = lastBot(s)
		if m.Data.Drafted || !strings.Contains(m.Body, "Te artykuły mogą odpowiedzieć") || len(m.Data.Articles) != 1 || len(m.Data.Buttons) != 2 {
			t.Fatalf("failure: %+v", m)
		}
		if bot.Stats.Failed.Load() != 1 || bot.Stats.OK.Load() != 2 {
			t.Fatalf("stats ok=%d failed=%d", bot.Stats.OK.Load(), bot.Stats.Failed.Load())
		}
	})
}
