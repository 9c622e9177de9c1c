// Package chatweb is the live chat widget's transport: /widget.js, the
// JSON calls the widget makes (config, start, message form, send, poll)
// and the WebSocket at /chat/ws. It holds no rules: package chat decides.
//
// Every call names its widget key (?key=) and comes from a page whose
// Origin that key allows: checked on the WebSocket handshake and on every
// HTTP call, and only such origins get CORS headers. A visitor proves
// their conversation with the token /chat/start returned, as a Bearer
// header (XHR), the first WebSocket frame, or the HttpOnly cookie.
//
// Both transports speak the same frames (see Frame): the WebSocket pushes
// what happens; long polling (/chat/poll) waits for it and /chat/send
// carries the visitor's frames. A message carries the widget's own id, so
// one sent twice (an offline queue replayed after a reconnect) is stored
// once.
package chatweb

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/api"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
)

//go:embed static/widget.js
var widgetJS []byte

// WidgetJS is the widget's script (for the size test and the load tool).
func WidgetJS() []byte { return widgetJS }

// Limits of the transport.
const (
	// MaxFrame bounds one WebSocket frame or HTTP body (bytes): a message
	// of chat.MaxText with its JSON around it fits.
	MaxFrame = 16 << 10
	// DefaultConnsPerIP bounds open WebSockets and waiting polls per IP.
	DefaultConnsPerIP = 20
	// DefaultMessagesPerMinute bounds a connection's messages.
	DefaultMessagesPerMinute = 30
	// DefaultFramesPerMinute bounds all of a connection's frames (typing,
	// read marks, …); a connection far past it is closed.
	DefaultFramesPerMinute = 240
	// DefaultUploadsPerMinute bounds an IP's file uploads.
	DefaultUploadsPerMinute = 10
	// DefaultCallsPerMinute bounds an IP's HTTP calls (send, poll, config).
	DefaultCallsPerMinute = 600
	// PollWait is how long /chat/poll waits for something to happen.
	PollWait   = 25 * time.Second
	helloWait  = 10 * time.Second
	cookieName = "fd_chat"
)

// Handler serves the widget. Build it with New.
type Handler struct {
	Chat   *chat.Service
	Hub    *chat.Hub
	IPs    httpx.IPResolver
	Logger *slog.Logger
	// ConnsPerIP, MessagesPerMinute, FramesPerMinute: zero means the
	// default, negative no limit (the load tool).
	ConnsPerIP        int
	MessagesPerMinute int
	FramesPerMinute   int
	// PingEvery is how often each socket is pinged; one that does not
	// answer within half of it (at most 15s) is closed. Zero: 30s.
	PingEvery time.Duration
	// MaxUpload bounds a file a visitor sends (bytes; 0: uploads off).
	MaxUpload int64
	// Done, when closed (the server shutting down), ends every WebSocket
	// with "going away": the widget reconnects, to another instance if
	// there is one. nil: never.
	Done <-chan struct{}

	calls   *httpx.Limiter
	uploads *httpx.Limiter

	mu    sync.Mutex
	conns map[string]int

	// The open sockets, by ping slot (ws.go: track, watch).
	smu      sync.Mutex
	slots    [pingSlots]map[*session]struct{}
	nextSlot int
	sockets  int
	watching bool
}

// New returns a Handler.
func New(svc *chat.Service, hub *chat.Hub, ips httpx.IPResolver, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{Chat: svc, Hub: hub, IPs: ips, Logger: log,
		calls:   httpx.NewLimiter(DefaultCallsPerMinute, nil),
		uploads: httpx.NewLimiter(DefaultUploadsPerMinute, nil), conns: map[string]int{}}
}

// Register mounts the widget's routes.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /widget.js", h.script)
	mux.HandleFunc("OPTIONS /chat/{op}", h.preflight)
	mux.HandleFunc("POST /chat/config", h.api(h.config))
	mux.HandleFunc("POST /chat/start", h.api(h.start))
	mux.HandleFunc("POST /chat/message", h.api(h.leaveMessage))
	mux.HandleFunc("POST /chat/send", h.api(h.send))
	mux.HandleFunc("POST /chat/poll", h.api(h.poll))
	mux.HandleFunc("POST /chat/transcript", h.api(h.transcript))
	mux.HandleFunc("GET /chat/ws", h.websocket)
	mux.HandleFunc("POST /chat/upload", h.upload)
	mux.HandleFunc("POST /chat/file", h.file)
}

// script serves /widget.js: any site may load it; what it may do is
// decided by the key and origin on every call.
func (h *Handler) script(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("Cross-Origin-Resource-Policy", "cross-origin")
	hd.Set("Access-Control-Allow-Origin", "*")
	http.ServeContent(w, r, "widget.js", time.Time{}, strings.NewReader(string(widgetJS)))
}

// originKey checks the request's key and Origin; with allow it sets the
// CORS headers for that origin.
func (h *Handler) originKey(w http.ResponseWriter, r *http.Request) (*chat.WidgetKey, string, error) {
	origin := r.Header.Get("Origin")
	k, err := h.Chat.KeyForOrigin(r.Context(), r.URL.Query().Get("key"), origin)
	if err != nil {
		return nil, "", err
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Allow-Credentials", "true")
	hd.Add("Vary", "Origin")
	return k, origin, nil
}

func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	if _, _, err := h.originKey(w, r); err != nil {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Methods", "POST")
	hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	hd.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// call is one widget HTTP call after the key and origin checks.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	key    *chat.WidgetKey
	origin string
	ip     string
	body   []byte
}

func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return desk.Invalid("body", "is empty")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return desk.Invalid("body", "is not valid JSON")
	}
	return nil
}

// visitor authenticates the caller's token (Bearer, else the cookie).
func (c *call) visitor(h *Handler) (*chat.Visitor, error) {
	tok := ""
	if a := c.r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		tok = strings.TrimSpace(strings.TrimPrefix(a, "Bearer "))
	} else if ck, err := c.r.Cookie(cookieName); err == nil {
		tok = ck.Value
	}
	v, err := h.Chat.Authenticate(c.r.Context(), tok, c.origin)
	if err != nil {
		return nil, err
	}
	if v.Key.ID != c.key.ID {
		return nil, &desk.Error{Code: desk.EUNAUTHORIZED, Message: "This chat session is not valid; start a new chat"}
	}
	return v, nil
}

func (h *Handler) api(f func(c *call) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		k, origin, err := h.originKey(w, r)
		if err != nil {
			writeErr(w, err)
			return
		}
		ip := h.IPs.IP(r)
		if ok, _, _, retry := h.calls.Allow("ip:" + ip); !ok {
			httpx.WriteRetryAfter(w, retry)
			writeErr(w, &desk.Error{Code: desk.ETOOMANY, Message: "Too many requests; wait a moment"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxFrame))
		if err != nil {
			writeErr(w, &desk.Error{Code: desk.ETOOLARGE, Message: "The request is too large"})
			return
		}
		out, err := f(&call{w: w, r: r, key: k, origin: origin, ip: ip, body: body})
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// errorBody is what a refused call answers (and a WebSocket error frame
// carries).
type errorBody struct {
	T       string `json:"t,omitempty"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

func errBody(err error) errorBody {
	code := desk.ErrorCode(err)
	msg := desk.ErrorMessage(err)
	if code == "" || api.ErrorStatus(err) == http.StatusInternalServerError {
		code, msg = desk.EINTERNAL, "Something went wrong; try again"
	}
	return errorBody{Error: code, Message: msg}
}

// writeErr answers a refused call; a spent budget (chat.LimitError) also
// says when to try again (Retry-After).
func writeErr(w http.ResponseWriter, err error) {
	var le *chat.LimitError
	if errors.As(err, &le) {
		httpx.WriteRetryAfter(w, le.RetryAfter)
	}
	writeJSON(w, api.ErrorStatus(err), errBody(err))
}

func (h *Handler) config(c *call) (any, error) {
	return h.Chat.Available(c.r.Context(), c.key)
}

// startBody is the pre-chat form (and the message form).
type startBody struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Question string `json:"question"`
	Page     string `json:"page"`
	Locale   string `json:"locale"`
	JWT      string `json:"jwt"`
	ClientID string `json:"client_id"`
	GroupID  int64  `json:"group_id"`
}

func (b startBody) input(ip string) chat.StartInput {
	return chat.StartInput{Name: b.Name, Email: b.Email, Question: b.Question, Page: b.Page, Locale: b.Locale, JWT: b.JWT, ClientID: b.ClientID, IP: ip, GroupID: b.GroupID}
}

// startReply is /chat/start's answer.
type startReply struct {
	Token string `json:"token"`
	*chat.View
}

func (h *Handler) start(c *call) (any, error) {
	var b startBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	st, err := h.Chat.Start(c.r.Context(), c.key, b.input(c.ip))
	if err != nil {
		return nil, err
	}
	v, err := h.Chat.Authenticate(c.r.Context(), st.Token, c.origin)
	if err != nil {
		return nil, err
	}
	view, err := h.Chat.VisitorView(c.r.Context(), v, 0)
	if err != nil {
		return nil, err
	}
	ck := &http.Cookie{Name: cookieName, Value: st.Token, Path: "/chat", HttpOnly: true, MaxAge: 86400, SameSite: http.SameSiteLaxMode}
	if h.IPs.IsHTTPS(c.r) {
		ck.Secure, ck.SameSite = true, http.SameSiteNoneMode
	}
	http.SetCookie(c.w, ck)
	return startReply{Token: st.Token, View: view}, nil
}

func (h *Handler) leaveMessage(c *call) (any, error) {
	var b startBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	if _, err := h.Chat.LeaveMessage(c.r.Context(), c.key, b.input(c.ip)); err != nil {
		return nil, err
	}
	return map[string]bool{"ok": true}, nil
}

// Frame is what a visitor sends (WebSocket frames, /chat/send bodies).
type Frame struct {
	T        string `json:"t"`
	Token    string `json:"token,omitempty"`     // hello
	After    int64  `json:"after,omitempty"`     // hello, poll
	ClientID string `json:"client_id,omitempty"` // msg
	Text     string `json:"text,omitempty"`      // msg
	On       bool   `json:"on,omitempty"`        // typing
	ID       int64  `json:"id,omitempty"`        // read
	URL      string `json:"url,omitempty"`       // page
	Button   string `json:"button,omitempty"`    // button
}

// ack answers a stored message.
type ack struct {
	T        string        `json:"t"`
	ClientID string        `json:"client_id,omitempty"`
	Message  *chat.Message `json:"message"`
}

// dispatch applies one visitor frame; both transports use it.
func (h *Handler) dispatch(ctx context.Context, v *chat.Visitor, f Frame) (any, error) {
	switch f.T {
	case "msg":
		m, err := h.Chat.VisitorSend(ctx, v, f.ClientID, f.Text)
		if err != nil {
			return nil, err
		}
		return ack{T: "ack", ClientID: f.ClientID, Message: m}, nil
	case "typing":
		h.Chat.VisitorTyping(ctx, v, f.On)
	case "read":
		return nil, h.Chat.VisitorRead(ctx, v, f.ID)
	case "page":
		return nil, h.Chat.VisitorPage(ctx, v, f.URL)
	case "button":
		return nil, h.Chat.VisitorButton(ctx, v, f.Button)
	case "leave":
		return nil, h.Chat.VisitorLeave(ctx, v)
	case "end":
		return nil, h.Chat.VisitorEnd(ctx, v)
	default:
		return nil, desk.Invalid("t", "is not a known frame type")
	}
	return nil, nil
}

func (h *Handler) send(c *call) (any, error) {
	var f Frame
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	v, err := c.visitor(h)
	if err != nil {
		return nil, err
	}
	out, err := h.dispatch(c.r.Context(), v, f)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = map[string]bool{"ok": true}
	}
	return out, nil
}

// pollReply is what /chat/poll answers: the conversation, messages after
// the caller's last, and the agent's typing when that is what happened.
type pollReply struct {
	*chat.View
	Typing *bool `json:"typing,omitempty"`
}

// hold counts an open connection or waiting poll of ip against the limit.
func (h *Handler) hold(ip string) (release func(), err error) {
	limit := chat.LimitOf(h.ConnsPerIP, DefaultConnsPerIP)
	h.mu.Lock()
	defer h.mu.Unlock()
	if limit > 0 && h.conns[ip] >= limit {
		return nil, &desk.Error{Code: desk.ETOOMANY, Message: "Too many open chat connections from here"}
	}
	h.conns[ip]++
	return func() {
		h.mu.Lock()
		h.conns[ip]--
		if h.conns[ip] <= 0 {
			delete(h.conns, ip)
		}
		h.mu.Unlock()
	}, nil
}

func (h *Handler) poll(c *call) (any, error) {
	var f Frame
	if len(c.body) > 0 {
		if err := c.decode(&f); err != nil {
			return nil, err
		}
	}
	v, err := c.visitor(h)
	if err != nil {
		return nil, err
	}
	release, err := h.hold(c.ip)
	if err != nil {
		return nil, err
	}
	defer release()
	l, stop := h.Hub.ListenConversation(v.Conversation.ID)
	defer stop()
	ctx := c.r.Context()
	view, err := h.Chat.VisitorView(ctx, v, f.After)
	if err != nil {
		return nil, err
	}
	if len(view.Messages) > 0 || view.Conversation.State != v.Conversation.State {
		return pollReply{View: view}, nil
	}
	timer := time.NewTimer(PollWait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return pollReply{View: view}, nil
		case sg := <-l.C:
			if sg.Kind == "typing" {
				if sg.Who != "agent" {
					continue
				}
				on := sg.On
				return pollReply{View: view, Typing: &on}, nil
			}
			if sg.Kind == "read" && sg.Who != "agent" {
				continue
			}
			view, err = h.Chat.VisitorView(ctx, v, f.After)
			if err != nil {
				return nil, err
			}
			return pollReply{View: view}, nil
		}
	}
}

// transcript queues the caller's chat transcript to the address of its
// pre-chat form; the request names no address (there is none to name).
func (h *Handler) transcript(c *call) (any, error) {
	v, err := c.visitor(h)
	if err != nil {
		return nil, err
	}
	return h.Chat.VisitorTranscript(c.r.Context(), v, c.ip)
}

// rawVisitor is the start of the widget's calls that are not JSON (a file
// up or down): the key and origin checked, one use of the IP's budget in
// lim, the visitor from the token. It has answered when ok is false.
func (h *Handler) rawVisitor(w http.ResponseWriter, r *http.Request, lim *httpx.Limiter, tooMany string) (v *chat.Visitor, ok bool) {
	k, origin, err := h.originKey(w, r)
	if err != nil {
		writeErr(w, err)
		return nil, false
	}
	ip := h.IPs.IP(r)
	if allowed, _, _, retry := lim.Allow("ip:" + ip); !allowed {
		httpx.WriteRetryAfter(w, retry)
		writeErr(w, &desk.Error{Code: desk.ETOOMANY, Message: tooMany})
		return nil, false
	}
	c := &call{w: w, r: r, key: k, origin: origin, ip: ip}
	if v, err = c.visitor(h); err != nil {
		writeErr(w, err)
		return nil, false
	}
	return v, true
}

// upload takes one file (multipart field "file", ?client_id= for the
// replay check) from a visitor, under the attachment size limit.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if h.MaxUpload <= 0 {
		writeErr(w, desk.NotFound())
		return
	}
	v, ok := h.rawVisitor(w, r, h.uploads, "Too many files; wait a moment")
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.MaxUpload+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		writeErr(w, desk.Invalid("file", "send one file as multipart/form-data"))
		return
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			writeErr(w, desk.Invalid("file", "is missing"))
			return
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		m, err := h.Chat.VisitorUpload(r.Context(), v, r.URL.Query().Get("client_id"), part.FileName(), part)
		part.Close()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &desk.Error{Code: desk.ETOOLARGE, Message: "the file is larger than the attachment limit"}
		}
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, ack{T: "ack", ClientID: r.URL.Query().Get("client_id"), Message: m})
		return
	}
}

// file sends the visitor a file of their chat (?id= its message) as a
// download. The widget fetches it with the token (Bearer) and saves it:
// no link carries the token, and the file is never rendered by a page.
func (h *Handler) file(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	v, ok := h.rawVisitor(w, r, h.calls, "Too many requests; wait a moment")
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil || id <= 0 {
		writeErr(w, desk.NotFound())
		return
	}
	a, body, err := h.Chat.VisitorFile(r.Context(), v, id)
	if err != nil {
		writeErr(w, err)
		return
	}
	defer body.Close()
	attach.ServeDownload(w, a.ContentType, a.FileName, a.Size, body)
}

// isClosed reports a connection that ended normally.
func isClosed(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, io.EOF)
}
