package chat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/botapi"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

const origin = "https://shop.example.com"

type fixture struct {
	t       *testing.T
	db      *store.DB
	bus     *events.Bus
	ppl     *people.Service
	tickets *ticket.Service
	st      *settings.Service
	av      *assign.Service
	svc     *chat.Service
	sys     context.Context
	admin   *desk.Principal
	group   int64
	key     *chat.WidgetKey
	seq     int
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{t: t, db: db, bus: bus, ppl: people.New(db, bus), tickets: ticket.New(db, bus, blobs), sys: desk.SystemContext(context.Background())}
	f.st = settings.New(db, bus)
	f.av = assign.New(db, f.tickets, f.st)
	f.svc = chat.New(db, f.tickets, bus, box, f.st)
	f.admin = f.user("Ada Admin", desk.RoleAdmin)
	name := "Support"
	g, err := f.ppl.CreateGroup(f.sys, people.GroupInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	f.group = g.ID
	kn, origins := "Shop", []string{origin, "https://*.example.org"}
	k, err := f.svc.CreateKey(as(f.admin), chat.KeyInput{Name: &kn, Origins: &origins, GroupID: &f.group})
	if err != nil {
		t.Fatal(err)
	}
	f.key = k.WidgetKey
	return f
}

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }

func (f *fixture) user(name string, role desk.Role) *desk.Principal {
	f.t.Helper()
	f.seq++
	email := fmt.Sprintf("u%d@desk.test", f.seq)
	u, err := f.ppl.CreateUser(f.sys, people.UserInput{Name: &name, Email: &email, Role: &role})
	if err != nil {
		f.t.Fatal(err)
	}
	return &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "web"}
}

// agent is an online member of the fixture's group with a live session.
func (f *fixture) agent(name string) *desk.Principal {
	f.t.Helper()
	return f.onlineIn(name, f.group)
}

func (f *fixture) start(name, email, question string) *chat.Started {
	f.t.Helper()
	k, err := f.svc.KeyForOrigin(context.Background(), f.key.PublicKey, origin)
	if err != nil {
		f.t.Fatal(err)
	}
	s, err := f.svc.Start(context.Background(), k, chat.StartInput{Name: name, Email: email, Question: question, Page: "https://shop.example.com/cart", Locale: "pl-PL"})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) visitor(tok string) *chat.Visitor {
	f.t.Helper()
	v, err := f.svc.Authenticate(context.Background(), tok, origin)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func code(err error) string { return desk.ErrorCode(err) }

func TestKeysAndOrigins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for _, o := range []string{origin, "https://shop.example.com:443", "https://a.example.org", "https://b.c.example.org"} {
			if _, err := f.svc.KeyForOrigin(ctx, f.key.PublicKey, o); err != nil {
				t.Errorf("origin %s refused: %v", o, err)
			}
		}
		for _, o := range []string{"", "null", "http://shop.example.com", "https://evil.com", "https://shop.example.com.evil.com",
			"https://example.org", "https://evilexample.org", "https://shop.example.com:8443", "javascript:alert(1)"} {
			if _, err := f.svc.KeyForOrigin(ctx, f.key.PublicKey, o); code(err) != desk.EFORBIDDEN {
				t.Errorf("origin %q: got %v, want forbidden", o, err)
			}
		}
		for _, k := range []string{"", "wk_forged", f.key.PublicKey + "x", strings.Repeat("k", 500), "' OR 1=1 --"} {
			if _, err := f.svc.KeyForOrigin(ctx, k, origin); code(err) != desk.EFORBIDDEN {
				t.Errorf("key %q: got %v, want forbidden", k, err)
			}
		}
		off := false
		if _, err := f.svc.UpdateKey(as(f.admin), f.key.ID, chat.KeyInput{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin); code(err) != desk.EFORBIDDEN {
			t.Errorf("disabled key: %v", err)
		}
		// Bad origins and names are refused when saved; only admins manage keys.
		bad := []string{"https://ok.example", "https://x.example/path", "ftp://x.example", "https://user@x.example"}
		if _, err := f.svc.UpdateKey(as(f.admin), f.key.ID, chat.KeyInput{Origins: &bad}); code(err) != desk.EINVALID {
			t.Errorf("bad origins: %v", err)
		}
		agent := f.agent("Alice")
		if _, err := f.svc.Keys(as(agent)); code(err) != desk.EFORBIDDEN {
			t.Errorf("agent listed keys: %v", err)
		}
		blank := "  "
		if _, err := f.svc.CreateKey(as(f.admin), chat.KeyInput{Name: &blank}); code(err) != desk.EINVALID {
			t.Errorf("blank name: %v", err)
		}
	})
}

func TestStartTokenAndIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.start("Vera Visitor", "vera@example.com", "Where is my order?")
		b := f.start("Bob Other", "bob@example.com", "Secret question of Bob")
		if a.Conversation.State != chat.StateWaiting || a.Conversation.Locale != "pl" {
			t.Fatalf("conversation: %+v", a.Conversation)
		}
		tk, err := f.tickets.Get(f.sys, a.Conversation.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Via.Channel != "chat" || tk.Description != "Where is my order?" || tk.GroupID == nil || *tk.GroupID != f.group {
			t.Fatalf("ticket: via %q, description %q, group %v", tk.Via.Channel, tk.Description, tk.GroupID)
		}
		va := f.visitor(a.Token)
		view, err := f.svc.VisitorView(ctx, va, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(view.Messages) != 1 || view.Messages[0].Body != "Where is my order?" {
			t.Fatalf("messages: %+v", view.Messages)
		}
		// Forged tokens: another conversation's id under a's MAC, a's
		// conversation with b's nonce, a flipped MAC, junk.
		pa, pb := strings.Split(a.Token, "."), strings.Split(b.Token, ".")
		forged := []string{
			strings.Join([]string{pa[0], pb[1], pa[2], pa[3]}, "."),
			strings.Join([]string{pa[0], pa[1], pb[2], pa[3]}, "."),
			strings.Join([]string{pa[0], pa[1], pa[2], pb[3]}, "."),
			a.Token[:len(a.Token)-2] + "AA",
			"", "c1.1.x.y", "c1.-1.a.b", strings.Repeat("x", 5000), "c2." + strings.Join(pa[1:], "."),
		}
		for _, tok := range forged {
			if _, err := f.svc.Authenticate(ctx, tok, origin); code(err) != desk.EUNAUTHORIZED {
				t.Errorf("forged token %.40q: got %v", tok, err)
			}
		}
		// The right token from a page of another origin.
		if _, err := f.svc.Authenticate(ctx, a.Token, "https://evil.example.net"); code(err) != desk.EFORBIDDEN {
			t.Errorf("foreign origin: %v", err)
		}
		// A token of another help desk (another instance key).
		box2, _ := secrets.NewBox(bytes.Repeat([]byte{8}, secrets.KeySize))
		other := chat.New(db, f.tickets, f.bus, box2, f.st)
		if _, err := other.Authenticate(ctx, a.Token, origin); code(err) != desk.EUNAUTHORIZED {
			t.Errorf("token checked under another key: %v", err)
		}
		// Visitor b never sees a's messages.
		vb := f.visitor(b.Token)
		vbView, err := f.svc.VisitorView(ctx, vb, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range vbView.Messages {
			if strings.Contains(m.Body, "order") {
				t.Fatalf("b sees a's message %q", m.Body)
			}
		}
	})
}

func TestReplayedClientIDStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		s := f.start("Vera", "vera@example.com", "Hello")
		v := f.visitor(s.Token)
		var wg sync.WaitGroup
		ids := make([]int64, 6)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, err := f.svc.VisitorSend(ctx, v, "c-42", "sent while offline")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = m.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("replays got different ids: %v", ids)
			}
		}
		view, _ := f.svc.VisitorView(ctx, v, 0)
		if len(view.Messages) != 2 {
			t.Fatalf("%d messages, want 2: %+v", len(view.Messages), view.Messages)
		}
		comments, _, err := f.tickets.Comments(f.sys, s.Conversation.TicketID, 0, 100, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(comments) != 2 || comments[1].PlainBody != "sent while offline" || !comments[1].Public {
			t.Fatalf("comments: %d", len(comments))
		}
	})
}

func TestLimitsAndHostileInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		k, _ := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin)
		bad := []chat.StartInput{
			{Name: "", Email: "a@example.com", Question: "q"},
			{Name: "A", Email: "", Question: "q"},
			{Name: "A", Email: "not-an-email", Question: "q"},
			{Name: "A", Email: "a@example.com", Question: "   "},
			{Name: "A", Email: "a@example.com", Question: strings.Repeat("x", chat.MaxText+1)},
			{Name: "A", Email: "a@example.com", Question: "q", ClientID: "bad id!"},
		}
		for i, in := range bad {
			if _, err := f.svc.Start(ctx, k, in); code(err) != desk.EINVALID && code(err) != desk.ETOOLARGE {
				t.Errorf("bad start %d: %v", i, err)
			}
		}
		hostile := `<img src=x onerror=alert(1)><script>alert(2)</script>`
		s, err := f.svc.Start(ctx, k, chat.StartInput{Name: "<b>Eve</b>\x00\u202e", Email: "eve@example.com", Question: hostile})
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(s.Conversation.VisitorName, "\x00\u202e") && strings.Contains(s.Conversation.VisitorName, "\x00") {
			t.Errorf("control characters kept in the name %q", s.Conversation.VisitorName)
		}
		v := f.visitor(s.Token)
		if _, err := f.svc.VisitorSend(ctx, v, "", strings.Repeat("é", chat.MaxText)); code(err) != desk.ETOOLARGE {
			t.Errorf("oversize message: %v", err)
		}
		if _, err := f.svc.VisitorSend(ctx, v, strings.Repeat("a", 65), "x"); code(err) != desk.EINVALID {
			t.Errorf("oversize client id: %v", err)
		}
		// Stored as text; the ticket's HTML of it is escaped.
		comments, _, err := f.tickets.Comments(f.sys, s.Conversation.TicketID, 0, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(comments[0].HTMLBody, "<script") || strings.Contains(comments[0].HTMLBody, "<img") {
			t.Fatalf("hostile HTML reached the comment's HTML: %s", comments[0].HTMLBody)
		}
		view, _ := f.svc.VisitorView(ctx, v, 0)
		if view.Messages[0].Body != hostile {
			t.Fatalf("the message text changed: %q", view.Messages[0].Body)
		}
	})
}

func TestRoutingAcceptReplyEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		k, _ := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin)
		if a, err := f.svc.Available(ctx, k); err != nil || a.Online {
			t.Fatalf("nobody online yet: %+v %v", a, err)
		}
		alice := f.agent("Alice Agent")
		bob := f.agent("Bob Agent")
		if a, _ := f.svc.Available(ctx, k); !a.Online {
			t.Fatal("agents online but the widget would show the message form")
		}
		hub := chat.NewHub(f.bus)
		defer hub.Close()
		agentsL, stop := hub.ListenAgents()
		defer stop()

		s := f.start("Vera", "vera@example.com", "Hi")
		v := f.visitor(s.Token)
		visL, stopV := hub.ListenConversation(s.Conversation.ID)
		defer stopV()
		waitSignal(t, agentsL, "queue")
		con, err := f.svc.Console(as(alice))
		if err != nil {
			t.Fatal(err)
		}
		if len(con.Queue) != 1 || con.Queue[0].Question != "Hi" || con.Queue[0].OfferMessageAfter != 120 {
			t.Fatalf("queue: %+v", con.Queue)
		}
		// An outsider (not in the group, not admin) sees no queue entry.
		outsider := f.user("Olga Outsider", desk.RoleAgent)
		if con, _ := f.svc.Console(as(outsider)); len(con.Queue) != 0 {
			t.Fatalf("outsider's queue: %+v", con.Queue)
		}
		if err := f.svc.Accept(as(alice), s.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Accept(as(bob), s.Conversation.ID); code(err) != desk.ECONFLICT {
			t.Fatalf("second accept: %v", err)
		}
		if _, err := f.svc.AgentSend(as(bob), s.Conversation.ID, "I am not on it"); code(err) != desk.EFORBIDDEN {
			t.Fatalf("another agent's reply: %v", err)
		}
		m, err := f.svc.AgentSend(as(alice), s.Conversation.ID, "Hello, how can I help?")
		if err != nil {
			t.Fatal(err)
		}
		waitMessage(t, visL, m.ID)
		view, _ := f.svc.VisitorView(ctx, v, 0)
		last := view.Messages[len(view.Messages)-1]
		if last.Kind != chat.KindAgent || last.AuthorName != "Alice Agent" || last.AuthorID != 0 || view.Conversation.AgentName != "Alice Agent" {
			t.Fatalf("visitor's view: %+v %+v", last, view.Conversation)
		}
		if err := f.svc.AgentNote(as(alice), s.Conversation.ID, "internal only"); err != nil {
			t.Fatal(err)
		}
		view, _ = f.svc.VisitorView(ctx, v, 0)
		for _, m := range view.Messages {
			if strings.Contains(m.Body, "internal") {
				t.Fatal("the visitor sees an internal note")
			}
		}
		tk, _ := f.tickets.Get(f.sys, s.Conversation.TicketID)
		if tk.AssigneeID == nil || *tk.AssigneeID != alice.UserID {
			t.Fatalf("ticket assignee %v", tk.AssigneeID)
		}
		// Agent's typing reaches the visitor's listener; nothing stored.
		if err := f.svc.AgentTyping(as(alice), s.Conversation.ID, true); err != nil {
			t.Fatal(err)
		}
		sg := waitSignal(t, visL, "typing")
		if sg.Who != "agent" || !sg.On {
			t.Fatalf("typing: %+v", sg)
		}
		if err := f.svc.VisitorRead(ctx, v, m.ID); err != nil {
			t.Fatal(err)
		}
		av, err := f.svc.AgentConversation(as(alice), s.Conversation.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if av.Conversation.VisitorReadID != m.ID || av.Visitor.Email != "vera@example.com" || av.Visitor.CurrentPage != "https://shop.example.com/cart" {
			t.Fatalf("agent view: %+v %+v", av.Conversation, av.Visitor)
		}
		if _, err := f.svc.AgentConversation(as(outsider), s.Conversation.ID, 0); err != nil && code(err) != desk.ENOTFOUND {
			t.Fatalf("outsider: %v", err)
		}
		if err := f.svc.End(as(alice), s.Conversation.ID, true); err != nil {
			t.Fatal(err)
		}
		tk, _ = f.tickets.Get(f.sys, s.Conversation.TicketID)
		if tk.Status != desk.StatusSolved {
			t.Fatalf("ticket status %s", tk.Status)
		}
		if _, err := f.svc.VisitorSend(ctx, v, "", "still there?"); code(err) != desk.ECONFLICT {
			t.Fatalf("send after end: %v", err)
		}
	})
}

func TestRoundRobinAndCapacity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if err := settings.ChatRouting.Set(f.sys, f.st, settings.ChatRoutingRoundRobin); err != nil {
			t.Fatal(err)
		}
		if err := settings.ChatMaxPerAgent.Set(f.sys, f.st, 1); err != nil {
			t.Fatal(err)
		}
		a := f.agent("Alice")
		b := f.agent("Bob")
		c1 := f.start("V1", "v1@example.com", "one")
		c2 := f.start("V2", "v2@example.com", "two")
		c3 := f.start("V3", "v3@example.com", "three")
		got := map[int64]bool{}
		for _, s := range []*chat.Started{c1, c2} {
			if s.Conversation.State != chat.StateActive {
				t.Fatalf("round robin left %d %s", s.Conversation.ID, s.Conversation.State)
			}
			got[s.Conversation.AgentID] = true
		}
		if !got[a.UserID] || !got[b.UserID] {
			t.Fatalf("not one each: %v", got)
		}
		if c3.Conversation.State != chat.StateWaiting {
			t.Fatalf("third chat with everyone at capacity: %s", c3.Conversation.State)
		}
		if err := f.svc.Accept(as(a), c3.Conversation.ID); code(err) != desk.ECONFLICT {
			t.Fatalf("accept past the limit: %v", err)
		}
		// Transfer back to the group queue.
		if err := f.svc.Transfer(as(a), c1.Conversation.ID, 0, f.group); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIdentityVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		saved, err := f.svc.UpdateKey(as(f.admin), f.key.ID, chat.KeyInput{NewIdentitySecret: true})
		if err != nil || saved.Secret == "" {
			t.Fatalf("secret: %v", err)
		}
		k, _ := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin)
		secret := []byte(saved.Secret)
		good := chat.SignIdentity(secret, "Known@Example.com", "Known Customer", time.Now().Add(time.Hour))
		s, err := f.svc.Start(ctx, k, chat.StartInput{Name: "typed name", Email: "typed@example.com", Question: "hi", JWT: good})
		if err != nil {
			t.Fatal(err)
		}
		if !s.Conversation.Verified || s.Conversation.VisitorName != "Known Customer" {
			t.Fatalf("verified chat: %+v", s.Conversation)
		}
		tk, _ := f.tickets.Get(f.sys, s.Conversation.TicketID)
		u, _ := f.ppl.GetUser(f.sys, tk.RequesterID)
		if u.Email != "known@example.com" {
			t.Fatalf("requester %s", u.Email)
		}
		parts := strings.Split(good, ".")
		none := strings.Join([]string{"eyJhbGciOiJub25lIn0", parts[1], ""}, ".")
		for name, tok := range map[string]string{
			"wrong secret": chat.SignIdentity([]byte("other"), "known@example.com", "", time.Now().Add(time.Hour)),
			"expired":      chat.SignIdentity(secret, "known@example.com", "", time.Now().Add(-time.Minute)),
			"far exp":      chat.SignIdentity(secret, "known@example.com", "", time.Now().Add(48*time.Hour)),
			"alg none":     none,
			"tampered":     parts[0] + "." + parts[1] + "x." + parts[2],
			"junk":         "a.b",
		} {
			if _, err := f.svc.Start(ctx, k, chat.StartInput{Name: "x", Email: "x@example.com", Question: "hi", JWT: tok}); code(err) != desk.EUNAUTHORIZED {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

type fakeBot struct {
	mu    sync.Mutex
	turns []botapi.Turn
}

func (b *fakeBot) Turn(ctx context.Context, t botapi.Turn) (botapi.Reply, error) {
	b.mu.Lock()
	b.turns = append(b.turns, t)
	b.mu.Unlock()
	switch {
	case t.ButtonID == "person":
		return botapi.Reply{Text: "Connecting you", Handover: true}, nil
	case t.ButtonID == "yes":
		return botapi.Reply{Resolved: true, ArticleID: 12}, nil
	case t.Text == "fail":
		return botapi.Reply{}, errors.New("bot down")
	}
	return botapi.Reply{Text: "Maybe this helps", State: []byte("s1"),
		Articles: []botapi.Article{{ID: 12, Title: "Returns <b>policy</b>", URL: "/hc/en/articles/12-returns"}, {ID: 13, Title: "Evil", URL: "javascript:alert(1)"}},
		Buttons:  []botapi.Button{{ID: "yes", Label: "That answered it"}, {ID: "person", Label: "Talk to a person"}}}, nil
}

func TestBotHandoverAndResolution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		bot := &fakeBot{}
		f.svc.Bot = bot
		s := f.start("Vera", "vera@example.com", "How do I return?")
		if s.Conversation.State != chat.StateBot {
			t.Fatalf("state %s", s.Conversation.State)
		}
		v := f.visitor(s.Token)
		view, _ := f.svc.VisitorView(ctx, v, 0)
		last := view.Messages[len(view.Messages)-1]
		if last.Kind != chat.KindBot || len(last.Data.Articles) != 2 || last.Data.Articles[1].URL != "" || len(last.Data.Buttons) != 2 {
			t.Fatalf("bot message: %+v", last)
		}
		if err := f.svc.VisitorButton(ctx, v, "person"); err != nil {
			t.Fatal(err)
		}
		if len(bot.turns) != 2 || string(bot.turns[1].State) != "s1" || bot.turns[0].Text != "How do I return?" || bot.turns[1].TicketID != s.Conversation.TicketID {
			t.Fatalf("turns: %+v", bot.turns)
		}
		view, _ = f.svc.VisitorView(ctx, v, 0)
		if view.Conversation.State != chat.StateWaiting {
			t.Fatalf("after handover: %s", view.Conversation.State)
		}
		// The transcript is on the ticket for the agent.
		comments, _, _ := f.tickets.Comments(f.sys, s.Conversation.TicketID, 0, 100, false)
		found := false
		for _, c := range comments {
			if !c.Public && strings.Contains(c.PlainBody, "Returns <b>policy</b>") {
				found = true
			}
		}
		if !found {
			t.Fatal("no bot transcript on the ticket")
		}

		s2 := f.start("Res", "res@example.com", "Returns?")
		v2 := f.visitor(s2.Token)
		if err := f.svc.VisitorButton(ctx, v2, "yes"); err != nil {
			t.Fatal(err)
		}
		view, _ = f.svc.VisitorView(ctx, v2, 0)
		if view.Conversation.State != chat.StateEnded || view.Conversation.Resolution != chat.ResolvedByBot {
			t.Fatalf("resolved: %+v", view.Conversation)
		}
		tags, _ := f.tickets.TicketTags(f.sys, s2.Conversation.TicketID)
		if !strings.Contains(strings.Join(tags, " "), chat.TagBotResolved) {
			t.Fatalf("tags %v", tags)
		}
		// A failing bot hands over.
		s3 := f.start("Fail", "fail@example.com", "fail")
		view, _ = f.svc.VisitorView(ctx, f.visitor(s3.Token), 0)
		if view.Conversation.State != chat.StateWaiting {
			t.Fatalf("after a bot failure: %s", view.Conversation.State)
		}
	})
}

func TestLeaveMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		k, _ := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin)
		id, err := f.svc.LeaveMessage(ctx, k, chat.StartInput{Name: "Late", Email: "late@example.com", Question: "Call me back"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := f.tickets.Get(f.sys, id)
		if err != nil || tk.Via.Channel != "chat" || tk.Status != desk.StatusNew {
			t.Fatalf("ticket: %+v %v", tk, err)
		}
		// Waiting too long: the visitor leaves a message instead.
		s := f.start("Wait", "wait@example.com", "anyone?")
		v := f.visitor(s.Token)
		if err := f.svc.VisitorLeave(ctx, v); err != nil {
			t.Fatal(err)
		}
		view, _ := f.svc.VisitorView(ctx, v, 0)
		if view.Conversation.State != chat.StateOffline || view.Conversation.Resolution != chat.ResolvedMessage {
			t.Fatalf("left: %+v", view.Conversation)
		}
	})
}

func waitSignal(t *testing.T, l *chat.Listener, kind string) chat.Signal {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case sg := <-l.C:
			if sg.Kind == kind {
				return sg
			}
		case <-deadline:
			t.Fatalf("no %s signal", kind)
		}
	}
}

func waitMessage(t *testing.T, l *chat.Listener, id int64) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case sg := <-l.C:
			if sg.Kind == "message" && sg.MessageID == id {
				return
			}
		case <-deadline:
			t.Fatalf("no message %d signal", id)
		}
	}
}

func TestEraseUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		alice := f.agent("Alice Agent")
		s := f.start("Erin Erased", "erin@example.com", "Forget me")
		other := f.start("Kept", "kept@example.com", "Keep me")
		if err := f.svc.Accept(as(alice), other.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AgentSend(as(alice), other.Conversation.ID, "hi"); err != nil {
			t.Fatal(err)
		}
		for _, uid := range []int64{s.Conversation.VisitorID, alice.UserID} {
			if err := db.InTx(ctx, func(tx *store.Tx) error { return chat.EraseUserTx(ctx, tx, uid) }); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Authenticate(ctx, s.Token, origin); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("the erased visitor's chat is still there: %v", err)
		}
		view, err := f.svc.VisitorView(ctx, f.visitor(other.Token), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range view.Messages {
			if m.AuthorName == "Alice Agent" || m.Body == "Alice Agent" {
				t.Fatalf("the erased agent's name stays: %+v", m)
			}
			if m.Data != nil {
				for _, a := range m.Data.Args {
					if a == "Alice Agent" {
						t.Fatalf("the erased agent's name stays in %+v", m.Data)
					}
				}
			}
		}
	})
}

func TestDecline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.agent("Alice")
		b := f.agent("Bob")
		s := f.start("V", "v@example.com", "hi")
		if err := f.svc.Decline(as(a), s.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		if c, _ := f.svc.Console(as(a)); len(c.Queue) != 0 {
			t.Fatalf("declined chat still in Alice's queue")
		}
		if c, _ := f.svc.Console(as(b)); len(c.Queue) != 1 {
			t.Fatalf("Bob lost the chat")
		}
		if err := f.svc.Decline(as(a), s.Conversation.ID); err != nil {
			t.Fatalf("declining twice: %v", err)
		}
		// Round robin: a declined chat goes to the other agent, never back.
		if err := settings.ChatRouting.Set(f.sys, f.st, settings.ChatRoutingRoundRobin); err != nil {
			t.Fatal(err)
		}
		s2 := f.start("W", "w@example.com", "hello")
		first := s2.Conversation.AgentID
		if first == 0 {
			t.Fatal("round robin assigned nobody")
		}
		firstP := a
		if first == b.UserID {
			firstP = b
		}
		if err := f.svc.Decline(as(firstP), s2.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		v := f.visitor(s2.Token)
		view, _ := f.svc.VisitorView(context.Background(), v, 0)
		if view.Conversation.State != chat.StateActive || view.Conversation.AgentName == "" || view.Conversation.AgentName == map[int64]string{a.UserID: "Alice", b.UserID: "Bob"}[first] {
			t.Fatalf("after the decline: %+v", view.Conversation)
		}
		other := b
		if firstP == b {
			other = a
		}
		if err := f.svc.Decline(as(other), s2.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		view, _ = f.svc.VisitorView(context.Background(), v, 0)
		if view.Conversation.State != chat.StateWaiting {
			t.Fatalf("declined by everyone: %s", view.Conversation.State)
		}
		outsider := f.user("Olga", desk.RoleEndUser)
		if err := f.svc.Decline(as(outsider), s2.Conversation.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("end user declining: %v", err)
		}
	})
}
