package web_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/botapi"
	"github.com/frontdesk/frontdesk/internal/chat"
)

// articleBot offers one article with two buttons, and hands over on
// "person".
type articleBot struct{}

func (articleBot) Turn(_ context.Context, t botapi.Turn) (botapi.Reply, error) {
	if t.ButtonID == "person" {
		return botapi.Reply{Text: "Connecting you to a person.", Handover: true}, nil
	}
	return botapi.Reply{Text: "This article may help:",
		Articles: []botapi.Article{{ID: 7, Title: "Returning an order", URL: "/hc/en/articles/7-returning-an-order"}},
		Buttons:  []botapi.Button{{ID: "yes", Label: "That answered it"}, {ID: "person", Label: "Talk to a person"}}}, nil
}

// TestBrowserChatBotHandover: with an answer bot configured, the widget
// shows its article and buttons; "Talk to a person" puts the chat in the
// agents' queue, and the agent who opens it sees the bot's part of the
// transcript.
func TestBrowserChatBotHandover(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	e.app.Chat.Bot = articleBot{}
	defer func() { e.app.Chat.Bot = nil }()
	var key string
	site := shopSite(t, e.base, &key)
	key = e.shopKey(site, chat.KeyInput{})
	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	if _, err := e.app.Assign.SetMine(as(e.agent), assign.Online); err != nil {
		t.Fatal(err)
	}
	ag.open(e.base + "/agent/chat")
	ag.waitText("Waiting chats")

	vi := b.tab("visitor")
	vi.openWidget(site.URL + "/")
	vi.submitForm("Vera", "vera@example.com", "How do I return my order?")
	vi.waitWidget("Returning an order")
	if href := vi.eval(w(`return R.querySelector(".ar a").href;`)); href != e.base+"/hc/en/articles/7-returning-an-order" {
		t.Fatalf("article link %q", href)
	}
	vi.widgetAccessible("the bot's reply")
	vi.eval(w(`[...R.querySelectorAll(".bt button")].find(b => b.textContent === "Talk to a person").click(); return "";`))
	vi.waitWidget("Waiting for an agent")

	ag.waitText("How do I return my order?")
	ag.clickNow(`#chat-queue form button`)
	ag.waitURL(`location.search.includes("c=")`, "the chat page")
	ag.waitText("This article may help:")
	ag.waitText("Returning an order")
	vi.waitWidget("Alan Agent joined the chat.")
	ag.noScriptRan("the console")
	vi.noScriptRan("the widget")
}
