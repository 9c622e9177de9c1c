package chatweb_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/chatweb"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/events/pgrelay"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

const origin = "https://shop.example.com"

// instance is one help desk process: its services, hub and HTTP server.
type instance struct {
	db   *store.DB
	bus  *events.Bus
	ppl  *people.Service
	tk   *ticket.Service
	svc  *chat.Service
	hub  *chat.Hub
	h    *chatweb.Handler
	srv  *httptest.Server
	sys  context.Context
	keyK string
}

var box, _ = secrets.NewBox(bytes.Repeat([]byte{3}, secrets.KeySize))

func newInstance(t *testing.T, db *store.DB, bus *events.Bus) *instance {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{db: db, bus: bus, ppl: people.New(db, bus), tk: ticket.New(db, bus, blobs), sys: desk.SystemContext(context.Background())}
	in.svc = chat.New(db, in.tk, bus, box, settings.New(db, bus))
	in.hub = chat.NewHub(bus)
	t.Cleanup(in.hub.Close)
	in.h = chatweb.New(in.svc, in.hub, httpx.IPResolver{}, nil)
	mux := http.NewServeMux()
	in.h.Register(mux)
	in.srv = httptest.NewServer(mux)
	t.Cleanup(in.srv.Close)
	return in
}

func (in *instance) makeKey(t *testing.T) {
	t.Helper()
	name, origins := "Shop", []string{origin}
	k, err := in.svc.CreateKey(in.sys, chat.KeyInput{Name: &name, Origins: &origins})
	if err != nil {
		t.Fatal(err)
	}
	in.keyK = k.PublicKey
}

// agent makes an online agent.
func (in *instance) agent(t *testing.T, email string) *desk.Principal {
	t.Helper()
	name, role := "Agent "+email, desk.RoleAgent
	u, err := in.ppl.CreateUser(in.sys, people.UserInput{Name: &name, Email: &email, Role: &role})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := in.db.Exec(context.Background(), `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, "h-"+email, now.UnixMicro(), now.UnixMicro(), now.Add(time.Hour).UnixMicro()); err != nil {
		t.Fatal(err)
	}
	p := &desk.Principal{UserID: u.ID, Role: desk.RoleAgent, Email: email, Via: "web"}
	if _, err := assign.New(in.db, in.tk, settings.New(in.db, in.bus)).SetMine(desk.WithPrincipal(context.Background(), p), assign.Online); err != nil {
		t.Fatal(err)
	}
	return p
}

func (in *instance) post(t *testing.T, op, key, orig, token string, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", in.srv.URL+"/chat/"+op+"?key="+key, strings.NewReader(body))
	if orig != "" {
		req.Header.Set("Origin", orig)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &out)
	return res, out
}

func (in *instance) start(t *testing.T, email string) (string, int64) {
	t.Helper()
	res, out := in.post(t, "start", in.keyK, origin, "", `{"name":"Vera","email":"`+email+`","question":"Hello there","client_id":"first"}`)
	if res.StatusCode != 200 {
		t.Fatalf("start: %d %v", res.StatusCode, out)
	}
	conv := out["conversation"].(map[string]any)
	return out["token"].(string), int64(conv["id"].(float64))
}

func (in *instance) dial(t *testing.T, orig string) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if orig != "" {
		h.Set("Origin", orig)
	}
	return websocket.Dial(ctx, strings.Replace(in.srv.URL, "http", "ws", 1)+"/chat/ws?key="+in.keyK, &websocket.DialOptions{HTTPHeader: h})
}

func send(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := c.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

// next reads frames until one of type ty.
func next(t *testing.T, c *websocket.Conn, ty string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", ty, err)
		}
		var f map[string]any
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if f["t"] == ty {
			return f
		}
	}
}

func TestWidgetScript(t *testing.T) {
	in := newInstance(t, storetest.SQLite(t), events.New())
	res, err := http.Get(in.srv.URL + "/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") || !bytes.Equal(b, chatweb.WidgetJS()) {
		t.Fatalf("widget.js: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(b)
	w.Close()
	if gz.Len() >= 30<<10 {
		t.Fatalf("widget.js is %d bytes gzipped, over 30 KB", gz.Len())
	}
	// No HTML sinks: everything is shown with textContent.
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if bytes.Contains(b, []byte(sink)) {
			t.Errorf("widget.js uses %s", sink)
		}
	}
}

func TestHTTPOriginKeyAndToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		// Preflight: only an allowed origin gets CORS headers.
		for _, tc := range []struct {
			orig, key string
			ok        bool
		}{{origin, in.keyK, true}, {"https://evil.example", in.keyK, false}, {origin, "wk_forged", false}, {"", in.keyK, false}} {
			req, _ := http.NewRequest("OPTIONS", in.srv.URL+"/chat/send?key="+tc.key, nil)
			if tc.orig != "" {
				req.Header.Set("Origin", tc.orig)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			acao := res.Header.Get("Access-Control-Allow-Origin")
			if tc.ok != (res.StatusCode == 204 && acao == origin) || (!tc.ok && acao != "") {
				t.Errorf("preflight %+v: %d %q", tc, res.StatusCode, acao)
			}
		}
		if res, _ := in.post(t, "start", "wk_forged", origin, "", `{}`); res.StatusCode != 403 {
			t.Fatalf("forged key: %d", res.StatusCode)
		}
		if res, _ := in.post(t, "start", in.keyK, "https://evil.example", "", `{"name":"a","email":"a@b.c","question":"q"}`); res.StatusCode != 403 || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("forged origin: %d", res.StatusCode)
		}
		if res, out := in.post(t, "start", in.keyK, origin, "", `{"name":`); res.StatusCode != 422 || out["error"] != "invalid" {
			t.Fatalf("malformed JSON: %d %v", res.StatusCode, out)
		}
		if res, _ := in.post(t, "start", in.keyK, origin, "", `{"name":"`+strings.Repeat("x", chatweb.MaxFrame)+`"}`); res.StatusCode != 413 {
			t.Fatalf("oversize body: %d", res.StatusCode)
		}
		tok, _ := in.start(t, "vera@example.com")
		if res, out := in.post(t, "send", in.keyK, origin, tok, `{"t":"msg","client_id":"m1","text":"<script>alert(1)</script>"}`); res.StatusCode != 200 || out["t"] != "ack" {
			t.Fatalf("send: %d %v", res.StatusCode, out)
		}
		res, out := in.post(t, "send", in.keyK, origin, tok, `{"t":"msg","client_id":"m1","text":"<script>alert(1)</script>"}`)
		if res.StatusCode != 200 {
			t.Fatalf("replay: %d", res.StatusCode)
		}
		_, view := in.post(t, "poll", in.keyK, origin, tok, `{"after":0}`)
		if n := len(view["messages"].([]any)); n != 2 {
			t.Fatalf("%d messages after a replayed send, want 2 (%v)", n, out)
		}
		for _, bad := range []string{"", tok[:len(tok)-3] + "abc", "c1.1.x.y"} {
			if res, _ := in.post(t, "send", in.keyK, origin, bad, `{"t":"msg","text":"x"}`); res.StatusCode != 401 {
				t.Errorf("token %q: %d", bad, res.StatusCode)
			}
		}
		if res, _ := in.post(t, "send", in.keyK, "https://evil.example", tok, `{"t":"msg","text":"x"}`); res.StatusCode != 403 {
			t.Errorf("right token, wrong origin: %d", res.StatusCode)
		}
		if res, _ := in.post(t, "send", in.keyK, origin, tok, `{"t":"nope"}`); res.StatusCode != 422 {
			t.Errorf("unknown frame: %d", res.StatusCode)
		}
	})
}

func TestWebSocket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		ag := in.agent(t, "alice@desk.test")
		tok, conv := in.start(t, "vera@example.com")

		// The handshake from a foreign origin is refused before the upgrade.
		if _, res, err := in.dial(t, "https://evil.example"); err == nil || res == nil || res.StatusCode != 403 {
			t.Fatalf("foreign origin upgraded: %v", err)
		}
		// A forged token gets an error frame and close code 4401.
		c, _, err := in.dial(t, origin)
		if err != nil {
			t.Fatal(err)
		}
		send(t, c, map[string]any{"t": "hello", "token": tok + "x"})
		if f := next(t, c, "error"); f["error"] != "unauthorized" {
			t.Fatalf("forged: %v", f)
		}
		if _, _, err := c.Read(context.Background()); websocket.CloseStatus(err) != chatweb.CloseUnauthorized {
			t.Fatalf("close: %v", err)
		}

		c, _, err = in.dial(t, origin)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		send(t, c, map[string]any{"t": "hello", "token": tok})
		hello := next(t, c, "hello")
		if len(hello["messages"].([]any)) != 1 {
			t.Fatalf("hello: %v", hello)
		}
		// Malformed JSON: an error frame, the connection stays.
		if err := c.Write(context.Background(), websocket.MessageText, []byte("{not json")); err != nil {
			t.Fatal(err)
		}
		if f := next(t, c, "error"); f["error"] != "invalid" {
			t.Fatalf("malformed: %v", f)
		}
		// A message sent twice (offline queue replayed) is stored once.
		send(t, c, map[string]any{"t": "msg", "client_id": "q1", "text": "queued while offline"})
		a1 := next(t, c, "ack")
		send(t, c, map[string]any{"t": "msg", "client_id": "q1", "text": "queued while offline"})
		a2 := next(t, c, "ack")
		id1 := a1["message"].(map[string]any)["id"]
		if id1 != a2["message"].(map[string]any)["id"] {
			t.Fatalf("replay stored twice: %v %v", a1, a2)
		}
		// The agent accepts, types and answers: all pushed.
		actx := desk.WithPrincipal(context.Background(), ag)
		if err := in.svc.Accept(actx, conv); err != nil {
			t.Fatal(err)
		}
		if f := next(t, c, "state"); f["conversation"].(map[string]any)["state"] != "active" {
			t.Fatalf("state: %v", f)
		}
		if err := in.svc.AgentTyping(actx, conv, true); err != nil {
			t.Fatal(err)
		}
		if f := next(t, c, "typing"); f["on"] != true {
			t.Fatalf("typing: %v", f)
		}
		if _, err := in.svc.AgentSend(actx, conv, "<b>Hi</b> Vera"); err != nil {
			t.Fatal(err)
		}
		if f := next(t, c, "msg"); f["message"].(map[string]any)["body"] != "<b>Hi</b> Vera" {
			t.Fatalf("msg: %v", f)
		}
		// An oversize frame closes the connection.
		big := `{"t":"msg","text":"` + strings.Repeat("x", chatweb.MaxFrame) + `"}`
		_ = c.Write(context.Background(), websocket.MessageText, []byte(big))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for {
			if _, _, err := c.Read(ctx); err != nil {
				if st := websocket.CloseStatus(err); st != websocket.StatusMessageTooBig {
					t.Fatalf("oversize frame: %v", err)
				}
				break
			}
		}
		// Nothing of the legitimate conversation was lost.
		v, err := in.svc.Authenticate(context.Background(), tok, origin)
		if err != nil {
			t.Fatal(err)
		}
		view, _ := in.svc.VisitorView(context.Background(), v, 0)
		var bodies []string
		for _, m := range view.Messages {
			bodies = append(bodies, m.Body)
		}
		if got := strings.Join(bodies, "|"); !strings.Contains(got, "Hello there|queued while offline|") || !strings.HasSuffix(got, "<b>Hi</b> Vera") {
			t.Fatalf("messages: %s", got)
		}
	})
}

func TestFloodAndConnectionLimits(t *testing.T) {
	in := newInstance(t, storetest.SQLite(t), events.New())
	in.makeKey(t)
	in.h.MessagesPerMinute, in.h.ConnsPerIP = 3, 2
	tok, _ := in.start(t, "vera@example.com")
	c, _, err := in.dial(t, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send(t, c, map[string]any{"t": "hello", "token": tok})
	next(t, c, "hello")
	for i := range 3 {
		send(t, c, map[string]any{"t": "msg", "client_id": fmt.Sprintf("f%d", i), "text": "flood"})
		next(t, c, "ack")
	}
	send(t, c, map[string]any{"t": "msg", "client_id": "f9", "text": "flood"})
	if f := next(t, c, "error"); f["error"] != "too_many" || f["client_id"] != "f9" {
		t.Fatalf("flood: %v", f)
	}
	c2, _, err := in.dial(t, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	if _, res, err := in.dial(t, origin); err == nil || res.StatusCode != 429 {
		t.Fatalf("third connection from one IP: %v", err)
	}
}

func TestLongPoll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		ag := in.agent(t, "alice@desk.test")
		tok, conv := in.start(t, "vera@example.com")
		actx := desk.WithPrincipal(context.Background(), ag)
		if err := in.svc.Accept(actx, conv); err != nil {
			t.Fatal(err)
		}
		_, first := in.post(t, "poll", in.keyK, origin, tok, `{"after":0}`)
		msgs := first["messages"].([]any)
		last := msgs[len(msgs)-1].(map[string]any)["id"].(float64)
		go func() {
			time.Sleep(300 * time.Millisecond)
			_, _ = in.svc.AgentSend(actx, conv, "answer during the poll")
		}()
		started := time.Now()
		_, out := in.post(t, "poll", in.keyK, origin, tok, fmt.Sprintf(`{"after":%d}`, int64(last)))
		got := out["messages"].([]any)
		if len(got) != 1 || got[0].(map[string]any)["body"] != "answer during the poll" || time.Since(started) > 10*time.Second {
			t.Fatalf("poll: %v", out)
		}
	})
}

// TestTwoInstancesOnPostgres: a visitor connected to instance A and an
// agent working on instance B (separate buses joined by the PostgreSQL
// relay over the same database) talk in real time.
func TestTwoInstancesOnPostgres(t *testing.T) {
	dbA, dbB, url := storetest.PostgresShared(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	join := func(db *store.DB) *events.Bus {
		bus := events.New()
		r, err := pgrelay.New(ctx, db, url, bus, nil)
		if err != nil {
			t.Fatal(err)
		}
		bus.SetRelay(r)
		done := make(chan struct{})
		go func() { r.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		<-r.Listening()
		return bus
	}
	busA := join(dbA)
	busB := join(dbB)
	a := newInstance(t, dbA, busA)
	b := newInstance(t, dbB, busB)
	a.makeKey(t)
	b.keyK = a.keyK
	ag := b.agent(t, "bob@desk.test")
	// Until the relays know each other (a relay alone sends nothing),
	// start chats on A until B hears of one.
	deadline := time.Now().Add(20 * time.Second)
	probe, stop := b.hub.ListenAgents()
	defer stop()
	var tok string
	var conv int64
	for {
		tok, conv = a.start(t, fmt.Sprintf("v%d@example.com", time.Now().UnixNano()))
		select {
		case <-probe.C:
		case <-time.After(500 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("instance B never heard of a chat started on A")
			}
			continue
		}
		break
	}
	c, _, err := a.dial(t, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send(t, c, map[string]any{"t": "hello", "token": tok})
	next(t, c, "hello")
	actx := desk.WithPrincipal(context.Background(), ag)
	if err := b.svc.Accept(actx, conv); err != nil {
		t.Fatal(err)
	}
	next(t, c, "state")
	if err := b.svc.AgentTyping(actx, conv, true); err != nil {
		t.Fatal(err)
	}
	next(t, c, "typing")
	if _, err := b.svc.AgentSend(actx, conv, "from instance B"); err != nil {
		t.Fatal(err)
	}
	if f := next(t, c, "msg"); f["message"].(map[string]any)["body"] != "from instance B" {
		t.Fatalf("msg: %v", f)
	}
	// And back: the visitor's message on A reaches B's agent listener.
	for len(probe.C) > 0 {
		<-probe.C
	}
	send(t, c, map[string]any{"t": "msg", "client_id": "back", "text": "from the visitor on A"})
	ack := next(t, c, "ack")
	id := int64(ack["message"].(map[string]any)["id"].(float64))
	timeout := time.After(10 * time.Second)
	for {
		select {
		case sg := <-probe.C:
			if sg.Kind == "message" && sg.MessageID == id && sg.Origin != "" {
				view, err := b.svc.AgentConversation(actx, conv, id-1)
				if err != nil || len(view.Messages) != 1 || view.Messages[0].Body != "from the visitor on A" {
					t.Fatalf("agent view on B: %+v %v", view, err)
				}
				return
			}
		case <-timeout:
			t.Fatal("the visitor's message never reached instance B")
		}
	}
}

func TestUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		in.h.MaxUpload = 1 << 20
		tok, _ := in.start(t, "vera@example.com")
		up := func(tok, name string, size int, client string) (int, map[string]any) {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(bytes.Repeat([]byte("a"), size))
			mw.Close()
			req, _ := http.NewRequest("POST", in.srv.URL+"/chat/upload?key="+in.keyK+"&client_id="+client, &body)
			req.Header.Set("Origin", origin)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(res.Body).Decode(&out)
			return res.StatusCode, out
		}
		st, out := up(tok, `../../<script>x.txt`, 100, "u1")
		if st != 200 {
			t.Fatalf("upload: %d %v", st, out)
		}
		m := out["message"].(map[string]any)
		if name := m["body"].(string); strings.Contains(name, "/") {
			t.Fatalf("the file name kept its path: %q", name)
		}
		if st, _ := up(tok, "again.txt", 100, "u1"); st != 200 {
			t.Fatalf("replayed upload: %d", st)
		}
		if st, _ := up(tok, "big.bin", 2<<20, "u2"); st != 413 {
			t.Fatalf("oversize upload: %d", st)
		}
		if st, _ := up("forged", "x.txt", 10, "u3"); st != 401 {
			t.Fatalf("forged token: %d", st)
		}
		v, _ := in.svc.Authenticate(context.Background(), tok, origin)
		view, _ := in.svc.VisitorView(context.Background(), v, 0)
		tk, _, err := in.tk.Comments(in.sys, view.Conversation.TicketID, 0, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(view.Messages) != 2 || len(tk) != 2 || len(tk[1].Attachments) != 1 {
			t.Fatalf("messages %d, comments %d", len(view.Messages), len(tk))
		}
	})
}

// TestShutdownEndsSockets: when the server shuts down (Done closes) every
// widget socket ends with "going away", so the widget reconnects.
func TestShutdownEndsSockets(t *testing.T) {
	in := newInstance(t, storetest.SQLite(t), events.New())
	in.makeKey(t)
	done := make(chan struct{})
	in.h.Done = done
	tok, _ := in.start(t, "vera@example.com")
	c, _, err := in.dial(t, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send(t, c, map[string]any{"t": "hello", "token": tok})
	next(t, c, "hello")
	close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("after shutdown: %v", err)
	}
}
