package chatweb_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// sessionGoroutines counts this process's goroutines running the widget
// socket code (package chatweb).
func sessionGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "/internal/chatweb.") && !strings.Contains(g, "chatweb_test.") {
			count++
		}
	}
	return count
}

// hello dials a socket and says hello with tok; it returns after the
// hello frame.
func (in *instance) hello(t *testing.T, tok string, after int64) *websocket.Conn {
	t.Helper()
	c, _, err := in.dial(t, origin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	send(t, c, map[string]any{"t": "hello", "token": tok, "after": after})
	next(t, c, "hello")
	return c
}

// TestIdleSocketsHoldOneGoroutine: an idle widget socket costs the server
// one goroutine (its reader) and nothing that ticks; what there is to send
// starts a writer that ends once it has sent it.
func TestIdleSocketsHoldOneGoroutine(t *testing.T) {
	// The count is of the whole process: first let the sessions of the
	// tests before this one end (a loaded machine closes them slowly).
	for deadline := time.Now().Add(30 * time.Second); sessionGoroutines() > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	in := newInstance(t, storetest.SQLite(t), events.New())
	in.makeKey(t)
	in.h.ConnsPerIP = -1
	ag := in.agent(t, "alice@desk.test")
	tok, conv := in.start(t, "vera@example.com")
	actx := desk.WithPrincipal(context.Background(), ag)
	if err := in.svc.Accept(actx, conv); err != nil {
		t.Fatal(err)
	}
	const n = 40
	var conns []*websocket.Conn
	for range n {
		conns = append(conns, in.hello(t, tok, 0))
	}
	// n readers and the one watch (pings, shutdown) for all of them.
	settled := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := sessionGoroutines()
			if got == n+1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d goroutines in package chatweb for %d sockets, want %d", what, got, n, n+1)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	settled("idle")
	// A message reaches every socket, each once.
	m, err := in.svc.AgentSend(actx, conv, "to every tab")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range conns {
		f := next(t, c, "msg")
		if msg := f["message"].(map[string]any); int64(msg["id"].(float64)) != m.ID || msg["body"] != "to every tab" || msg["author_id"] != nil {
			t.Fatalf("socket %d: %v", i, f)
		}
	}
	settled("after a message")
	for _, c := range conns {
		c.Close(websocket.StatusNormalClosure, "")
	}
	deadline := time.Now().Add(10 * time.Second)
	for sessionGoroutines() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left in package chatweb after every socket closed", sessionGoroutines())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFanOutExactlyOnceInOrder: with an agent writing from several
// goroutines and the visitor writing on one tab, every tab of the chat
// gets every line exactly once, in the order of their ids, whichever way
// each line reaches it (the frame encoded once, or a re-read after a gap
// or an overflow).
func TestFanOutExactlyOnceInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		in.h.ConnsPerIP, in.h.MessagesPerMinute, in.h.FramesPerMinute = -1, -1, -1
		ag := in.agent(t, "alice@desk.test")
		tok, conv := in.start(t, "vera@example.com")
		actx := desk.WithPrincipal(context.Background(), ag)
		if err := in.svc.Accept(actx, conv); err != nil {
			t.Fatal(err)
		}
		a := in.hello(t, tok, 0)
		b := in.hello(t, tok, 0)
		v, err := in.svc.Authenticate(context.Background(), tok, origin)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := in.svc.VisitorView(context.Background(), v, 0)
		from := before.Messages[len(before.Messages)-1].ID

		const writers, each, visitor = 3, 40, 20
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if _, err := in.svc.AgentSend(actx, conv, fmt.Sprintf("agent %d/%d", w, i)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		for i := range visitor {
			send(t, a, map[string]any{"t": "msg", "client_id": fmt.Sprintf("v%d", i), "text": fmt.Sprintf("visitor %d", i)})
		}
		wg.Wait()
		total := writers*each + visitor
		read := func(name string, c *websocket.Conn) []int64 {
			t.Helper()
			var ids []int64
			acks := 0
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for len(ids) < total || (c == a && acks < visitor) {
				_, raw, err := c.Read(ctx)
				if err != nil {
					t.Fatalf("%s: %d of %d lines, %d acks: %v", name, len(ids), total, acks, err)
				}
				var f struct {
					T       string `json:"t"`
					Message struct {
						ID int64 `json:"id"`
					} `json:"message"`
				}
				if err := json.Unmarshal(raw, &f); err != nil {
					t.Fatal(err)
				}
				switch f.T {
				case "msg":
					ids = append(ids, f.Message.ID)
				case "ack":
					if !slices.Contains(ids, f.Message.ID) {
						t.Fatalf("%s: the ack of %d came before the line", name, f.Message.ID)
					}
					acks++
				}
			}
			return ids
		}
		after, _ := in.svc.VisitorView(context.Background(), v, from)
		if len(after.Messages) != total {
			t.Fatalf("%d lines stored, want %d", len(after.Messages), total)
		}
		for name, c := range map[string]*websocket.Conn{"a": a, "b": b} {
			ids := read(name, c)
			for i, m := range after.Messages {
				if ids[i] != m.ID {
					t.Fatalf("tab %s: line %d is %d, want %d (got %v)", name, i, ids[i], m.ID, ids)
				}
			}
		}
		// Nothing more: a line sent now is the next frame on both.
		m, err := in.svc.AgentSend(actx, conv, "last")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []*websocket.Conn{a, b} {
			if f := next(t, c, "msg"); int64(f["message"].(map[string]any)["id"].(float64)) != m.ID {
				t.Fatalf("after the burst: %v", f)
			}
		}
	})
}

// TestResumeAfterSeesOnlyTheRest: a socket that says hello with after
// gets the lines after it, then new lines as they come.
func TestResumeAfterSeesOnlyTheRest(t *testing.T) {
	in := newInstance(t, storetest.SQLite(t), events.New())
	in.makeKey(t)
	ag := in.agent(t, "alice@desk.test")
	tok, conv := in.start(t, "vera@example.com")
	actx := desk.WithPrincipal(context.Background(), ag)
	if err := in.svc.Accept(actx, conv); err != nil {
		t.Fatal(err)
	}
	m1, _ := in.svc.AgentSend(actx, conv, "one")
	m2, _ := in.svc.AgentSend(actx, conv, "two")
	c, _, err := in.dial(t, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send(t, c, map[string]any{"t": "hello", "token": tok, "after": m1.ID})
	h := next(t, c, "hello")
	if ms := h["messages"].([]any); len(ms) != 1 || int64(ms[0].(map[string]any)["id"].(float64)) != m2.ID {
		t.Fatalf("resumed hello: %v", h["messages"])
	}
	m3, _ := in.svc.AgentSend(actx, conv, "three")
	if f := next(t, c, "msg"); int64(f["message"].(map[string]any)["id"].(float64)) != m3.ID {
		t.Fatalf("after resume: %v", f)
	}
}

// TestPingClosesDeadSockets: a socket whose client stops answering pings
// is closed; one that answers stays open and keeps getting lines.
func TestPingClosesDeadSockets(t *testing.T) {
	in := newInstance(t, storetest.SQLite(t), events.New())
	in.makeKey(t)
	in.h.PingEvery = 300 * time.Millisecond
	ag := in.agent(t, "alice@desk.test")
	tok, conv := in.start(t, "vera@example.com")
	actx := desk.WithPrincipal(context.Background(), ag)
	if err := in.svc.Accept(actx, conv); err != nil {
		t.Fatal(err)
	}
	in.hello(t, tok, 0) // never read again: its pings go unanswered
	alive := in.hello(t, tok, 0)
	frames := make(chan string, 16)
	go func() {
		for {
			_, b, err := alive.Read(context.Background()) // answers pings
			if err != nil {
				close(frames)
				return
			}
			frames <- string(b)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if visitors, _ := in.hub.Counts(); visitors == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the socket that does not answer pings is still open")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(3 * in.h.PingEvery) // more rounds: the other stays
	if _, err := in.svc.AgentSend(actx, conv, "still there"); err != nil {
		t.Fatal(err)
	}
	got := false
	for f := range frames {
		if got = strings.Contains(f, "still there"); got {
			break
		}
	}
	if !got {
		t.Fatal("the socket that answers pings was closed")
	}
	if visitors, _ := in.hub.Counts(); visitors != 1 {
		t.Fatalf("%d sockets open, want the one that answers", visitors)
	}
}

// TestHelloRightBehindTheHandshake: a client that sends its hello in the
// same packet as the upgrade request (bytes the server has read before it
// takes the connection over) is answered like any other.
func TestHelloRightBehindTheHandshake(t *testing.T) {
	in := newInstance(t, storetest.SQLite(t), events.New())
	in.makeKey(t)
	tok, _ := in.start(t, "vera@example.com")
	nc, err := net.Dial("tcp", strings.TrimPrefix(in.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	hello, _ := json.Marshal(map[string]any{"t": "hello", "token": tok})
	req := "GET /chat/ws?key=" + in.keyK + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: " + origin + "\r\n\r\n"
	if _, err := nc.Write(append([]byte(req), maskedText(hello)...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %d", res.StatusCode)
	}
	var hdr [2]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		t.Fatal(err)
	}
	n := int(hdr[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		_, _ = io.ReadFull(br, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		_, _ = io.ReadFull(br, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		t.Fatal(err)
	}
	if hdr[0] != 0x81 || !strings.HasPrefix(string(payload), `{"t":"hello"`) {
		t.Fatalf("first frame %x: %s", hdr[0], payload)
	}
}

// maskedText is one client text frame carrying p.
func maskedText(p []byte) []byte {
	out := []byte{0x81}
	switch {
	case len(p) < 126:
		out = append(out, 0x80|byte(len(p)))
	default:
		out = append(out, 0x80|126, byte(len(p)>>8), byte(len(p)))
	}
	mask := []byte{1, 2, 3, 4}
	out = append(out, mask...)
	for i, b := range p {
		out = append(out, b^mask[i%4])
	}
	return out
}
