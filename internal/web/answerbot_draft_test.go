package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/settings"
)

const draftKey = "sk-web-5ecret-9f8e7d6c5b4a"

const hostileAnswer = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> Open settings and press Reset.`

// draftModel is a real HTTP server speaking the chat-completions API.
func draftModel(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": hostileAnswer}}}})
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), auths...) }
}

// publicArticle adds an article anyone may read.
func (e *env) publicArticle(title, body string) {
	e.t.Helper()
	adm := as(e.admin)
	cat, err := e.app.HelpCenter.CreateCategory(adm, helpcenter.GroupInput{Locale: "en", Name: ptr("Accounts")})
	if err != nil {
		e.t.Fatal(err)
	}
	sec, err := e.app.HelpCenter.CreateSection(adm, helpcenter.GroupInput{Locale: "en", Name: ptr("Passwords"), CategoryID: &cat.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	vis := helpcenter.VisEveryone
	if _, err := e.app.HelpCenter.CreateArticle(adm, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: &title, Body: &body, Visibility: &vis}); err != nil {
		e.t.Fatal(err)
	}
}

// TestAdminAnswerBotDraft: an admin configures drafted answers on the
// answer bot page; the key is sealed and never comes back in any page or
// API response (the page, the audit log page, the audit API and its
// export); bad values get a 422 with the typed values kept (never the
// key); agents are refused. In mode agents a chat's draft is an internal
// note on its ticket, escaped on the ticket page.
func TestAdminAnswerBotDraft(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) { adminAnswerBotDraft(t, u) })
	}
}

func adminAnswerBotDraft(t *testing.T, dbURL string) {
	e := newEnv(t, dbURL)
	srv, auths := draftModel(t)
	e.publicArticle("Reset your password", "Open settings and reset the password.")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	after := func(r resp) resp {
		t.Helper()
		if r.Status != 303 {
			return r
		}
		return ad.get(r.Header.Get("Location"))
	}
	r := ad.get("/agent/admin/answer-bot")
	if r.Status != 200 || !strings.Contains(r.Body, `id="bot-draft-mode-off" value="off" checked`) || !strings.Contains(r.Body, "No key is stored") {
		t.Fatalf("page: %d", r.Status)
	}
	bad := url.Values{"draft_mode": {"agents"}, "draft_endpoint": {"ftp://llm.example"}, "draft_model": {"typed-model"},
		"draft_api_key": {draftKey}, "draft_timeout": {"5"}, "draft_articles": {"2"}}
	if r := ad.post("/agent/admin/answer-bot/draft", bad); r.Status != 422 || !strings.Contains(r.Body, "typed-model") ||
		!strings.Contains(r.Body, "must be an http or https URL") || strings.Contains(r.Body, draftKey) {
		t.Fatalf("bad endpoint: %d %s", r.Status, r.Body)
	}
	good := url.Values{"draft_mode": {"agents"}, "draft_endpoint": {srv.URL + "/v1"}, "draft_model": {"tiny"},
		"draft_api_key": {draftKey}, "draft_timeout": {"5"}, "draft_articles": {"2"}}
	r = after(ad.post("/agent/admin/answer-bot/draft", good))
	if r.Status != 200 || !strings.Contains(r.Body, "A key is stored") || !strings.Contains(r.Body, `id="bot-draft-mode-agents" value="agents" checked`) ||
		!strings.Contains(r.Body, `id="bot-draft-clear"`) {
		t.Fatalf("saved: %d", r.Status)
	}
	if mode, _ := settings.BotDraftMode.Get(e.sys, e.app.Settings); mode != settings.BotDraftAgents {
		t.Fatalf("mode %q", mode)
	}
	// Saving again with the key field empty keeps the key.
	good.Set("draft_api_key", "")
	if r := after(ad.post("/agent/admin/answer-bot/draft", good)); r.Status != 200 || !strings.Contains(r.Body, "A key is stored") {
		t.Fatalf("resave: %d", r.Status)
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if r := ag.post("/agent/admin/answer-bot/draft", url.Values{"draft_mode": {"off"}, "draft_timeout": {"5"}, "draft_articles": {"3"}}); r.Status != 403 {
		t.Fatalf("agent: %d", r.Status)
	}

	// A chat in mode agents: the draft is an internal note, escaped.
	if _, err := e.app.Assign.SetMine(as(e.agent), assign.Online); err != nil {
		t.Fatal(err)
	}
	_, s := chatFixture(t, e, "Vera", "how do I reset my password")
	if got := auths(); len(got) != 1 || got[0] != "Bearer "+draftKey {
		t.Fatalf("requests to the endpoint: %v", got)
	}
	if s.Conversation.State != chat.StateBot {
		t.Fatalf("state %s", s.Conversation.State)
	}
	tp := ad.get(fmt.Sprintf("/agent/tickets/%d", s.Conversation.TicketID))
	if tp.Status != 200 || !strings.Contains(tp.Body, "Answer bot draft") || !strings.Contains(tp.Body, "&lt;script&gt;window.__xss=1&lt;/script&gt;") ||
		strings.Contains(tp.Body, "<script>window.__xss") || strings.Contains(tp.Body, "<img src=x") {
		t.Fatalf("ticket page: %d, the draft is missing or not escaped", tp.Status)
	}

	// The key is in no page and no API response.
	tok, err := e.app.People.CreateToken(as(e.admin), 0, "audit")
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{}
	for _, p := range []string{"/agent/admin/answer-bot", "/agent/admin/audit", fmt.Sprintf("/agent/tickets/%d", s.Conversation.TicketID), "/agent/chat"} {
		bodies[p] = ad.get(p).Body
	}
	for _, p := range []string{"/api/v2/audit_logs", "/api/v2/audit_logs/export?format=json", fmt.Sprintf("/api/v2/tickets/%d/comments", s.Conversation.TicketID)} {
		req, _ := http.NewRequest("GET", e.base+p, nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, res.StatusCode, b)
		}
		bodies[p] = string(b)
	}
	for p, b := range bodies {
		if strings.Contains(b, draftKey) {
			t.Errorf("%s shows the API key", p)
		}
	}
	if !strings.Contains(bodies["/api/v2/audit_logs"], settings.KeyBotDraftAPIKey) || !strings.Contains(bodies["/api/v2/audit_logs"], "[secret]") {
		t.Errorf("the key's change is not audited as a masked secret")
	}

	// Removing the key.
	good.Set("draft_clear_key", "1")
	if r := after(ad.post("/agent/admin/answer-bot/draft", good)); r.Status != 200 || !strings.Contains(r.Body, "No key is stored") {
		t.Fatalf("clear: %d", r.Status)
	}
}

// TestBrowserChatDraftedAnswer: in mode visitors the widget shows the
// draft labelled "Automatic answer", its hostile HTML as text, with the
// article and the buttons, and passes the accessibility check.
func TestBrowserChatDraftedAnswer(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	srv, _ := draftModel(t)
	e.publicArticle("Reset your password", "Open settings and reset the password.")
	bot := e.app.AnswerBot
	if err := bot.SetDraftSettings(as(e.admin), answerDraft(srv.URL)); err != nil {
		t.Fatal(err)
	}
	var key string
	site := shopSite(t, e.base, &key)
	key = e.shopKey(site, chat.KeyInput{})
	// An agent is online, so the widget offers a chat (not a message).
	if _, err := e.app.Assign.SetMine(as(e.agent), assign.Online); err != nil {
		t.Fatal(err)
	}
	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	vi := b.tab("visitor")
	vi.openWidget(site.URL + "/")
	vi.submitForm("Vera", "vera@example.com", "How do I reset my password?")
	vi.waitWidget("Open settings and press Reset.")
	if got := vi.eval(w(`return R.querySelector(".m.bot.drafted .dl").textContent;`)); got != "Automatic answer" {
		t.Fatalf("label %q", got)
	}
	if got := vi.eval(w(`return String(R.querySelectorAll(".m.bot.drafted script, .m.bot.drafted img").length);`)); got != "0" {
		t.Fatalf("the draft's HTML became elements: %s", got)
	}
	vi.waitWidget("Reset your password")
	vi.waitWidget("Talk to a person")
	vi.widgetAccessible("the drafted answer")
	vi.noScriptRan("the widget")
}

func answerDraft(base string) answerbot.DraftInput {
	return answerbot.DraftInput{Mode: settings.BotDraftVisitors, Endpoint: base, Model: "tiny", APIKey: draftKey, TimeoutSeconds: 5, MaxArticles: 3}
}
