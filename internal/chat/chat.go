// Package chat is the live chat: widget keys, conversations, their
// messages and routing to agents. Every conversation is a ticket (via
// "chat") made and changed through the ticket service's commit path, and
// every visitor or agent line is also a public comment of that ticket, so
// history, business rules and reports see chats like any other
// conversation; agents' internal notes are private comments only.
//
// A visitor holds a signed token bound to one conversation (token.go): it
// is the only way to read or write that conversation, so one visitor can
// never reach another's chat. A widget key names the origins allowed to
// embed it (keys.go); the transport (package chatweb) checks them on every
// call. When the host site signs its customer's email (identity.go), the
// chat joins that customer's account.
//
// Messages, state changes and typing fan out through the event bus (and so,
// on PostgreSQL, to every instance); Hub (hub.go) hands them to the
// connected visitors and agents of this instance, who re-read what they
// show through this service — except a new line, which travels encoded
// once (Signal.Frame) to every visitor's socket of this instance.
package chat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/botapi"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/ratelimit"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// EventChat is the bus event of every chat signal (message, state, typing,
// read, queue). Its Data says which (see Signal).
const EventChat = "chat"

// Conversation states.
const (
	StateBot     = "bot"     // the answer bot holds it
	StateWaiting = "waiting" // queued for a person
	StateActive  = "active"  // an agent accepted it
	StateEnded   = "ended"
	StateOffline = "offline" // left as a message: the reply goes by email
)

// Resolutions (how a chat ended, for reports).
const (
	ResolvedByBot     = "bot"
	ResolvedByAgent   = "agent"
	ResolvedByVisitor = "visitor"
	ResolvedMessage   = "message"
)

// Message kinds.
const (
	KindVisitor = "visitor"
	KindAgent   = "agent"
	KindBot     = "bot"
	KindSystem  = "system"
)

// Limits on what a visitor or agent sends.
const (
	MaxText       = 4000 // bytes of one message
	MaxName       = 100  // runes of a visitor's name
	MaxClientID   = 64   // bytes of a client message id
	MaxPage       = 1000 // bytes of a page URL
	maxPagesKept  = 20
	MaxOrigins    = 50
	MaxKeyName    = 100
	defaultLocale = "en"
)

// Service is the live chat service. Build it with New.
type Service struct {
	DB       *store.DB
	Tickets  *ticket.Service
	Events   *events.Bus
	Box      *secrets.Box
	Settings *settings.Service
	// Bot, when set, answers visitors before routing (nil: straight to a
	// person).
	Bot botapi.Bot
	// BusinessHours says whether t is within the help desk's hours (nil:
	// always). Outside them the widget offers a message form.
	BusinessHours func(ctx context.Context, t time.Time) (bool, error)
	// Budgets keeps the per-IP budgets (limits.go) in the store, shared by
	// every instance (nil: no per-IP budgets).
	Budgets *ratelimit.Budgets
	// StartsPerMinute and StartsPerHour bound the chats started and
	// messages left from one IP: zero means the default, negative no limit
	// (the load tool).
	StartsPerMinute, StartsPerHour int
	// Outbox queues transcripts by email (nil: visitors cannot ask for
	// one). TranscriptsPerHour bounds the requests from one IP (zero: the
	// default; negative: no limit).
	Outbox             *outbox.Outbox
	TranscriptsPerHour int
	// Now is the clock (nil: time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// New returns a Service.
func New(db *store.DB, tickets *ticket.Service, bus *events.Bus, box *secrets.Box, st *settings.Service) *Service {
	return &Service{DB: db, Tickets: tickets, Events: bus, Box: box, Settings: st, Budgets: ratelimit.NewBudgets(db, nil, nil)}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) settingsSvc() *settings.Service {
	return settings.Or(s.Settings, s.DB, s.Events)
}

// Message is one line of a chat as visitors and agents see it.
type Message struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	AuthorID   int64     `json:"author_id,omitempty"`
	AuthorName string    `json:"author"`
	Body       string    `json:"body"`
	ClientID   string    `json:"client_id,omitempty"`
	CreatedAt  desk.Time `json:"created_at"`
	// Data is what the bot offered (articles, buttons) or what a system
	// line says (Code and Args, localized by the widget).
	Data *MessageData `json:"data,omitempty"`
}

// MessageData is a message's structured part.
type MessageData struct {
	Articles []botapi.Article `json:"articles,omitempty"`
	Buttons  []botapi.Button  `json:"buttons,omitempty"`
	Code     string           `json:"code,omitempty"`
	Args     []string         `json:"args,omitempty"`
	// AttachmentID and Size name a file sent in the chat (Code "file"):
	// the visitor downloads it with their token (VisitorFile), agents
	// from the ticket.
	AttachmentID int64 `json:"attachment_id,omitempty"`
	Size         int64 `json:"size,omitempty"`
	// Drafted marks a bot message whose text was drafted automatically
	// (botapi.Reply.Drafted): the widget labels it an automatic answer.
	Drafted bool `json:"drafted,omitempty"`
}

// Conversation is a chat's state.
type Conversation struct {
	ID            int64     `json:"id"`
	KeyID         int64     `json:"-"`
	TicketID      int64     `json:"ticket_id"`
	VisitorID     int64     `json:"-"`
	VisitorName   string    `json:"visitor_name"`
	Verified      bool      `json:"verified"`
	State         string    `json:"state"`
	GroupID       int64     `json:"group_id,omitempty"`
	AgentID       int64     `json:"agent_id,omitempty"`
	AgentName     string    `json:"agent_name,omitempty"`
	Locale        string    `json:"locale"`
	Resolution    string    `json:"resolution,omitempty"`
	CurrentPage   string    `json:"current_page,omitempty"`
	Pages         []string  `json:"pages,omitempty"`
	VisitorReadID int64     `json:"visitor_read_id"`
	AgentReadID   int64     `json:"agent_read_id"`
	CreatedAt     desk.Time `json:"created_at"`
	QueuedAt      desk.Time `json:"queued_at,omitzero"`
	AcceptedAt    desk.Time `json:"accepted_at,omitzero"`
	EndedAt       desk.Time `json:"ended_at,omitzero"`
	// OfferMessageAfter is how long (seconds) a visitor waits in the queue
	// before the widget offers to leave a message instead.
	OfferMessageAfter int64 `json:"offer_message_after,omitempty"`

	nonce    string
	botState []byte
}

// randomString is n random bytes, base64url.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cleanText makes s valid UTF-8 without NUL or other control characters
// (newlines and tabs stay), trimmed.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// cleanLine is cleanText on one line, cut to max runes.
func cleanLine(s string, max int) string {
	s = strings.Join(strings.Fields(cleanText(s)), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}

// normalizeLocale keeps the languages the widget speaks.
func normalizeLocale(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	switch l {
	case "pl":
		return "pl"
	}
	return defaultLocale
}

// Signal is one chat event as the hub hands it out.
type Signal struct {
	Kind      string // "message", "state", "typing", "read", "queue"
	ConvID    int64
	TicketID  int64
	MessageID int64
	// Who is "visitor" or "agent" (typing, read); On is typing's state.
	Who string
	On  bool
	// GroupID is the conversation's group (queue signals).
	GroupID int64
	Origin  string
	// PrevID is the conversation's message before MessageID (message
	// signals; 0 for its first), and Frame the message as the widget
	// receives it (MessageFrame), encoded once by the publisher for every
	// connection of this process. A connection that has sent everything up
	// to PrevID writes Frame as it is; any other, or any signal from
	// another instance (Frame is nil there), re-reads what it missed.
	PrevID int64
	Frame  []byte
}

// MessageFrame is m as a visitor's connection pushes it:
// {"t":"msg","message":…}, with the visitor's view of m (VisitorView's:
// no staff ids).
func MessageFrame(m *Message) ([]byte, error) {
	v := *m
	hideAuthor(&v)
	return json.Marshal(struct {
		T       string   `json:"t"`
		Message *Message `json:"message"`
	}{"msg", &v})
}

// hideAuthor drops the author id of a line a visitor did not write:
// visitors see staff by name only.
func hideAuthor(m *Message) {
	if m.Kind != KindVisitor {
		m.AuthorID = 0
	}
}

func (sg Signal) event() events.Event {
	d := map[string]string{"k": sg.Kind, "c": strconv.FormatInt(sg.ConvID, 10)}
	if sg.MessageID != 0 {
		d["m"] = strconv.FormatInt(sg.MessageID, 10)
	}
	if sg.Who != "" {
		d["w"] = sg.Who
	}
	if sg.On {
		d["on"] = "1"
	}
	if sg.PrevID != 0 {
		d["p"] = strconv.FormatInt(sg.PrevID, 10)
	}
	return events.Event{Type: EventChat, TicketID: sg.TicketID, GroupID: sg.GroupID, Data: d, Payload: sg.Frame}
}

func signalOf(e events.Event) (Signal, bool) {
	if e.Type != EventChat || e.Data == nil {
		return Signal{}, false
	}
	c, err := strconv.ParseInt(e.Data["c"], 10, 64)
	if err != nil || c <= 0 {
		return Signal{}, false
	}
	sg := Signal{Kind: e.Data["k"], ConvID: c, TicketID: e.TicketID, GroupID: e.GroupID, Who: e.Data["w"], On: e.Data["on"] == "1", Origin: e.Origin}
	if m := e.Data["m"]; m != "" {
		sg.MessageID, _ = strconv.ParseInt(m, 10, 64)
	}
	if p := e.Data["p"]; p != "" {
		sg.PrevID, _ = strconv.ParseInt(p, 10, 64)
	}
	if sg.Kind == "message" {
		sg.Frame = e.Payload
	}
	switch sg.Kind {
	case "message", "state", "typing", "read", "queue":
		return sg, true
	}
	return Signal{}, false
}

// publishTx sends sg to every instance once tx commits.
func (s *Service) publishTx(ctx context.Context, tx *store.Tx, sg Signal) error {
	return s.Events.PublishTx(ctx, tx, sg.event())
}

// broadcast sends sg now (typing: not stored).
func (s *Service) broadcast(ctx context.Context, sg Signal) {
	if err := s.Events.Broadcast(ctx, sg.event()); err != nil {
		s.log().Warn("chat: broadcast", "err", err)
	}
}
