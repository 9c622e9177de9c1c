package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/macros"
)

const chatOrigin = "https://shop.example.com"

// chatFixture makes a widget key for chatOrigin and a waiting chat from
// a visitor with a hostile name and question.
func chatFixture(t *testing.T, e *env, name, question string) (*chat.WidgetKey, *chat.Started) {
	t.Helper()
	kn, origins := "Shop", []string{chatOrigin}
	var key *chat.WidgetKey
	if keys, _ := e.app.Chat.Keys(e.sys); len(keys) > 0 {
		key = keys[0]
	} else {
		k, err := e.app.Chat.CreateKey(e.sys, chat.KeyInput{Name: &kn, Origins: &origins, GroupID: &e.group.ID})
		if err != nil {
			t.Fatal(err)
		}
		key = k.WidgetKey
	}
	k, err := e.app.Chat.KeyForOrigin(context.Background(), key.PublicKey, chatOrigin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.app.Chat.Start(context.Background(), k, chat.StartInput{Name: name, Email: "visitor@example.com", Question: question, Page: chatOrigin + "/cart"})
	if err != nil {
		t.Fatal(err)
	}
	return key, s
}

// TestChatConsoleForms walks the console with forms alone: the queue,
// accept, reply, note, end; and the admin page's key management.
func TestChatConsoleForms(t *testing.T) {
	e := newEnv(t, "")
	_, s := chatFixture(t, e, `<img src=x onerror=alert(1)>Eve`, `<script>alert("q")</script>`)
	conv := s.Conversation.ID
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if _, err := e.app.Assign.SetMine(as(e.agent), assign.Online); err != nil {
		t.Fatal(err)
	}
	r := ag.get("/agent/chat")
	if r.Status != 200 || !strings.Contains(r.Body, "&lt;script&gt;alert(&#34;q&#34;)&lt;/script&gt;") || strings.Contains(r.Body, "<img src=x") {
		t.Fatalf("console: %d, hostile text not escaped", r.Status)
	}
	// Another agent declines it: gone from their queue, still in this one's.
	other0 := e.client()
	other0.signIn("/agent/signin", e.agent2.Email)
	if r := other0.post(fmt.Sprintf("/agent/chat/%d/decline", conv), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("decline: %d %s", r.Status, r.Body)
	}
	if r := other0.get("/agent/chat/state"); strings.Contains(r.Body, "onerror") {
		t.Fatalf("the declined chat is still in the decliner's queue")
	}
	if r := ag.get("/agent/chat/state"); !strings.Contains(r.Body, "onerror") {
		t.Fatalf("the chat left the other agents' queue too")
	}
	if r := ag.post(fmt.Sprintf("/agent/chat/%d/accept", conv), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	path := fmt.Sprintf("/agent/chat?c=%d", conv)
	r = ag.get(path)
	if !strings.Contains(r.Body, `id="chat-reply"`) || !strings.Contains(r.Body, chatOrigin+"/cart") {
		t.Fatalf("chat page lacks the reply form or the visitor's page")
	}
	if r := ag.post(fmt.Sprintf("/agent/chat/%d/send", conv), url.Values{"text": {"Hello <b>Eve</b>"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send: %d", r.Status)
	}
	r = ag.post(fmt.Sprintf("/agent/chat/%d/send", conv), url.Values{"text": {"json"}}, "Accept", "application/json")
	if r.Status != 200 || !strings.Contains(r.Body, `"kind":"agent"`) {
		t.Fatalf("send (json): %d %s", r.Status, r.Body)
	}
	// A canned reply: a macro's comment, placeholders filled.
	mc, err := e.app.Macros.Create(e.sys, macros.Input{Title: ptr("Greeting"), Actions: []byte(`[{"field":"comment_value","value":"Hi {{ticket.requester.first_name}}, thanks for waiting"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if r := ag.get(path); !strings.Contains(r.Body, `id="chat-canned"`) {
		t.Fatal("no canned replies on the chat page")
	}
	if r := ag.post(fmt.Sprintf("/agent/chat/%d/canned", conv), url.Values{"macro_id": {id(mc.ID)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("canned: %d %s", r.Status, r.Body)
	}
	if r := ag.post(fmt.Sprintf("/agent/chat/%d/note", conv), url.Values{"text": {"internal"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("note: %d", r.Status)
	}
	v, err := e.app.Chat.Authenticate(context.Background(), s.Token, chatOrigin)
	if err != nil {
		t.Fatal(err)
	}
	view, _ := e.app.Chat.VisitorView(context.Background(), v, 0)
	if got := view.Messages[len(view.Messages)-1].Body; !strings.HasSuffix(got, "thanks for waiting") || strings.Contains(got, "{{") {
		t.Fatalf("visitor's last message %q", got)
	}
	// Another agent can neither reply nor end it; no CSRF token, no action.
	other := e.client()
	other.signIn("/agent/signin", e.agent2.Email)
	if r := other.post(fmt.Sprintf("/agent/chat/%d/send", conv), url.Values{"text": {"x"}}); r.Status != http.StatusForbidden {
		t.Fatalf("other agent's reply: %d", r.Status)
	}
	if r := ag.post(fmt.Sprintf("/agent/chat/%d/send", conv), url.Values{"text": {"x"}, "csrf_token": {"forged"}}); r.Status != http.StatusForbidden {
		t.Fatalf("forged CSRF: %d", r.Status)
	}
	// Customers get nothing of the console.
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	if r := cu.get("/agent/chat/state"); r.Status == 200 {
		t.Fatalf("customer read the console state")
	}
	if r := ag.post(fmt.Sprintf("/agent/chat/%d/end", conv), url.Values{"solve": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("end: %d %s", r.Status, r.Body)
	}
	tk, _ := e.app.Tickets.Get(e.sys, s.Conversation.TicketID)
	if tk.Status != desk.StatusSolved {
		t.Fatalf("ticket %s", tk.Status)
	}

	// Admin page: create a key with bad origins (refused), then a good one.
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ad.get("/agent/admin/chat")
	if r := ad.post("/agent/admin/chat", url.Values{"name": {"Blog"}, "origins": {"https://blog.example/path"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad origin: %d", r.Status)
	}
	r = ad.post("/agent/admin/chat", url.Values{"name": {"<b>Blog</b>"}, "origins": {"https://blog.example.com"}, "identity": {"new"}})
	if r.Status != 200 || !strings.Contains(r.Body, `id="chat-secret"`) || !strings.Contains(r.Body, "&lt;b&gt;Blog&lt;/b&gt;") {
		t.Fatalf("create key: %d", r.Status)
	}
	if r := ag.get("/agent/admin/chat"); r.Status != http.StatusForbidden {
		t.Fatalf("agent on the admin page: %d", r.Status)
	}
}
