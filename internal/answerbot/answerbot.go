// Package answerbot is the answer bot: before a person is involved it
// answers a chat visitor from the help center (in the visitor's language,
// with the visitor's visibility), walks the admin-defined flow that is
// active (a small versioned decision tree of messages, buttons, questions,
// article searches and handovers), and records every conversation it lets
// go of as resolved (an article answered it) or handed over, for reports.
//
// Service implements botapi.Bot; the live chat calls it each turn. The
// bot's state travels in Reply.State and comes back in the next Turn; it
// names the flow version a chat started with, so saving a flow never
// changes a chat already running. The state is signed (a state not signed
// here starts afresh), and a button or article the bot did not offer is
// refused.
package answerbot

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/botapi"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Button ids the bot offers besides its flows' ("flow:<step>:<n>").
const (
	ButtonPerson   = "person"
	buttonAnswered = "answered:"
	buttonFlow     = "flow:"
)

// MaxArticles is how many articles the bot offers at once.
const MaxArticles = 3

const snippetLen = 160

// Service is the answer bot. It is safe for concurrent use.
type Service struct {
	DB *store.DB
	HC *helpcenter.Service
	// Tickets solves a ticket from an email suggestion's link.
	Tickets *ticket.Service
	// Settings reads answer_bot.email_suggestions and the drafting
	// settings (nil: uncached).
	Settings *settings.Service
	// Box opens the drafting endpoint's API key (nil: no key can be used).
	Box *secrets.Box
	// Logger records drafting failures (nil: slog.Default()).
	Logger *slog.Logger
	// Stats counts drafting requests by result.
	Stats DraftStats
	// OnJob is called after a commit that enqueued a job (nil: the runner
	// finds it when it next polls).
	OnJob func()
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

var _ botapi.Bot = (*Service)(nil)

// New returns the bot over the help center hc; tickets (may be nil for
// chat alone) solves tickets from email suggestion links.
func New(db *store.DB, hc *helpcenter.Service, tickets *ticket.Service, st *settings.Service) *Service {
	return &Service{DB: db, HC: hc, Tickets: tickets, Settings: st}
}

func (s *Service) locales() []string { return s.HC.Locales }

func (s *Service) defaultLocale() string { return s.HC.DefaultLocale() }

// in returns t's text in loc, else in the default locale.
func (t Texts) in(loc, def string) string {
	if x := strings.TrimSpace(t[loc]); x != "" {
		return x
	}
	return strings.TrimSpace(t[def])
}

// state is what the bot remembers between turns.
type state struct {
	V int `json:"v"`
	// Flow and Ver pin the flow version the chat started with.
	Flow int64 `json:"f,omitempty"`
	Ver  int   `json:"fv,omitempty"`
	// Step is the flow step waiting for the visitor (buttons or an answer).
	Step string `json:"s,omitempty"`
	// Offered are the articles shown last; only they can resolve the chat.
	Offered []int64 `json:"o,omitempty"`
	// Answers are the answers to ask steps, in order ("Order number: 123").
	Answers []string `json:"a,omitempty"`
}

// stateKey signs the state, so a state that went through a visitor's
// hands cannot name another flow, step or article.
func (s *Service) stateKey(ctx context.Context) ([]byte, error) {
	return s.keyFor(ctx, s.DB, "frontdesk answer bot state v1")
}

// encodeState is the state's JSON, base64url, a dot and its signature.
func (s *Service) encodeState(ctx context.Context, st state) ([]byte, error) {
	key, err := s.stateKey(ctx)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	p := base64.RawURLEncoding.EncodeToString(b)
	return []byte(p + "." + sign(key, p)), nil
}

// decodeState reads a state; one that is missing, malformed or not
// signed here starts afresh.
func (s *Service) decodeState(ctx context.Context, b []byte) (state, error) {
	fresh := state{V: 1}
	p, sig, ok := strings.Cut(string(b), ".")
	if len(b) == 0 || len(b) > 64*1024 || !ok {
		return fresh, nil
	}
	key, err := s.stateKey(ctx)
	if err != nil {
		return fresh, err
	}
	if !hmac.Equal([]byte(sign(key, p)), []byte(sig)) {
		return fresh, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	var st state
	if err != nil || json.Unmarshal(raw, &st) != nil || st.V != 1 {
		return fresh, nil
	}
	return st, nil
}

// turn is one Turn being answered.
type turn struct {
	botapi.Turn
	loc string
	pr  *locale.Printer
	st  state
	out botapi.Reply
	// visitor is the context the help center is searched in: the
	// visitor's own principal, or none for an anonymous visitor.
	visitor context.Context
	text    []string
}

func (t *turn) say(s string) {
	if s = strings.TrimSpace(s); s != "" {
		t.text = append(t.text, s)
	}
}

// Turn answers one visitor turn.
func (s *Service) Turn(ctx context.Context, in botapi.Turn) (botapi.Reply, error) {
	st, err := s.decodeState(ctx, in.State)
	if err != nil {
		return botapi.Reply{}, fmt.Errorf("answerbot: state: %w", err)
	}
	t := &turn{Turn: in, st: st}
	t.loc = s.HC.NormalizeLocale(in.Locale)
	if t.loc == "" {
		t.loc = s.defaultLocale()
	}
	t.pr = locale.Default().Printer(t.loc, nil)
	t.visitor = desk.WithPrincipal(ctx, nil)
	if in.VisitorUserID != 0 {
		if p, err := people.PrincipalFor(ctx, s.DB, in.VisitorUserID); err == nil {
			p.Via = "chat"
			t.visitor = desk.WithPrincipal(ctx, p)
		} else if desk.ErrorCode(err) == desk.EINTERNAL {
			return botapi.Reply{}, fmt.Errorf("answerbot: visitor: %w", err)
		}
	}
	switch {
	case in.Text == "" && in.ButtonID == "" && in.State == nil:
		err = s.start(ctx, t)
	case in.ButtonID == ButtonPerson:
		err = s.handover(ctx, t, in.GroupID)
	case strings.HasPrefix(in.ButtonID, buttonAnswered):
		err = s.answered(ctx, t)
	case strings.HasPrefix(in.ButtonID, buttonFlow):
		err = s.pressFlow(ctx, t)
	case in.ButtonID != "":
		t.say(t.pr.T("answerbot.unknown_choice"))
		err = s.reprompt(ctx, t)
	case strings.TrimSpace(in.Text) != "":
		err = s.text(ctx, t)
	default:
		t.say(t.pr.T("answerbot.ask"))
		t.out.Buttons = []botapi.Button{t.person()}
	}
	if err != nil {
		return botapi.Reply{}, err
	}
	t.out.Text = strings.Join(t.text, "\n\n")
	if !t.out.Handover && !t.out.Resolved {
		b, err := s.encodeState(ctx, t.st)
		if err != nil {
			return botapi.Reply{}, fmt.Errorf("answerbot: state: %w", err)
		}
		t.out.State = b
	}
	return t.out, nil
}

func (t *turn) person() botapi.Button {
	return botapi.Button{ID: ButtonPerson, Label: t.pr.T("answerbot.talk_to_person")}
}

// start greets the visitor and enters the active flow, if any.
func (s *Service) start(ctx context.Context, t *turn) error {
	t.say(t.pr.T("answerbot.greeting"))
	f, err := s.activeFlow(ctx)
	if err != nil {
		return err
	}
	if f == nil || len(f.Steps) == 0 {
		t.out.Buttons = []botapi.Button{t.person()}
		return nil
	}
	t.st.Flow, t.st.Ver = f.ID, f.Version
	return s.enter(ctx, t, f, &f.Steps[0])
}

// enter shows step st of flow f and does what its kind says.
func (s *Service) enter(ctx context.Context, t *turn, f *Flow, st *Step) error {
	def := s.defaultLocale()
	t.say(st.Text.in(t.loc, def))
	t.st.Step = ""
	switch st.Kind {
	case KindMessage:
		if len(st.Buttons) == 0 {
			t.say(t.pr.T("answerbot.ask"))
			t.out.Buttons = []botapi.Button{t.person()}
			return nil
		}
		t.st.Step = st.ID
		for i, b := range st.Buttons {
			t.out.Buttons = append(t.out.Buttons, botapi.Button{ID: buttonFlow + st.ID + ":" + strconv.Itoa(i), Label: b.Label.in(t.loc, def)})
		}
		t.out.Buttons = append(t.out.Buttons, t.person())
	case KindAsk:
		t.st.Step = st.ID
		t.out.Buttons = []botapi.Button{t.person()}
	case KindHandover:
		return s.handover(ctx, t, st.GroupID)
	case KindArticles:
		return s.offer(ctx, t, st.Query.in(t.loc, def))
	}
	return nil
}

// pinned loads the flow version the chat started with (nil: gone).
func (s *Service) pinned(ctx context.Context, t *turn) (*Flow, error) {
	if t.st.Flow == 0 {
		return nil, nil
	}
	return s.flowVersion(ctx, t.st.Flow, t.st.Ver)
}

// pressFlow follows a flow button: "flow:<step>:<n>", only for the step
// the chat is waiting in.
func (s *Service) pressFlow(ctx context.Context, t *turn) error {
	rest := strings.TrimPrefix(t.ButtonID, buttonFlow)
	i := strings.LastIndexByte(rest, ':')
	if i < 0 || t.st.Step == "" || rest[:i] != t.st.Step {
		t.say(t.pr.T("answerbot.unknown_choice"))
		return s.reprompt(ctx, t)
	}
	f, err := s.pinned(ctx, t)
	if err != nil {
		return err
	}
	if f == nil {
		// The flow was deleted under the chat: a person takes over.
		return s.handover(ctx, t, t.GroupID)
	}
	st := f.step(t.st.Step)
	n, err := strconv.Atoi(rest[i+1:])
	if st == nil || st.Kind != KindMessage || err != nil || n < 0 || n >= len(st.Buttons) {
		t.say(t.pr.T("answerbot.unknown_choice"))
		return s.reprompt(ctx, t)
	}
	next := f.step(st.Buttons[n].Next)
	if next == nil {
		return s.handover(ctx, t, t.GroupID)
	}
	return s.enter(ctx, t, f, next)
}

// reprompt shows again what the chat is waiting for.
func (s *Service) reprompt(ctx context.Context, t *turn) error {
	if t.st.Step != "" {
		f, err := s.pinned(ctx, t)
		if err != nil {
			return err
		}
		if f != nil {
			if st := f.step(t.st.Step); st != nil {
				return s.enter(ctx, t, f, st)
			}
		}
		t.st.Step = ""
	}
	if len(t.st.Offered) > 0 {
		arts, err := s.articlesByID(t, t.st.Offered)
		if err != nil {
			return err
		}
		if len(arts) > 0 {
			s.show(t, arts)
			return nil
		}
	}
	t.say(t.pr.T("answerbot.ask"))
	t.out.Buttons = []botapi.Button{t.person()}
	return nil
}

// text handles what the visitor typed: the answer to an ask step, or a
// question for the help center.
func (s *Service) text(ctx context.Context, t *turn) error {
	if t.st.Step != "" {
		f, err := s.pinned(ctx, t)
		if err != nil {
			return err
		}
		if f == nil {
			return s.handover(ctx, t, t.GroupID)
		}
		if st := f.step(t.st.Step); st != nil && st.Kind == KindAsk {
			ans := cleanAnswer(t.Text)
			line := st.Label.in(t.loc, s.defaultLocale()) + ": " + ans
			t.st.Answers = append(t.st.Answers, line)
			t.say(t.pr.T("answerbot.noted", "answer", line))
			next := f.step(st.Next)
			if next == nil {
				return s.handover(ctx, t, t.GroupID)
			}
			return s.enter(ctx, t, f, next)
		}
		// Typing instead of pressing a button: treat it as a question.
		t.st.Step = ""
	}
	return s.offerDrafted(ctx, t, t.Text)
}

// cleanAnswer keeps an answer to one line of at most MaxAnswer printable
// characters.
func cleanAnswer(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > MaxAnswer {
		s = string([]rune(s)[:MaxAnswer])
	}
	return s
}

// offer searches the help center for query and offers what it finds; with
// nothing found a person takes over.
func (s *Service) offer(ctx context.Context, t *turn, query string) error {
	_, err := s.offerFound(ctx, t, query)
	return err
}

// offerFound is offer, returning the articles found.
func (s *Service) offerFound(ctx context.Context, t *turn, query string) ([]helpcenter.Article, error) {
	found, err := s.suggest(t.visitor, t.loc, query, MaxArticles)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		t.say(t.pr.T("answerbot.nothing_found"))
		return nil, s.handover(ctx, t, t.GroupID)
	}
	arts := make([]botapi.Article, len(found))
	t.st.Offered = t.st.Offered[:0]
	for i, a := range found {
		arts[i] = toArticle(a)
		t.st.Offered = append(t.st.Offered, a.ID)
	}
	t.say(t.pr.T("answerbot.found"))
	s.show(t, arts)
	return found, nil
}

// offerDrafted answers a question the visitor typed: the articles found,
// and, when drafting is on, a drafted answer from them — sent to the
// visitor marked as automatic (mode visitors), or kept for the agents as
// an internal note (mode agents). Without a draft it is offer.
func (s *Service) offerDrafted(ctx context.Context, t *turn, question string) error {
	cfg, on, err := s.draftMode(ctx)
	if err != nil {
		// Drafting is an extra: a setting that cannot be read turns it off.
		s.Stats.Failed.Add(1)
		s.log().Warn("answerbot: reading the drafting settings; answering without a draft", "conversation_id", t.ConversationID, "err", err)
		on = false
	}
	if !on {
		return s.offer(ctx, t, question)
	}
	mark := len(t.text)
	found, err := s.offerFound(ctx, t, question)
	if err != nil || len(found) == 0 {
		return err
	}
	text, used := s.draft(ctx, cfg, question, found, "chat", t.ConversationID)
	if text == "" {
		return nil
	}
	switch cfg.mode {
	case settings.BotDraftVisitors:
		// The draft replaces "these articles may answer…"; the articles
		// follow as its sources, with the usual buttons.
		t.text = append(t.text[:mark], t.pr.T("answerbot.draft_intro"), text, t.pr.T("answerbot.draft_sources"))
		t.out.Drafted = true
	case settings.BotDraftAgents:
		t.out.AgentNote = AgentNote(text, used)
	}
	return nil
}

// AgentNote is the internal note that holds a draft for the agents.
func AgentNote(draft string, used []helpcenter.Article) string {
	var b strings.Builder
	b.WriteString("Answer bot draft (written automatically from help-center articles; not sent to the customer — check it before using it):\n\n")
	b.WriteString(draft)
	if len(used) > 0 {
		b.WriteString("\n\nArticles used:")
		for _, a := range used {
			ba := toArticle(a)
			b.WriteString("\n- " + oneLine(ba.Title) + " (" + ba.URL + ")")
		}
	}
	return b.String()
}

func (s *Service) show(t *turn, arts []botapi.Article) {
	t.out.Articles = arts
	t.out.Buttons = nil
	for _, a := range arts {
		label := t.pr.T("answerbot.answered_it")
		if len(arts) > 1 {
			label = t.pr.T("answerbot.answered_it_title", "title", a.Title)
		}
		t.out.Buttons = append(t.out.Buttons, botapi.Button{ID: buttonAnswered + strconv.FormatInt(a.ID, 10), Label: label})
	}
	t.out.Buttons = append(t.out.Buttons, t.person())
}

// Suggest returns up to n articles for text that the caller in ctx may
// read, in loc (falling back to the default locale when loc has none), as
// the bot offers them. The email suggestions use it too.
func (s *Service) Suggest(ctx context.Context, loc, text string, n int) ([]botapi.Article, error) {
	return s.suggestIn(ctx, s.DB, loc, text, n)
}

// suggestIn is Suggest reading through q (the store, or the caller's
// transaction).
func (s *Service) suggestIn(ctx context.Context, q store.Querier, loc, text string, n int) ([]botapi.Article, error) {
	found, err := s.searchIn(ctx, q, loc, text, n)
	if err != nil {
		return nil, err
	}
	out := make([]botapi.Article, 0, len(found))
	for _, a := range found {
		out = append(out, toArticle(a))
	}
	return out, nil
}

// suggest is Suggest's search, returning the articles themselves.
func (s *Service) suggest(ctx context.Context, loc, text string, n int) ([]helpcenter.Article, error) {
	return s.searchIn(ctx, s.DB, loc, text, n)
}

// searchIn is suggest reading through q.
func (s *Service) searchIn(ctx context.Context, q store.Querier, loc, text string, n int) ([]helpcenter.Article, error) {
	rs, err := s.HC.SuggestIn(ctx, q, loc, text, n)
	if err != nil {
		return nil, fmt.Errorf("answerbot: search: %w", err)
	}
	if len(rs) == 0 && loc != s.defaultLocale() {
		if rs, err = s.HC.SuggestIn(ctx, q, s.defaultLocale(), text, n); err != nil {
			return nil, fmt.Errorf("answerbot: search: %w", err)
		}
	}
	out := make([]helpcenter.Article, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Article)
	}
	return out, nil
}

func toArticle(a helpcenter.Article) botapi.Article {
	path := "/hc/" + a.Locale + "/articles/" + strconv.FormatInt(a.ID, 10)
	if slug := a.Slug(); slug != "" {
		path += "-" + slug
	}
	snip := sanitize.PlainText(a.Body)
	if utf8.RuneCountInString(snip) > snippetLen {
		snip = strings.TrimSpace(string([]rune(snip)[:snippetLen])) + "…"
	}
	return botapi.Article{ID: a.ID, Title: a.Title, URL: path, Snippet: snip}
}

// articlesByID reloads offered articles the visitor may still read.
func (s *Service) articlesByID(t *turn, ids []int64) ([]botapi.Article, error) {
	var out []botapi.Article
	for _, id := range ids {
		a, err := s.HC.Article(t.visitor, id, t.loc)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("answerbot: article: %w", err)
		}
		out = append(out, toArticle(a))
	}
	return out, nil
}

// answered ends the chat as resolved by an article the bot offered.
func (s *Service) answered(ctx context.Context, t *turn) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(t.ButtonID, buttonAnswered), 10, 64)
	if err != nil || !slices.Contains(t.st.Offered, id) {
		t.say(t.pr.T("answerbot.unknown_choice"))
		return s.reprompt(ctx, t)
	}
	if err := s.Record(ctx, Outcome{Channel: ChannelChat, ConversationID: t.ConversationID, TicketID: t.TicketID, ArticleID: id, Result: Resolved}); err != nil {
		return err
	}
	t.say(t.pr.T("answerbot.glad"))
	t.out.Resolved, t.out.ArticleID = true, id
	return nil
}

// handover lets a person take over (in group, or the chat's own group).
func (s *Service) handover(ctx context.Context, t *turn, group int64) error {
	if group == 0 {
		group = t.GroupID
	}
	if err := s.Record(ctx, Outcome{Channel: ChannelChat, ConversationID: t.ConversationID, TicketID: t.TicketID, Result: Handover}); err != nil {
		return err
	}
	t.say(t.pr.T("answerbot.handover"))
	for _, a := range t.st.Answers {
		t.say(a)
	}
	t.out.Handover, t.out.GroupID = true, group
	t.out.Buttons, t.out.Articles = nil, nil
	return nil
}
