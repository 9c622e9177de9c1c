package chatweb

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
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

// pushed frames.
type helloFrame struct {
	T string `json:"t"`
	*chat.View
}

type msgFrame struct {
	T       string        `json:"t"`
	Message *chat.Message `json:"message"`
}

type stateFrame struct {
	T            string             `json:"t"`
	Conversation *chat.Conversation `json:"conversation"`
}

type typingFrame struct {
	T  string `json:"t"`
	On bool   `json:"on"`
}

type readFrame struct {
	T  string `json:"t"`
	ID int64  `json:"id"`
}

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
	defer release()
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
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(MaxFrame)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	s := &session{h: h, conn: conn, ctx: ctx, origin: origin, key: k}
	s.run(cookieTok)
}

type session struct {
	h      *Handler
	conn   *websocket.Conn
	ctx    context.Context
	origin string
	key    *chat.WidgetKey
	v      *chat.Visitor
	last   int64 // the last message id sent
	state  string
}

func (s *session) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	return s.conn.Write(ctx, websocket.MessageText, b)
}

func (s *session) fail(err error) error {
	b := errBody(err)
	b.T = "error"
	return s.write(b)
}

// reader passes frames to frames until the connection ends.
func (s *session) reader(frames chan<- []byte, done chan<- error) {
	for {
		typ, b, err := s.conn.Read(s.ctx)
		if err != nil {
			done <- err
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		select {
		case frames <- b:
		case <-s.ctx.Done():
			return
		}
	}
}

func (s *session) run(cookieTok string) {
	frames := make(chan []byte, 8)
	done := make(chan error, 1)
	go s.reader(frames, done)

	// hello first.
	var hello Frame
	select {
	case b := <-frames:
		if json.Unmarshal(b, &hello) != nil || hello.T != "hello" {
			_ = s.fail(desk.Invalid("t", "the first frame must be hello"))
			s.conn.Close(websocket.StatusPolicyViolation, "hello first")
			return
		}
	case <-done:
		return
	case <-time.After(helloWait):
		s.conn.Close(websocket.StatusPolicyViolation, "no hello")
		return
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
		return
	}
	s.v = v
	l, stop := s.h.Hub.ListenConversation(v.Conversation.ID)
	defer stop()
	view, err := s.h.Chat.VisitorView(s.ctx, v, hello.After)
	if err != nil {
		s.conn.Close(websocket.StatusInternalError, "")
		return
	}
	s.last = max(hello.After, lastID(view.Messages))
	s.state = view.Conversation.State
	if err := s.write(helloFrame{T: "hello", View: view}); err != nil {
		return
	}

	msgLimit := chat.LimitOf(s.h.MessagesPerMinute, DefaultMessagesPerMinute)
	frameLimit := chat.LimitOf(s.h.FramesPerMinute, DefaultFramesPerMinute)
	var window time.Time
	var msgs, all int
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case err := <-done:
			if !isClosed(err) && websocket.CloseStatus(err) == -1 && !strings.Contains(err.Error(), "closed") {
				// Oversize frames end here too (read limit).
				s.h.Logger.Debug("chat: websocket read", "err", err)
			}
			return
		case b := <-frames:
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
				if s.fail(desk.Invalid("frame", "is not valid JSON")) != nil {
					return
				}
				continue
			}
			if frameLimit > 0 && all > frameLimit {
				if s.fail(&desk.Error{Code: desk.ETOOMANY, Message: "Slow down"}) != nil {
					return
				}
				continue
			}
			if f.T == "msg" {
				msgs++
				if msgLimit > 0 && msgs > msgLimit {
					e := errBody(&desk.Error{Code: desk.ETOOMANY, Message: "Too many messages; wait a moment"})
					e.T = "error"
					if s.write(struct {
						errorBody
						ClientID string `json:"client_id"`
					}{e, f.ClientID}) != nil {
						return
					}
					continue
				}
			}
			out, err := s.h.dispatch(s.ctx, s.v, f)
			if err != nil {
				e := errBody(err)
				e.T = "error"
				if s.write(struct {
					errorBody
					ClientID string `json:"client_id,omitempty"`
				}{e, f.ClientID}) != nil {
					return
				}
				continue
			}
			if out != nil {
				if a, ok := out.(ack); ok && a.Message != nil {
					// Messages go out in order through push; an ack is
					// what the widget waits for to drop its queued copy.
					if err := s.push(); err != nil {
						return
					}
				}
				if err := s.write(out); err != nil {
					return
				}
			}
		case sg := <-l.C:
			if err := s.signal(sg, l.Lagged()); err != nil {
				return
			}
		case <-s.h.Done:
			s.conn.Close(websocket.StatusGoingAway, "shutting down")
			return
		case <-ping.C:
			ctx, cancel := context.WithTimeout(s.ctx, 15*time.Second)
			err := s.conn.Ping(ctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
}

func lastID(ms []*chat.Message) int64 {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].ID
}

// push sends the messages after the last one sent, and the state when it
// changed.
func (s *session) push() error {
	view, err := s.h.Chat.VisitorView(s.ctx, s.v, s.last)
	if err != nil {
		return err
	}
	for _, m := range view.Messages {
		if err := s.write(msgFrame{T: "msg", Message: m}); err != nil {
			return err
		}
		s.last = m.ID
	}
	if view.Conversation.State != s.state {
		s.state = view.Conversation.State
		return s.write(stateFrame{T: "state", Conversation: view.Conversation})
	}
	return nil
}

func (s *session) signal(sg chat.Signal, lagged bool) error {
	if lagged {
		return s.push()
	}
	switch sg.Kind {
	case "typing":
		if sg.Who == "agent" {
			return s.write(typingFrame{T: "typing", On: sg.On})
		}
	case "read":
		if sg.Who == "agent" {
			return s.write(readFrame{T: "read", ID: sg.MessageID})
		}
	case "message":
		if sg.MessageID > s.last {
			return s.push()
		}
	case "state", "queue":
		view, err := s.h.Chat.VisitorView(s.ctx, s.v, s.last)
		if err != nil {
			return err
		}
		for _, m := range view.Messages {
			if err := s.write(msgFrame{T: "msg", Message: m}); err != nil {
				return err
			}
			s.last = m.ID
		}
		s.state = view.Conversation.State
		return s.write(stateFrame{T: "state", Conversation: view.Conversation})
	}
	return nil
}
