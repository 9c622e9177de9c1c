package chat

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Routing: a chat waiting for a person belongs to its group (from the
// widget key, or the bot's handover); in broadcast mode every online agent
// of that group with capacity sees it in the queue and one accepts; in
// round-robin mode the online agent with capacity who got a chat least
// recently gets it at once. Agent status is the one assignment uses
// (package assign): "online" and active in the workspace within the
// availability window.

// onlineAgents lists the online agents of group (any staff when 0), in
// round-robin order; withCapacity leaves out those at their chat limit,
// and a conversation (non-zero) leaves out those who declined it.
func (s *Service) onlineAgents(ctx context.Context, q store.Querier, group int64, withCapacity bool, conv ...int64) ([]int64, error) {
	mins, err := settings.AvailabilityMinutes.GetIn(ctx, s.settingsSvc(), q)
	if err != nil {
		return nil, err
	}
	now := s.now()
	from := now.Add(-time.Duration(mins) * time.Minute).UnixMicro()
	query := `SELECT u.id FROM users u JOIN agent_availability a ON a.user_id = u.id
		WHERE u.role IN ('agent', 'admin') AND u.active AND NOT u.suspended AND a.status = 'online'
		AND EXISTS (SELECT 1 FROM sessions se WHERE se.user_id = u.id AND se.expires_at > ? AND se.last_seen_at >= ?)`
	args := []any{now.UnixMicro(), from}
	if group != 0 {
		query += ` AND EXISTS (SELECT 1 FROM group_memberships m WHERE m.group_id = ? AND m.user_id = u.id)`
		args = append(args, group)
	}
	if len(conv) > 0 && conv[0] != 0 {
		query += ` AND NOT EXISTS (SELECT 1 FROM chat_declines d WHERE d.conversation_id = ? AND d.user_id = u.id)`
		args = append(args, conv[0])
	}
	if withCapacity {
		limit, err := settings.ChatMaxPerAgent.GetIn(ctx, s.settingsSvc(), q)
		if err != nil {
			return nil, err
		}
		query += ` AND (SELECT COUNT(*) FROM chat_conversations cc WHERE cc.agent_id = u.id AND cc.state = 'active') < ?`
		args = append(args, limit)
	}
	query += ` ORDER BY (SELECT COALESCE(MAX(cc.accepted_at), 0) FROM chat_conversations cc WHERE cc.agent_id = u.id), u.id`
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("chat: online agents: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// routeTx queues conversation c for a person and, in round-robin mode,
// gives it to the next online agent with capacity.
func (s *Service) routeTx(ctx context.Context, tx *store.Tx, c *Conversation) error {
	now := s.now().UnixMicro()
	if _, err := tx.Exec(ctx, `UPDATE chat_conversations SET state = ?, agent_id = NULL, queued_at = ?, updated_at = ? WHERE id = ?`,
		StateWaiting, now, now, c.ID); err != nil {
		return err
	}
	c.State, c.AgentID = StateWaiting, 0
	mode, err := settings.ChatRouting.GetIn(ctx, s.settingsSvc(), tx)
	if err != nil {
		return err
	}
	if mode == settings.ChatRoutingRoundRobin {
		ids, err := s.onlineAgents(ctx, tx, c.GroupID, true, c.ID)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			return s.assignTx(ctx, tx, c, ids[0], systemCtx(ctx))
		}
	}
	return s.publishTx(ctx, tx, Signal{Kind: "state", ConvID: c.ID, TicketID: c.TicketID})
}

// assignTx makes agent the conversation's agent and the ticket's
// assignee (acting as actx's principal), with a system line.
func (s *Service) assignTx(ctx context.Context, tx *store.Tx, c *Conversation, agent int64, actx context.Context) error {
	now := s.now().UnixMicro()
	if _, err := tx.Exec(ctx, `UPDATE chat_conversations SET state = ?, agent_id = ?, accepted_at = ?, updated_at = ? WHERE id = ?`,
		StateActive, agent, now, now, c.ID); err != nil {
		return err
	}
	var name string
	if err := tx.QueryRow(ctx, `SELECT name FROM users WHERE id = ?`, agent).Scan(&name); err != nil {
		return err
	}
	c.State, c.AgentID, c.AgentName = StateActive, agent, name
	if _, _, err := s.Tickets.EditTx(actx, tx, c.TicketID, func(e *ticket.Edit) error {
		if c.GroupID != 0 {
			if g := e.Ticket().GroupID; g == nil || *g != c.GroupID {
				if err := e.SetGroup(c.GroupID); err != nil {
					return err
				}
			}
		}
		if a := e.Ticket().AssigneeID; a != nil && *a == agent {
			return nil
		}
		return e.SetAssignee(agent)
	}); err != nil {
		return err
	}
	if _, err := s.insertMessageTx(ctx, tx, c, KindSystem, agent, "", "joined", &MessageData{Code: "joined", Args: []string{name}}, ""); err != nil {
		return err
	}
	if err := s.publishTx(ctx, tx, Signal{Kind: "state", ConvID: c.ID, TicketID: c.TicketID}); err != nil {
		return err
	}
	return s.publishTx(ctx, tx, Signal{Kind: "queue", ConvID: c.ID, TicketID: c.TicketID, GroupID: c.GroupID})
}

// activeCount is how many chats agent holds.
func activeCount(ctx context.Context, q store.Querier, agent int64) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM chat_conversations WHERE agent_id = ? AND state = ?`, agent, StateActive).Scan(&n)
	return n, err
}

// errAtLimit refuses a chat past the agent's limit.
func errAtLimit() error {
	return &desk.Error{Code: desk.ECONFLICT, Message: "You already hold as many chats as you may; end one first"}
}
