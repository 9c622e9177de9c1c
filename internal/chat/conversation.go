package chat

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

const convColumns = `c.id, c.widget_key_id, c.ticket_id, c.visitor_user_id, c.visitor_name, c.verified, c.token_nonce, c.state,
	COALESCE(c.group_id, 0), COALESCE(c.agent_id, 0), COALESCE(u.name, ''), c.locale, c.bot_state, c.resolution, c.current_page, c.pages,
	c.visitor_read_id, c.agent_read_id, c.created_at, c.queued_at, c.accepted_at, c.ended_at`

const convFrom = ` FROM chat_conversations c LEFT JOIN users u ON u.id = c.agent_id`

func scanConversation(sc interface{ Scan(...any) error }) (*Conversation, error) {
	var c Conversation
	var pages string
	var created, queued, accepted, ended int64
	if err := sc.Scan(&c.ID, &c.KeyID, &c.TicketID, &c.VisitorID, &c.VisitorName, &c.Verified, &c.nonce, &c.State,
		&c.GroupID, &c.AgentID, &c.AgentName, &c.Locale, &c.botState, &c.Resolution, &c.CurrentPage, &pages,
		&c.VisitorReadID, &c.AgentReadID, &created, &queued, &accepted, &ended); err != nil {
		return nil, err
	}
	for _, p := range strings.Split(pages, "\n") {
		if p != "" {
			c.Pages = append(c.Pages, p)
		}
	}
	c.CreatedAt, c.QueuedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(queued)
	c.AcceptedAt, c.EndedAt = desk.TimeFromMicros(accepted), desk.TimeFromMicros(ended)
	return &c, nil
}

func (s *Service) conversation(ctx context.Context, q store.Querier, id int64) (*Conversation, error) {
	c, err := scanConversation(q.QueryRow(ctx, `SELECT `+convColumns+convFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("chat: conversation %d: %w", id, err)
	}
	if c.State == StateWaiting {
		if n, err := settings.ChatWaitSeconds.GetIn(ctx, s.settingsSvc(), q); err == nil {
			c.OfferMessageAfter = n
		}
	}
	return c, nil
}

// systemCtx is the principal the chat acts as for visitors: the system,
// through the chat channel.
func systemCtx(ctx context.Context) context.Context {
	return desk.WithPrincipal(ctx, &desk.Principal{System: true, Role: desk.RoleAdmin, Via: "chat"})
}

// StartInput is the pre-chat form.
type StartInput struct {
	Name     string
	Email    string
	Question string
	Page     string
	Locale   string
	// JWT is the host site's identity token (identity verification).
	JWT string
	// ClientID is the widget's id of the first message.
	ClientID string
	IP       string
	// GroupID is the group the visitor chose on the form (0: none); it
	// must be one the key's form offers.
	GroupID int64
}

// Started is a new conversation and the visitor's token for it.
type Started struct {
	Conversation *Conversation
	Token        string
}

var clientIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// validText checks a message body.
func validText(field, text string) (string, error) {
	t := cleanText(text)
	if t == "" {
		return "", desk.Invalid(field, "cannot be blank")
	}
	if len(t) > MaxText {
		return "", &desk.Error{Code: desk.ETOOLARGE, Message: fmt.Sprintf("The message is too long (maximum is %d bytes)", MaxText),
			Details: map[string][]desk.FieldError{field: {{Description: "is too long", Error: "TooLong"}}}}
	}
	return t, nil
}

func validClientID(id string) error {
	if id != "" && !clientIDRE.MatchString(id) {
		return desk.Invalid("client_id", "must be 1 to 64 letters, digits, - or _")
	}
	return nil
}

// cleanPage keeps an http(s) URL of reasonable length ("" otherwise).
func cleanPage(p string) string {
	p = strings.TrimSpace(p)
	if p == "" || len(p) > MaxPage {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.User = nil
	return u.String()
}

// prepareVisitor checks the pre-chat form (or, with message, the
// offline form) against key k's form, verifying the identity token when
// one is given. The form's settings hold whatever the client sends: a
// hidden field is ignored, a missing required one is refused, and a group
// must be one the form offers. A left message always needs its text.
func (s *Service) prepareVisitor(ctx context.Context, k *WidgetKey, in *StartInput, message bool) (verified bool, err error) {
	var v desk.Validation
	form := k.Form
	if form.Name == FieldHidden {
		in.Name = ""
	}
	if form.Question == FieldHidden && !message {
		in.Question = ""
	}
	if in.JWT != "" {
		secret, err := s.identitySecret(k)
		if err != nil {
			return false, err
		}
		id, err := VerifyIdentity(in.JWT, secret, s.now())
		if err != nil {
			return false, err
		}
		in.Email, verified = id.Email, true
		if id.Name != "" {
			in.Name = id.Name
		}
	}
	in.Name = cleanLine(in.Name, MaxName)
	in.Email = strings.TrimSpace(in.Email)
	if in.Name == "" && form.Name == FieldRequired {
		v.Add("name", "cannot be blank")
	}
	if in.Email == "" {
		v.Add("email", "cannot be blank")
	} else if len(in.Email) > 254 || strings.ContainsAny(in.Email, " \t\r\n<>\"") || !strings.Contains(in.Email, "@") {
		v.Add("email", "is not a valid email address")
	}
	live, err := s.liveGroups(ctx, form.Groups) // deleted groups are offered no more
	if err != nil {
		return false, err
	}
	switch {
	case len(live) == 0 && in.GroupID != 0:
		v.Add("group_id", "is not offered by this chat")
	case len(live) > 0 && in.GroupID == 0:
		v.Add("group_id", "cannot be blank")
	case len(live) > 0 && !slices.ContainsFunc(live, func(g FormGroup) bool { return g.ID == in.GroupID }):
		v.Add("group_id", "is not one of this chat's teams")
	}
	if err := validClientID(in.ClientID); err != nil {
		return false, err
	}
	if err := v.Err(); err != nil {
		return false, err
	}
	q, err := validText("question", in.Question)
	if err != nil && (message || form.Question == FieldRequired || strings.TrimSpace(in.Question) != "") {
		return false, err
	}
	in.Question = q
	if in.Name == "" {
		in.Name = cleanLine(in.Email, MaxName)
	}
	in.Page, in.Locale = cleanPage(in.Page), normalizeLocale(in.Locale)
	return verified, nil
}

// liveGroups is the groups of ids that are not deleted, in ids' order,
// read in one query.
func (s *Service) liveGroups(ctx context.Context, ids []int64) ([]FormGroup, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.DB.Query(ctx, `SELECT id, name FROM agent_groups WHERE NOT deleted AND id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("chat: form groups: %w", err)
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []FormGroup
	for _, id := range ids {
		if name, ok := names[id]; ok {
			out = append(out, FormGroup{ID: id, Name: name})
		}
	}
	return out, nil
}

// noQuestion is the first comment of a chat's ticket when the form asked
// no question (the ticket needs one).
const noQuestion = "(Chat started without a question.)"

// createTx opens the ticket and the conversation in state.
func (s *Service) createTx(ctx context.Context, tx *store.Tx, k *WidgetKey, in StartInput, verified bool, state string) (*Conversation, error) {
	sys := systemCtx(ctx)
	subject := "Chat with " + in.Name
	pub := true
	first := in.Question
	if first == "" {
		first = noQuestion
	}
	tin := ticket.Input{
		Subject:   &subject,
		Requester: &ticket.RequesterInput{Name: in.Name, Email: in.Email},
		Comment:   &ticket.CommentInput{Body: first, Public: &pub},
		Via:       "chat",
	}
	groupID := k.GroupID
	if in.GroupID != 0 { // checked against the key's form (prepareVisitor)
		groupID = in.GroupID
	}
	if groupID != 0 {
		tin.GroupID = desk.SetID(groupID)
	}
	t, _, err := s.Tickets.CreateTx(sys, tx, tin)
	if err != nil {
		return nil, err
	}
	now := s.now().UnixMicro()
	var group any
	if groupID != 0 {
		group = groupID
	}
	queued := int64(0)
	if state == StateWaiting {
		queued = now
	}
	resolution, ended := "", int64(0)
	if state == StateOffline {
		resolution, ended = ResolvedMessage, now
	}
	id, err := tx.InsertID(ctx, `INSERT INTO chat_conversations (widget_key_id, ticket_id, visitor_user_id, visitor_name, visitor_email, verified, token_nonce,
		state, group_id, locale, resolution, current_page, pages, ip, created_at, queued_at, ended_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, t.ID, t.RequesterID, in.Name, in.Email, verified, randomString(18), state, group, in.Locale, resolution, in.Page, in.Page, in.IP,
		now, queued, ended, now)
	if err != nil {
		return nil, fmt.Errorf("chat: create conversation: %w", err)
	}
	var cid any
	if in.ClientID != "" {
		cid = in.ClientID
	}
	if in.Question != "" {
		if _, err := tx.InsertID(ctx, `INSERT INTO chat_messages (conversation_id, kind, author_id, author_name, body, client_msg_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, KindVisitor, t.RequesterID, in.Name, in.Question, cid, now); err != nil {
			return nil, fmt.Errorf("chat: first message: %w", err)
		}
	}
	return s.conversation(ctx, tx, id)
}

// Start opens a chat from the pre-chat form on a page of an origin key k
// allows: a ticket via chat whose first comment is the question, and the
// conversation, which the bot takes first when there is one, else the
// queue. It returns the visitor's token. Starts and left messages share
// a per-IP budget (limits.go).
func (s *Service) Start(ctx context.Context, k *WidgetKey, in StartInput) (*Started, error) {
	if err := s.admitStart(ctx, in.IP); err != nil {
		return nil, err
	}
	verified, err := s.prepareVisitor(ctx, k, &in, false)
	if err != nil {
		return nil, err
	}
	state := StateWaiting
	if s.Bot != nil {
		state = StateBot
	}
	var c *Conversation
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = s.createTx(ctx, tx, k, in, verified, state); err != nil {
			return err
		}
		if state == StateWaiting {
			if err := s.routeTx(ctx, tx, c); err != nil {
				return err
			}
		}
		return s.publishTx(ctx, tx, Signal{Kind: "queue", ConvID: c.ID, TicketID: c.TicketID, GroupID: c.GroupID})
	})
	if err != nil {
		return nil, err
	}
	tok, err := s.signToken(c.ID, c.nonce)
	if err != nil {
		return nil, err
	}
	if state == StateBot {
		s.botTurn(ctx, c.ID, in.Question, "")
	}
	c, err = s.conversation(ctx, s.DB, c.ID)
	if err != nil {
		return nil, err
	}
	return &Started{Conversation: c, Token: tok}, nil
}

// LeaveMessage is the widget's message form (no agent online, outside
// business hours): the message becomes a ticket via chat whose reply
// reaches the visitor by email like any ticket's.
func (s *Service) LeaveMessage(ctx context.Context, k *WidgetKey, in StartInput) (ticketID int64, err error) {
	if err := s.admitStart(ctx, in.IP); err != nil {
		return 0, err
	}
	verified, err := s.prepareVisitor(ctx, k, &in, true)
	if err != nil {
		return 0, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.createTx(ctx, tx, k, in, verified, StateOffline)
		if err != nil {
			return err
		}
		ticketID = c.TicketID
		return nil
	})
	return ticketID, err
}

// Availability is what the widget shows before a chat starts.
type Availability struct {
	// Online is true when it is within business hours and an agent is
	// online in the key's group, or, when the form offers groups, in at
	// least one of them.
	Online bool `json:"online"`
	// Identity is true when the key verifies identities.
	Identity bool `json:"identity"`
	// Form is the pre-chat form to show.
	Form *FormConfig `json:"form"`
}

// FormConfig is a key's pre-chat form as the widget renders it.
type FormConfig struct {
	Name     string      `json:"name"`
	Email    string      `json:"email"`
	Question string      `json:"question"`
	Groups   []FormGroup `json:"groups"`
}

// FormGroup is a group the visitor may choose, and whether anyone in it
// can take a chat now (else the widget offers the message form).
type FormGroup struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Online bool   `json:"online"`
}

// Available says whether key k's chat can reach someone now, per group
// of its form.
func (s *Service) Available(ctx context.Context, k *WidgetKey) (*Availability, error) {
	a := &Availability{Identity: k.Identity,
		Form: &FormConfig{Name: k.Form.Name, Email: FieldRequired, Question: k.Form.Question, Groups: []FormGroup{}}}
	inHours := true
	if s.BusinessHours != nil {
		var err error
		if inHours, err = s.BusinessHours(ctx, s.now()); err != nil {
			return nil, err
		}
	}
	live, err := s.liveGroups(ctx, k.Form.Groups) // deleted since: no longer offered
	if err != nil {
		return nil, err
	}
	for _, fg := range live {
		if inHours {
			ids, err := s.onlineAgents(ctx, s.DB, fg.ID, false)
			if err != nil {
				return nil, err
			}
			fg.Online = len(ids) > 0
		}
		a.Online = a.Online || fg.Online
		a.Form.Groups = append(a.Form.Groups, fg)
	}
	if len(k.Form.Groups) > 0 || !inHours {
		return a, nil
	}
	ids, err := s.onlineAgents(ctx, s.DB, k.GroupID, false)
	if err != nil {
		return nil, err
	}
	a.Online = len(ids) > 0
	return a, nil
}

// View is a conversation with its messages after a given id.
type View struct {
	Conversation *Conversation `json:"conversation"`
	Messages     []*Message    `json:"messages"`
}

const maxMessagesRead = 500

// messages returns conversation id's messages after id after, oldest first.
func (s *Service) messages(ctx context.Context, q store.Querier, convID, after int64) ([]*Message, error) {
	rows, err := q.Query(ctx, `SELECT id, kind, COALESCE(author_id, 0), author_name, body, data, COALESCE(client_msg_id, ''), created_at
		FROM chat_messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?`, convID, after, maxMessagesRead)
	if err != nil {
		return nil, fmt.Errorf("chat: messages: %w", err)
	}
	defer rows.Close()
	out := []*Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func scanMessage(sc interface{ Scan(...any) error }) (*Message, error) {
	var m Message
	var data string
	var created int64
	if err := sc.Scan(&m.ID, &m.Kind, &m.AuthorID, &m.AuthorName, &m.Body, &data, &m.ClientID, &created); err != nil {
		return nil, err
	}
	m.CreatedAt = desk.TimeFromMicros(created)
	if data != "" {
		var d MessageData
		if json.Unmarshal([]byte(data), &d) == nil {
			m.Data = &d
		}
	}
	return &m, nil
}

// VisitorView returns the visitor's conversation and its messages after
// after. Visitors see no agent ids.
func (s *Service) VisitorView(ctx context.Context, v *Visitor, after int64) (*View, error) {
	c, err := s.conversation(ctx, s.DB, v.Conversation.ID)
	if err != nil {
		return nil, err
	}
	ms, err := s.messages(ctx, s.DB, c.ID, after)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		hideAuthor(m)
	}
	c.AgentID = 0
	return &View{Conversation: c, Messages: ms}, nil
}

// errEnded refuses writes to a chat that is over.
func errEnded() error {
	return &desk.Error{Code: desk.ECONFLICT, Message: "This chat has ended"}
}

// insertMessageTx stores a message and publishes it, with the message
// encoded once for every connection (Signal.Frame) and the id of the
// message before it (Signal.PrevID). The conversation's row is written
// first: on PostgreSQL its lock makes the messages of one conversation
// take their ids in commit order, so PrevID is the message every reader
// of the conversation saw last.
func (s *Service) insertMessageTx(ctx context.Context, tx *store.Tx, c *Conversation, kind string, authorID int64, author, body string, data *MessageData, clientID string) (*Message, error) {
	now := s.now().UnixMicro()
	if _, err := tx.Exec(ctx, `UPDATE chat_conversations SET updated_at = ? WHERE id = ?`, now, c.ID); err != nil {
		return nil, err
	}
	var prev int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE conversation_id = ?`, c.ID).Scan(&prev); err != nil {
		return nil, err
	}
	d := ""
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return nil, err
		}
		d = string(b)
	}
	var aid, cid any
	if authorID != 0 {
		aid = authorID
	}
	if clientID != "" {
		cid = clientID
	}
	id, err := tx.InsertID(ctx, `INSERT INTO chat_messages (conversation_id, kind, author_id, author_name, body, data, client_msg_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, kind, aid, author, body, d, cid, now)
	if err != nil {
		return nil, err
	}
	m := &Message{ID: id, Kind: kind, AuthorID: authorID, AuthorName: author, Body: body, ClientID: clientID, CreatedAt: desk.TimeFromMicros(now), Data: data}
	frame, err := MessageFrame(m)
	if err != nil {
		return nil, err
	}
	if err := s.publishTx(ctx, tx, Signal{Kind: "message", ConvID: c.ID, TicketID: c.TicketID, MessageID: id, PrevID: prev, Frame: frame}); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Service) messageByClientID(ctx context.Context, q store.Querier, convID int64, clientID string) (*Message, error) {
	m, err := scanMessage(q.QueryRow(ctx, `SELECT id, kind, COALESCE(author_id, 0), author_name, body, data, COALESCE(client_msg_id, ''), created_at
		FROM chat_messages WHERE conversation_id = ? AND client_msg_id = ?`, convID, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return m, err
}

// VisitorSend stores a visitor's message (and its public comment on the
// ticket). A message whose clientID was stored before — a replay from the
// widget's offline queue or a resend after a reconnect — is not stored
// again: the stored one is returned.
func (s *Service) VisitorSend(ctx context.Context, v *Visitor, clientID, text string) (*Message, error) {
	if err := validClientID(clientID); err != nil {
		return nil, err
	}
	body, err := validText("text", text)
	if err != nil {
		return nil, err
	}
	var m *Message
	var state string
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if clientID != "" {
			old, err := s.messageByClientID(ctx, tx, v.Conversation.ID, clientID)
			if err != nil {
				return err
			}
			if old != nil {
				m = old
				return nil
			}
		}
		c, err := s.conversation(ctx, tx, v.Conversation.ID)
		if err != nil {
			return err
		}
		if c.State == StateEnded || c.State == StateOffline {
			return errEnded()
		}
		state = c.State
		if m, err = s.insertMessageTx(ctx, tx, c, KindVisitor, c.VisitorID, c.VisitorName, body, nil, clientID); err != nil {
			return err
		}
		pub := true
		_, _, err = s.Tickets.EditTx(systemCtx(ctx), tx, c.TicketID, func(e *ticket.Edit) error {
			if err := e.AddComment(&ticket.CommentInput{Body: body, Public: &pub, AuthorID: desk.SetID(c.VisitorID)}); err != nil {
				return err
			}
			switch e.Status() {
			case desk.StatusPending, desk.StatusSolved, desk.StatusHold:
				open := string(desk.StatusOpen)
				return e.SetStatus(&open)
			}
			return nil
		})
		return err
	})
	if store.IsUniqueViolation(err) && clientID != "" {
		// The same message raced in on another connection: it is stored.
		return s.messageByClientID(ctx, s.DB, v.Conversation.ID, clientID)
	}
	if err != nil {
		return nil, err
	}
	if state == StateBot {
		s.botTurn(ctx, v.Conversation.ID, body, "")
	}
	return m, nil
}

// VisitorButton hands a pressed bot button to the bot.
func (s *Service) VisitorButton(ctx context.Context, v *Visitor, buttonID string) error {
	if buttonID == "" || len(buttonID) > 100 {
		return desk.Invalid("button", "is not valid")
	}
	c, err := s.conversation(ctx, s.DB, v.Conversation.ID)
	if err != nil {
		return err
	}
	if c.State != StateBot {
		return nil // the bot let go meanwhile: nothing to answer
	}
	s.botTurn(ctx, c.ID, "", buttonID)
	return nil
}

// VisitorTyping tells the agent the visitor is (not) typing. Nothing is
// stored.
func (s *Service) VisitorTyping(ctx context.Context, v *Visitor, on bool) {
	s.broadcast(ctx, Signal{Kind: "typing", ConvID: v.Conversation.ID, TicketID: v.Conversation.TicketID, Who: "visitor", On: on})
}

// VisitorRead records that the visitor has seen the messages up to id.
func (s *Service) VisitorRead(ctx context.Context, v *Visitor, id int64) error {
	return s.markRead(ctx, v.Conversation, "visitor", id)
}

func (s *Service) markRead(ctx context.Context, c *Conversation, who string, id int64) error {
	if id <= 0 {
		return nil
	}
	col := "visitor_read_id"
	if who == "agent" {
		col = "agent_read_id"
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE chat_conversations SET `+col+` = ? WHERE id = ? AND `+col+` < ?
			AND ? <= (SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE conversation_id = ?)`, id, c.ID, id, id, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.publishTx(ctx, tx, Signal{Kind: "read", ConvID: c.ID, TicketID: c.TicketID, Who: who, MessageID: id})
	})
}

// VisitorPage records the page the visitor is on (visitor context for
// agents).
func (s *Service) VisitorPage(ctx context.Context, v *Visitor, page string) error {
	page = cleanPage(page)
	if page == "" {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.conversation(ctx, tx, v.Conversation.ID)
		if err != nil {
			return err
		}
		if c.CurrentPage == page {
			return nil
		}
		pages := append(c.Pages, page)
		if len(pages) > maxPagesKept {
			pages = pages[len(pages)-maxPagesKept:]
		}
		if _, err := tx.Exec(ctx, `UPDATE chat_conversations SET current_page = ?, pages = ?, updated_at = ? WHERE id = ?`,
			page, strings.Join(pages, "\n"), s.now().UnixMicro(), c.ID); err != nil {
			return err
		}
		return s.publishTx(ctx, tx, Signal{Kind: "state", ConvID: c.ID, TicketID: c.TicketID})
	})
}

// VisitorLeave turns a waiting chat into a left message: the visitor goes,
// the ticket stays, and its reply reaches the visitor by email.
func (s *Service) VisitorLeave(ctx context.Context, v *Visitor) error {
	return s.finish(ctx, v.Conversation.ID, StateOffline, ResolvedMessage, "left_message", "", nil)
}

// VisitorEnd ends the chat from the widget.
func (s *Service) VisitorEnd(ctx context.Context, v *Visitor) error {
	return s.finish(ctx, v.Conversation.ID, StateEnded, ResolvedByVisitor, "visitor_ended", "", nil)
}

// finish moves a conversation that is not over to state with resolution,
// adds a system line with code, and runs edit on the ticket (if any).
func (s *Service) finish(ctx context.Context, id int64, state, resolution, code, arg string, edit func(tx *store.Tx, c *Conversation) error) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.conversation(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.State == StateEnded || c.State == StateOffline {
			return errEnded()
		}
		now := s.now().UnixMicro()
		if _, err := tx.Exec(ctx, `UPDATE chat_conversations SET state = ?, resolution = ?, ended_at = ?, updated_at = ? WHERE id = ?`,
			state, resolution, now, now, id); err != nil {
			return err
		}
		var args []string
		if arg != "" {
			args = []string{arg}
		}
		if _, err := s.insertMessageTx(ctx, tx, c, KindSystem, 0, "", code, &MessageData{Code: code, Args: args}, ""); err != nil {
			return err
		}
		if edit != nil {
			if err := edit(tx, c); err != nil {
				return err
			}
		}
		return s.publishTx(ctx, tx, Signal{Kind: "queue", ConvID: c.ID, TicketID: c.TicketID, GroupID: c.GroupID})
	})
}
