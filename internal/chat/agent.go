package chat

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Agents' side. Every call needs a staff principal who may see the chat's
// ticket (the ticket service decides, with private groups and role
// limits); changes to a chat need its agent (or an admin).

func requireStaff(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || p.UserID == 0 {
		return nil, desk.Forbidden("Only agents take chats")
	}
	return p, nil
}

// chatCtx is ctx with the agent's principal acting through the chat.
func chatCtx(ctx context.Context, p *desk.Principal) context.Context {
	cp := *p
	cp.Via = "chat"
	return desk.WithPrincipal(ctx, &cp)
}

// agentConv loads conversation id for staff who may see its ticket.
func (s *Service) agentConv(ctx context.Context, q store.Querier, id int64) (*desk.Principal, *Conversation, error) {
	p, err := requireStaff(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.conversation(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.Tickets.GetIn(ctx, q, c.TicketID); err != nil {
		return nil, nil, err // not found for a ticket p may not see
	}
	return p, c, nil
}

// CanSee reports whether the caller (staff) may see conversation id; the
// console's stream asks before it forwards anything about it.
func (s *Service) CanSee(ctx context.Context, id int64) bool {
	_, _, err := s.agentConv(ctx, s.DB, id)
	return err == nil
}

// QueueItem is a waiting chat in the console's queue.
type QueueItem struct {
	*Conversation
	// Question is the visitor's first message.
	Question string `json:"question"`
}

// Console is what the agents' console shows: the queue (waiting chats of
// the agent's groups, oldest first), the agent's own chats, the limit.
type Console struct {
	Queue  []*QueueItem    `json:"queue"`
	Mine   []*Conversation `json:"mine"`
	Limit  int64           `json:"limit"`
	Status string          `json:"status"`
}

// Console returns the caller's queue and chats.
func (s *Service) Console(ctx context.Context) (*Console, error) {
	p, err := requireStaff(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := settings.ChatMaxPerAgent.Get(ctx, s.settingsSvc())
	if err != nil {
		return nil, err
	}
	out := &Console{Queue: []*QueueItem{}, Mine: []*Conversation{}, Limit: limit, Status: "offline"}
	var st string
	if err := s.DB.QueryRow(ctx, `SELECT COALESCE((SELECT status FROM agent_availability WHERE user_id = ?), 'offline')`, p.UserID).Scan(&st); err == nil {
		out.Status = st
	}
	rows, err := s.DB.Query(ctx, `SELECT `+convColumns+`, COALESCE((SELECT m.body FROM chat_messages m WHERE m.conversation_id = c.id AND m.kind = 'visitor' ORDER BY m.id LIMIT 1), '')`+
		convFrom+` WHERE c.state = ? AND (c.group_id IS NULL OR ? OR EXISTS (SELECT 1 FROM group_memberships gm WHERE gm.group_id = c.group_id AND gm.user_id = ?))
		AND NOT EXISTS (SELECT 1 FROM chat_declines d WHERE d.conversation_id = c.id AND d.user_id = ?)
		ORDER BY c.queued_at, c.id LIMIT 200`, StateWaiting, p.IsAdmin(), p.UserID, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("chat: queue: %w", err)
	}
	var queue []*QueueItem
	for rows.Next() {
		var q QueueItem
		var c *Conversation
		var question string
		c, err = scanConversation(scanWith(rows, &question))
		if err != nil {
			rows.Close()
			return nil, err
		}
		q.Conversation, q.Question = c, question
		queue = append(queue, &q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	wait, err := settings.ChatWaitSeconds.Get(ctx, s.settingsSvc())
	if err != nil {
		return nil, err
	}
	for _, q := range queue {
		q.OfferMessageAfter = wait
		if _, err := s.Tickets.Get(ctx, q.TicketID); err == nil {
			out.Queue = append(out.Queue, q)
		}
	}
	rows, err = s.DB.Query(ctx, `SELECT `+convColumns+convFrom+` WHERE c.agent_id = ? AND c.state = ? ORDER BY c.accepted_at, c.id`, p.UserID, StateActive)
	if err != nil {
		return nil, fmt.Errorf("chat: mine: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, err
		}
		out.Mine = append(out.Mine, c)
	}
	return out, rows.Err()
}

// scanWith appends extra destinations to a row scan.
type extraScanner struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

func scanWith(sc interface{ Scan(...any) error }, extra ...any) extraScanner {
	return extraScanner{sc: sc, extra: extra}
}

// VisitorContext is what an agent sees of the visitor beside the chat.
type VisitorContext struct {
	UserID       int64          `json:"user_id"`
	Name         string         `json:"name"`
	Email        string         `json:"email"`
	Verified     bool           `json:"verified"`
	Organization string         `json:"organization,omitempty"`
	CurrentPage  string         `json:"current_page,omitempty"`
	Pages        []string       `json:"pages,omitempty"`
	PastTickets  []*desk.Ticket `json:"past_tickets"`
}

// AgentView is one chat for the console: the conversation, its messages
// after after and the visitor's context.
type AgentView struct {
	Conversation *Conversation   `json:"conversation"`
	Messages     []*Message      `json:"messages"`
	Visitor      *VisitorContext `json:"visitor"`
}

// AgentConversation returns chat id for the console.
func (s *Service) AgentConversation(ctx context.Context, id, after int64) (*AgentView, error) {
	_, c, err := s.agentConv(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	ms, err := s.messages(ctx, s.DB, id, after)
	if err != nil {
		return nil, err
	}
	vc := &VisitorContext{UserID: c.VisitorID, Name: c.VisitorName, Verified: c.Verified, CurrentPage: c.CurrentPage, Pages: c.Pages, PastTickets: []*desk.Ticket{}}
	var email *string
	var org *string
	if err := s.DB.QueryRow(ctx, `SELECT u.email, o.name FROM users u LEFT JOIN organizations o ON o.id = u.organization_id WHERE u.id = ?`, c.VisitorID).
		Scan(&email, &org); err == nil {
		if email != nil {
			vc.Email = *email
		}
		if org != nil {
			vc.Organization = *org
		}
	}
	past, _, err := s.Tickets.List(ctx, ticket.ListFilter{RequesterID: c.VisitorID, SortBy: "created_at", Desc: true, Limit: 11})
	if err == nil {
		for _, t := range past {
			if t.ID != c.TicketID && len(vc.PastTickets) < 10 {
				vc.PastTickets = append(vc.PastTickets, t)
			}
		}
	}
	return &AgentView{Conversation: c, Messages: ms, Visitor: vc}, nil
}

// Accept gives waiting chat id to the caller, within their chat limit. Of
// agents accepting at once, one wins; the others get a conflict.
func (s *Service) Accept(ctx context.Context, id int64) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, c, err := s.agentConv(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.State != StateWaiting {
			return &desk.Error{Code: desk.ECONFLICT, Message: "This chat is no longer waiting"}
		}
		if err := s.checkCapacity(ctx, tx, p.UserID); err != nil {
			return err
		}
		return s.assignTx(ctx, tx, c, p.UserID, chatCtx(ctx, p))
	})
}

// Decline takes chat id off the caller's queue: a waiting chat stays for
// the others; the caller's own chat (round-robin gave it to them) goes to
// the next online agent who has not declined it, or back to the queue.
func (s *Service) Decline(ctx context.Context, id int64) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, c, err := s.agentConv(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case c.State == StateWaiting:
		case c.State == StateActive && c.AgentID == p.UserID:
		default:
			return &desk.Error{Code: desk.ECONFLICT, Message: "This chat is not waiting for you"}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM chat_declines WHERE conversation_id = ? AND user_id = ?`, id, p.UserID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO chat_declines (conversation_id, user_id, created_at) VALUES (?, ?, ?)`, id, p.UserID, s.now().UnixMicro()); err != nil {
				return err
			}
		}
		if c.State == StateActive {
			if _, _, err := s.Tickets.EditTx(chatCtx(ctx, p), tx, c.TicketID, func(e *ticket.Edit) error { return e.SetAssignee(0) }); err != nil {
				return err
			}
			if err := s.routeTx(ctx, tx, c); err != nil {
				return err
			}
		}
		return s.publishTx(ctx, tx, Signal{Kind: "queue", ConvID: c.ID, TicketID: c.TicketID, GroupID: c.GroupID})
	})
}

func (s *Service) checkCapacity(ctx context.Context, tx *store.Tx, agent int64) error {
	limit, err := settings.ChatMaxPerAgent.Read(ctx, tx)
	if err != nil {
		return err
	}
	n, err := activeCount(ctx, tx, agent)
	if err != nil {
		return err
	}
	if n >= limit {
		return errAtLimit()
	}
	return nil
}

// ownChat loads chat id for a change by its agent (or an admin).
func (s *Service) ownChat(ctx context.Context, q store.Querier, id int64) (*desk.Principal, *Conversation, error) {
	p, c, err := s.agentConv(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	if c.State != StateActive {
		return nil, nil, &desk.Error{Code: desk.ECONFLICT, Message: "This chat is not active"}
	}
	if c.AgentID != p.UserID && !p.IsAdmin() {
		return nil, nil, desk.Forbidden("This chat is another agent's")
	}
	return p, c, nil
}

// AgentSend stores the agent's message to the visitor (and its public
// comment on the ticket).
func (s *Service) AgentSend(ctx context.Context, id int64, text string) (*Message, error) {
	body, err := validText("text", text)
	if err != nil {
		return nil, err
	}
	var m *Message
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, c, err := s.ownChat(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Can().PublicComments {
			return desk.Forbidden("Your role may not reply to customers")
		}
		m, err = s.agentReplyTx(ctx, tx, p, c, body, nil, nil)
		return err
	})
	return m, err
}

// agentReplyTx puts agent p's line body (with data) in chat c and the same
// body, carrying uploads, on its ticket as p's public comment.
func (s *Service) agentReplyTx(ctx context.Context, tx *store.Tx, p *desk.Principal, c *Conversation, body string, data *MessageData, uploads []string) (*Message, error) {
	var name string
	if err := tx.QueryRow(ctx, `SELECT name FROM users WHERE id = ?`, p.UserID).Scan(&name); err != nil {
		return nil, err
	}
	m, err := s.insertMessageTx(ctx, tx, c, KindAgent, p.UserID, name, body, data, "")
	if err != nil {
		return nil, err
	}
	pub := true
	_, _, err = s.Tickets.EditTx(chatCtx(ctx, p), tx, c.TicketID, func(e *ticket.Edit) error {
		return e.AddComment(&ticket.CommentInput{Body: body, Public: &pub, Uploads: uploads})
	})
	return m, err
}

// AgentNote adds an internal note to chat id's ticket: never shown to the
// visitor.
func (s *Service) AgentNote(ctx context.Context, id int64, text string) error {
	body, err := validText("text", text)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, c, err := s.agentConv(ctx, tx, id)
		if err != nil {
			return err
		}
		priv := false
		_, _, err = s.Tickets.EditTx(chatCtx(ctx, p), tx, c.TicketID, func(e *ticket.Edit) error {
			return e.AddComment(&ticket.CommentInput{Body: body, Public: &priv})
		})
		return err
	})
}

// AgentTyping tells the visitor the agent is (not) typing.
func (s *Service) AgentTyping(ctx context.Context, id int64, on bool) error {
	p, c, err := s.agentConv(ctx, s.DB, id)
	if err != nil {
		return err
	}
	if c.AgentID != p.UserID {
		return nil
	}
	s.broadcast(ctx, Signal{Kind: "typing", ConvID: c.ID, TicketID: c.TicketID, Who: "agent", On: on})
	return nil
}

// AgentRead records that the agent has seen chat id up to message upTo.
func (s *Service) AgentRead(ctx context.Context, id, upTo int64) error {
	p, c, err := s.agentConv(ctx, s.DB, id)
	if err != nil {
		return err
	}
	if c.AgentID != p.UserID {
		return nil
	}
	return s.markRead(ctx, c, "agent", upTo)
}

// Transfer hands the caller's chat id to another agent (toAgent) or back
// to the queue of a group (toGroup).
func (s *Service) Transfer(ctx context.Context, id, toAgent, toGroup int64) error {
	if (toAgent == 0) == (toGroup == 0) {
		return desk.Invalid("to", "name one agent or one group")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, c, err := s.ownChat(ctx, tx, id)
		if err != nil {
			return err
		}
		if toAgent != 0 {
			var role string
			err := tx.QueryRow(ctx, `SELECT role FROM users WHERE id = ? AND active AND NOT suspended`, toAgent).Scan(&role)
			if err != nil || !desk.Role(role).Staff() {
				return desk.Invalid("agent_id", "is not an agent")
			}
			if toAgent == c.AgentID {
				return nil
			}
			if err := s.checkCapacity(ctx, tx, toAgent); err != nil {
				return err
			}
			return s.assignTx(ctx, tx, c, toAgent, chatCtx(ctx, p))
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND NOT deleted`, toGroup).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return desk.Invalid("group_id", "is not a valid group")
		}
		if _, err := tx.Exec(ctx, `UPDATE chat_conversations SET group_id = ? WHERE id = ?`, toGroup, c.ID); err != nil {
			return err
		}
		c.GroupID = toGroup
		if _, _, err := s.Tickets.EditTx(chatCtx(ctx, p), tx, c.TicketID, func(e *ticket.Edit) error {
			if err := e.SetGroup(toGroup); err != nil {
				return err
			}
			return e.SetAssignee(0)
		}); err != nil {
			return err
		}
		if _, err := s.insertMessageTx(ctx, tx, c, KindSystem, 0, "", "transferred", &MessageData{Code: "transferred"}, ""); err != nil {
			return err
		}
		if err := s.routeTx(ctx, tx, c); err != nil {
			return err
		}
		return s.publishTx(ctx, tx, Signal{Kind: "queue", ConvID: c.ID, TicketID: c.TicketID, GroupID: c.GroupID})
	})
}

// End ends the caller's chat id; the ticket goes on as usual, solved when
// solve is set.
func (s *Service) End(ctx context.Context, id int64, solve bool) error {
	p, err := requireStaff(ctx)
	if err != nil {
		return err
	}
	return s.finishByAgent(ctx, p, id, solve)
}

func (s *Service) finishByAgent(ctx context.Context, p *desk.Principal, id int64, solve bool) error {
	// The ownership check runs in finish's transaction through edit.
	return s.finish(ctx, id, StateEnded, ResolvedByAgent, "agent_ended", "", func(tx *store.Tx, _ *Conversation) error {
		_, c, err := s.agentConv(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.AgentID != p.UserID && !p.IsAdmin() {
			return desk.Forbidden("This chat is another agent's")
		}
		if !solve {
			return nil
		}
		_, _, err = s.Tickets.EditTx(chatCtx(ctx, p), tx, c.TicketID, func(e *ticket.Edit) error {
			solved := string(desk.StatusSolved)
			return e.SetStatus(&solved)
		})
		return err
	})
}
