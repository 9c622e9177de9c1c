package chatweb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// Close codes the widget understands.
const (
	// CloseUnauthorized: the token is not valid (start a new chat).
	CloseUnauthorized websocket.StatusCode = 4401
	// CloseTooMany: the connection flooded or too many are open.
	CloseTooMany websocket.StatusCode = 4429
)

// A widget socket is idle nearly all its life, and one instance holds
// thousands, so one costs as little as it can while nothing happens: one
// goroutine (its reader), small I/O buffers, no timer and no channel. What
// there is to send is queued by the hub's callback and written by a
// goroutine that exists only while the queue is not empty; pings and the
// shutdown's "going away" come from one goroutine for all sockets (watch),
// each ping from a goroutine that lives until the pong.
const (
	// socketBuffer is the size of a socket's read and write buffers: a
	// typical frame fits, a bigger one takes more system calls.
	socketBuffer = 1 << 10
	// maxQueued bounds the signals waiting for a socket's writer; past it
	// they are dropped and the writer re-reads the conversation instead.
	maxQueued = 64
	// pingSlots spreads each round of pings over as many ticks.
	pingSlots        = 30
	defaultPingEvery = 30 * time.Second
	maxPingWait      = 15 * time.Second
	writeWait        = 10 * time.Second
)

// pushed frames.
type helloFrame struct {
	T string `json:"t"`
	*chat.View
}

type stateFrame struct {
	T            string             `json:"t"`
	Conversation *chat.Conversation `json:"conversation"`
}

type readFrame struct {
	T  string `json:"t"`
	ID int64  `json:"id"`
}

var typingFrames = map[bool][]byte{true: []byte(`{"t":"typing","on":true}`), false: []byte(`{"t":"typing","on":false}`)}

// websocket serves /chat/ws?key=K: the Origin must be one the key allows
// (checked here, before the upgrade); the first frame is
// {"t":"hello","token":…,"after":N} (or the cookie names the chat).
func (h *Handler) websocket(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	k, err := h.Chat.KeyForOrigin(r.Context(), r.URL.Query().Get("key"), origin)
	if err != nil {
		writeErr(w, err)
		return
	}
	ip := h.IPs.IP(r)
	release, err := h.hold(ip)
	if err != nil {
		writeErr(w, err)
		return
	}
	cookieTok := ""
	if ck, err := r.Cookie(cookieName); err == nil {
		cookieTok = ck.Value
	}
	// The server's read and write timeouts are for requests; a chat
	// stays open.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	// The origin was checked against the key above.
	conn, err := websocket.Accept(smallBuffers{w}, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		release()
		return
	}
	conn.SetReadLimit(MaxFrame)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	s := &session{h: h, conn: conn, ctx: ctx, cancel: cancel, origin: origin, key: k, writing: true}
	// The connection is hijacked: the handler returns, so net/http lets
	// go of the request, and the session lives on in a goroutine of its
	// own, which starts with a small stack.
	go s.serve(cookieTok, release)
}

// smallBuffers hands websocket.Accept the hijacked connection with
// buffers of socketBuffer bytes instead of net/http's 4 KiB each.
type smallBuffers struct{ http.ResponseWriter }

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if n := brw.Reader.Buffered(); n > 0 {
		// Bytes the client sent right behind the handshake.
		b, _ := brw.Reader.Peek(n)
		c = &prefixConn{Conn: c, r: io.MultiReader(bytes.NewReader(bytes.Clone(b)), c)}
	}
	return c, bufio.NewReadWriter(bufio.NewReaderSize(c, socketBuffer), bufio.NewWriterSize(c, socketBuffer)), nil
}

// prefixConn reads what was buffered before the hijack first.
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (c *prefixConn) Read(p []byte) (int, error) { return c.r.Read(p) }

type session struct {
	h      *Handler
	conn   *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	origin string
	key    *chat.WidgetKey
	v      *chat.Visitor
	slot   int // the ping slot (watch)

	// mu guards what the hub's callback touches.
	mu      sync.Mutex
	queue   []chat.Signal
	lagged  bool // signals were dropped: re-read before the next
	writing bool // a goroutine is writing (or hello is not sent yet)
	dead    bool

	// wmu orders the frames: whoever writes (the reader answering a
	// frame, or the writer) holds it, and with it last and state.
	wmu   sync.Mutex
	last  int64 // the last message id sent
	state string
}

func (s *session) writeBytes(b []byte) error {
	ctx, cancel := context.WithTimeout(s.ctx, writeWait)
	defer cancel()
	return s.conn.Write(ctx, websocket.MessageText, b)
}

func (s *session) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.writeBytes(b)
}

func (s *session) fail(err error) error {
	b := errBody(err)
	b.T = "error"
	return s.write(b)
}

func (s *session) serve(cookieTok string, release func()) {
	defer release()
	defer s.cancel()
	defer s.conn.CloseNow()
	stop := s.hello(cookieTok)
	if stop == nil {
		return
	}
	defer func() {
		stop()
		s.mu.Lock()
		s.dead = true
		s.queue = nil
		s.mu.Unlock()
	}()
	if !s.h.track(s) {
		s.conn.Close(websocket.StatusGoingAway, "shutting down")
		return
	}
	defer s.h.untrack(s)
	s.read()
}

// hello waits for the hello frame, authenticates it, subscribes to the
// conversation and sends what the visitor has not seen. It returns the
// subscription's end, or nil when the socket is done.
func (s *session) hello(cookieTok string) (stop func()) {
	noHello := time.AfterFunc(helloWait, func() { s.conn.Close(websocket.StatusPolicyViolation, "no hello") })
	var hello Frame
	for {
		typ, b, err := s.conn.Read(context.Background())
		if err != nil {
			noHello.Stop()
			return nil
		}
		if typ != websocket.MessageText {
			continue
		}
		if !noHello.Stop() {
			return nil // closing
		}
		if json.Unmarshal(b, &hello) != nil || hello.T != "hello" {
			_ = s.fail(desk.Invalid("t", "the first frame must be hello"))
			s.conn.Close(websocket.StatusPolicyViolation, "hello first")
			return nil
		}
		break
	}
	tok := hello.Token
	if tok == "" {
		tok = cookieTok
	}
	v, err := s.h.Chat.Authenticate(s.ctx, tok, s.origin)
	if err == nil && v.Key.ID != s.key.ID {
		err = &desk.Error{Code: desk.EUNAUTHORIZED, Message: "This chat session is not valid; start a new chat"}
	}
	if err != nil {
		_ = s.fail(err)
		s.conn.Close(CloseUnauthorized, "unauthorized")
		return nil
	}
	s.v = v
	// Signals from here on queue up (writing is true: no writer starts)
	// and go out after the hello frame.
	stop = s.h.Hub.SubscribeConversation(v.Conversation.ID, s.deliver)
	view, err := s.h.Chat.VisitorView(s.ctx, v, hello.After)
	if err != nil {
		stop()
		s.conn.Close(websocket.StatusInternalError, "")
		return nil
	}
	s.last = max(hello.After, lastID(view.Messages))
	s.state = view.Conversation.State
	if err := s.write(helloFrame{T: "hello", View: view}); err != nil {
		stop()
		return nil
	}
	s.mu.Lock()
	if len(s.queue) > 0 || s.lagged {
		go s.writer()
	} else {
		s.writing = false
	}
	s.mu.Unlock()
	return stop
}

// deliver is the hub's callback: it queues sg and starts a writer when
// none runs. It never blocks.
func (s *session) deliver(sg chat.Signal) {
	if (sg.Kind == "typing" || sg.Kind == "read") && sg.Who != "agent" {
		return // the visitor's own
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return
	}
	if len(s.queue) >= maxQueued {
		s.queue, s.lagged = s.queue[:0], true
	}
	s.queue = append(s.queue, sg)
	if !s.writing {
		s.writing = true
		go s.writer()
	}
}

// writer sends what is queued, then ends.
func (s *session) writer() {
	for {
		s.mu.Lock()
		if s.dead || (len(s.queue) == 0 && !s.lagged) {
			s.writing = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.wmu.Lock()
		err := s.flush()
		s.wmu.Unlock()
		if err != nil {
			s.mu.Lock()
			s.dead, s.queue = true, nil
			s.mu.Unlock()
			s.conn.CloseNow() // the reader ends the session
			return
		}
	}
}

// flush sends the queued signals; the caller holds wmu.
func (s *session) flush() error {
	s.mu.Lock()
	q, lagged := s.queue, s.lagged
	s.queue, s.lagged = nil, false
	s.mu.Unlock()
	if lagged {
		if err := s.push(); err != nil {
			return err
		}
	}
	for _, sg := range q {
		if err := s.signal(sg); err != nil {
			return err
		}
	}
	return nil
}

// read handles the visitor's frames until the connection ends.
func (s *session) read() {
	msgLimit := chat.LimitOf(s.h.MessagesPerMinute, DefaultMessagesPerMinute)
	frameLimit := chat.LimitOf(s.h.FramesPerMinute, DefaultFramesPerMinute)
	var window time.Time
	var msgs, all int
	for {
		// No context: the read ends when the connection closes (the
		// visitor, a failed write or ping, the shutdown).
		typ, b, err := s.conn.Read(context.Background())
		if err != nil {
			if !isClosed(err) && websocket.CloseStatus(err) == -1 && !strings.Contains(err.Error(), "closed") {
				// Oversize frames end here too (read limit).
				s.h.Logger.Debug("chat: websocket read", "err", err)
			}
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		if now := time.Now(); now.Sub(window) > time.Minute {
			window, msgs, all = now, 0, 0
		}
		all++
		if frameLimit > 0 && all > 2*frameLimit {
			s.conn.Close(CloseTooMany, "too many frames")
			return
		}
		var f Frame
		if err := json.Unmarshal(b, &f); err != nil {
			if s.answer(func() error { return s.fail(desk.Invalid("frame", "is not valid JSON")) }) != nil {
				return
			}
			continue
		}
		if frameLimit > 0 && all > frameLimit {
			if s.answer(func() error { return s.fail(&desk.Error{Code: desk.ETOOMANY, Message: "Slow down"}) }) != nil {
				return
			}
			continue
		}
		if f.T == "msg" {
			msgs++
			if msgLimit > 0 && msgs > msgLimit {
				e := errBody(&desk.Error{Code: desk.ETOOMANY, Message: "Too many messages; wait a moment"})
				e.T = "error"
				if s.answer(func() error {
					return s.write(struct {
						errorBody
						ClientID string `json:"client_id"`
					}{e, f.ClientID})
				}) != nil {
					return
				}
				continue
			}
		}
		out, err := s.h.dispatch(s.ctx, s.v, f)
		if err != nil {
			e := errBody(err)
			e.T = "error"
			if s.answer(func() error {
				return s.write(struct {
					errorBody
					ClientID string `json:"client_id,omitempty"`
				}{e, f.ClientID})
			}) != nil {
				return
			}
			continue
		}
		if out == nil {
			continue
		}
		if s.answer(func() error {
			if a, ok := out.(ack); ok && a.Message != nil {
				// Messages go out in order, the visitor's own before its
				// ack (what the widget waits for to drop its queued
				// copy). The message's signal is queued by now (the bus
				// delivers on commit): send the queue, and re-read only
				// if that did not cover it.
				if err := s.flush(); err != nil {
					return err
				}
				if a.Message.ID > s.last {
					if err := s.push(); err != nil {
						return err
					}
				}
			}
			return s.write(out)
		}) != nil {
			return
		}
	}
}

// answer runs f holding the write order.
func (s *session) answer(f func() error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return f()
}

func lastID(ms []*chat.Message) int64 {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].ID
}

// push re-reads and sends the messages after the last one sent, and the
// state when it changed. The caller holds wmu.
func (s *session) push() error {
	view, err := s.h.Chat.VisitorView(s.ctx, s.v, s.last)
	if err != nil {
		return err
	}
	if err := s.messages(view.Messages); err != nil {
		return err
	}
	if view.Conversation.State != s.state {
		s.state = view.Conversation.State
		return s.write(stateFrame{T: "state", Conversation: view.Conversation})
	}
	return nil
}

func (s *session) messages(ms []*chat.Message) error {
	for _, m := range ms {
		b, err := chat.MessageFrame(m)
		if err != nil {
			return err
		}
		if err := s.writeBytes(b); err != nil {
			return err
		}
		s.last = m.ID
	}
	return nil
}

// signal sends what sg says; the caller holds wmu.
func (s *session) signal(sg chat.Signal) error {
	switch sg.Kind {
	case "typing":
		if sg.Who == "agent" {
			return s.writeBytes(typingFrames[sg.On])
		}
	case "read":
		if sg.Who == "agent" {
			return s.write(readFrame{T: "read", ID: sg.MessageID})
		}
	case "message":
		switch {
		case sg.MessageID <= s.last:
			// sent already
		case sg.Frame != nil && sg.PrevID == s.last:
			// The next message, encoded once for every socket.
			if err := s.writeBytes(sg.Frame); err != nil {
				return err
			}
			s.last = sg.MessageID
		default:
			return s.push()
		}
	case "state", "queue":
		view, err := s.h.Chat.VisitorView(s.ctx, s.v, s.last)
		if err != nil {
			return err
		}
		if err := s.messages(view.Messages); err != nil {
			return err
		}
		s.state = view.Conversation.State
		return s.write(stateFrame{T: "state", Conversation: view.Conversation})
	}
	return nil
}

// track registers s for pings and the shutdown, starting the watch when
// it is the first socket; it is false when the server is shutting down.
func (h *Handler) track(s *session) bool {
	h.smu.Lock()
	defer h.smu.Unlock()
	if h.Done != nil {
		select {
		case <-h.Done:
			return false
		default:
		}
	}
	s.slot = h.nextSlot
	h.nextSlot = (h.nextSlot + 1) % pingSlots
	if h.slots[s.slot] == nil {
		h.slots[s.slot] = map[*session]struct{}{}
	}
	h.slots[s.slot][s] = struct{}{}
	h.sockets++
	if !h.watching {
		h.watching = true
		go h.watch()
	}
	return true
}

func (h *Handler) untrack(s *session) {
	h.smu.Lock()
	delete(h.slots[s.slot], s)
	h.sockets--
	h.smu.Unlock()
}

// watch is the sockets' one timer: every PingEvery/pingSlots it pings the
// sockets of the next slot (each socket every PingEvery; one that does not
// answer in time is closed), and when Done closes it ends every
// socket with "going away". It stops when no socket is left.
func (h *Handler) watch() {
	every := h.PingEvery
	if every <= 0 {
		every = defaultPingEvery
	}
	wait := min(every/2, maxPingWait)
	tick := time.NewTicker(every / pingSlots)
	defer tick.Stop()
	var done <-chan struct{} = h.Done
	for slot := 0; ; slot = (slot + 1) % pingSlots {
		select {
		case <-tick.C:
			h.smu.Lock()
			if h.sockets == 0 {
				h.watching = false
				h.smu.Unlock()
				return
			}
			for s := range h.slots[slot] {
				go s.ping(wait)
			}
			h.smu.Unlock()
		case <-done:
			h.smu.Lock()
			for _, m := range h.slots {
				for s := range m {
					go s.conn.Close(websocket.StatusGoingAway, "shutting down")
				}
			}
			h.smu.Unlock()
			done = nil // sockets end as they close; pings go on until then
		}
	}
}

func (s *session) ping(wait time.Duration) {
	ctx, cancel := context.WithTimeout(s.ctx, wait)
	defer cancel()
	if err := s.conn.Ping(ctx); err != nil {
		s.conn.CloseNow()
	}
}
