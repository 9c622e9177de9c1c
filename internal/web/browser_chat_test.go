package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/chat"
)

// widgetA11yCheck is a11yCheck run over the widget's shadow root: labels,
// names, ids, tab order and contrast of everything the widget renders.
var widgetA11yCheck = strings.NewReplacer(
	`if (!document.documentElement.lang) p.push("no lang on <html>");`, `const R = document.querySelector("[data-frontdesk-chat]").shadowRoot;`,
	`if (!document.title.trim()) p.push("no title");`, ``,
	`if (document.querySelectorAll("main").length !== 1) p.push("main landmarks: " + document.querySelectorAll("main").length);`, ``,
	`if (document.querySelectorAll("h1").length !== 1) p.push("h1 headings: " + document.querySelectorAll("h1").length);`, ``,
	`document.querySelectorAll("body *")`, `R.querySelectorAll("*")`,
	`document.querySelectorAll(`, `R.querySelectorAll(`,
	`document.getElementById(`, `R.getElementById(`,
).Replace(a11yCheck)

// w runs JavaScript against the widget's shadow root (as R).
func w(js string) string {
	return `(() => { const R = document.querySelector("[data-frontdesk-chat]").shadowRoot; ` + js + ` })()`
}

func (tb *tab) widgetText() string { return tb.eval(w(`return R.querySelector(".p").innerText;`)) }

func (tb *tab) waitWidget(want string) {
	tb.b.t.Helper()
	tb.waitJS(w(fmt.Sprintf(`return !!R && R.querySelector(".p") && R.querySelector(".p").innerText.includes(%q);`, want)), "widget text "+want)
}

func (tb *tab) widgetAccessible(where string) {
	tb.b.t.Helper()
	var problems []string
	if err := json.Unmarshal([]byte(tb.eval(widgetA11yCheck)), &problems); err != nil {
		tb.b.t.Fatal(err)
	}
	for _, p := range problems {
		tb.b.t.Errorf("%s: %s", where, p)
	}
}

// TestBrowserChatWidget: the widget, on a page served from another origin
// than the help desk, starts a chat; an agent in /agent/chat sees it
// arrive, accepts it, and they talk both ways with typing indicators; the
// visitor's page reloads mid-chat and the conversation resumes. Hostile
// names and messages run no script in the console or the widget; both
// pass the accessibility check.
func TestBrowserChatWidget(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	hostile := xssCorpus[1]
	// The host site: another origin.
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
	ag.accessible("the chat console (empty)")

	vi := b.tab("visitor")
	vi.openWidget(site.URL + "/")
	vi.widgetAccessible("the pre-chat form")
	vi.submitForm("Vera "+hostile, "vera@example.com", "Where is my order? "+xssCorpus[0])
	vi.waitWidget("Waiting for an agent")

	// The queue fills live; the agent accepts.
	ag.waitText("Where is my order?")
	ag.clickNow(`#chat-queue form button`)
	ag.waitURL(`location.search.includes("c=")`, "the chat page")
	ag.waitText("Where is my order?")
	vi.waitWidget("Alan Agent joined the chat.")

	// Agent → visitor, with typing.
	ag.do(chromedp.SendKeys(chromedp.CSS(`#chat-text`), "Hello Vera, "))
	vi.waitWidget("Agent is typing")
	ag.do(chromedp.SendKeys(chromedp.CSS(`#chat-text`), "it ships today "+xssCorpus[2]+"\n"))
	vi.waitWidget("it ships today")

	// Visitor → agent, with typing.
	vi.eval(w(`const t = R.querySelector("#fdc-text"); t.value = "Thank"; t.dispatchEvent(new Event("input")); return "";`))
	ag.waitText("The visitor is typing")
	vi.eval(w(`const t = R.querySelector("#fdc-text"); t.value = "Thanks! " + ` + fmt.Sprintf("%q", xssCorpus[4]) + `; R.querySelector("form.c button").click(); return "";`))
	ag.waitText("Thanks!")
	vi.waitJS(w(`return [...R.querySelectorAll(".m.visitor")].some(m => m.innerText.includes("Thanks!") && !m.hasAttribute("data-pending"));`), "the message delivered")
	vi.widgetAccessible("the chat")
	ag.accessible("the chat console with a chat")

	// A file through the widget, under the attachment rules: the agent
	// sees it arrive.
	file := filepath.Join(t.TempDir(), "receipt.txt")
	if err := os.WriteFile(file, []byte("order 42"), 0o600); err != nil {
		t.Fatal(err)
	}
	vi.do(chromedp.SetUploadFiles(chromedp.JSPath(`document.querySelector("[data-frontdesk-chat]").shadowRoot.querySelector("#fdc-file")`), []string{file}))
	ag.waitText("receipt.txt")

	// The visitor's page reloads: the chat resumes with its history, once.
	vi.open(site.URL + "/")
	vi.waitWidget("it ships today")
	if n := vi.eval(w(`return String([...R.querySelectorAll(".m.visitor")].filter(m => m.innerText.includes("Thanks!")).length);`)); n != "1" {
		t.Fatalf("after the reload the visitor's message shows %s times", n)
	}
	vi.eval(w(`const t = R.querySelector("#fdc-text"); t.value = "Back again"; R.querySelector("form.c button").click(); return "";`))
	ag.waitText("Back again")

	// The whole XSS corpus: as the agent's messages in the widget, and as
	// waiting visitors' names and questions in the console's live queue.
	conv := int64(0)
	if c, err := e.app.Chat.Console(as(e.agent)); err == nil && len(c.Mine) == 1 {
		conv = c.Mine[0].ID
	}
	for _, payload := range xssCorpus {
		if _, err := e.app.Chat.AgentSend(as(e.agent), conv, payload); err != nil {
			t.Fatal(err)
		}
	}
	vi.waitJS(w(fmt.Sprintf(`return [...R.querySelectorAll(".m.agent")].some(m => m.innerText.includes(%q));`, xssCorpus[len(xssCorpus)-1])), "the corpus in the widget")
	ag.open(e.base + "/agent/chat")
	ag.waitText("Waiting chats")
	siteKey, err := e.app.Chat.KeyForOrigin(e.sys, key, site.URL)
	if err != nil {
		t.Fatal(err)
	}
	for i, payload := range xssCorpus[:8] {
		if _, err := e.app.Chat.Start(e.sys, siteKey, chat.StartInput{Name: payload, Email: fmt.Sprintf("x%d@example.com", i), Question: fmt.Sprintf("corpus %d %s", i, payload)}); err != nil {
			t.Fatal(err)
		}
	}
	ag.waitText("corpus 7")

	// Both sides ran none of the hostile text.
	vi.noScriptRan("the widget")
	ag.noScriptRan("the chat console")
	if strings.Contains(ag.eval(`document.querySelector("main").innerHTML`), "<img") || vi.eval(w(`return String(R.querySelectorAll("img,script,svg,iframe,object").length);`)) != "0" {
		t.Fatal("the console rendered a hostile tag")
	}

	// The chat is a ticket via chat with the whole conversation on it.
	c, err := e.app.Chat.Console(as(e.agent))
	if err != nil || len(c.Mine) != 1 {
		t.Fatalf("console: %+v %v", c, err)
	}
	comments, _, err := e.app.Tickets.Comments(e.sys, c.Mine[0].TicketID, 0, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, cm := range comments {
		bodies = append(bodies, cm.PlainBody)
	}
	all := strings.Join(bodies, "|")
	for _, want := range []string{"Where is my order?", "it ships today", "Thanks!", "Back again"} {
		if !strings.Contains(all, want) {
			t.Errorf("ticket comments lack %q: %s", want, all)
		}
	}

	// A Polish page gets the widget in Polish, as accessible.
	pl := b.tab("polish visitor")
	pl.open(site.URL + "/?lang=pl")
	pl.waitJS(w(`return !!R.querySelector(".l") && R.querySelector(".l").textContent === "Porozmawiaj z nami";`), "the Polish launcher")
	pl.eval(w(`R.querySelector(".l").click(); return "";`))
	pl.waitWidget("W czym możemy pomóc?")
	pl.widgetAccessible("the Polish pre-chat form")
}
