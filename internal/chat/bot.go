package chat

import (
	"context"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/botapi"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// The answer bot (botapi.Bot) holds a chat before any person: each
// visitor turn goes to it, its reply is shown to the visitor and kept on
// the ticket as an internal note (so the transcript is there when a person
// takes over). Handover routes the chat; Resolved ends it as a bot
// resolution. A bot that fails or takes too long hands over.

// botTimeout bounds one bot turn: long enough for a drafted answer
// (settings.BotDraftTimeout, at most MaxBotDraftTimeout seconds; the bot
// leaves itself time to answer without one when the endpoint is slow).
const botTimeout = time.Duration(settings.MaxBotDraftTimeout)*time.Second + 10*time.Second

// TagBotResolved marks the ticket of a chat the bot resolved (reports).
const TagBotResolved = "chat_bot_resolved"

// botTurn runs one turn of conversation id. Failures are logged and end
// in a handover: the visitor is never left with nobody.
func (s *Service) botTurn(ctx context.Context, id int64, text, button string) {
	if s.Bot == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	c, err := s.conversation(ctx, s.DB, id)
	if err != nil || c.State != StateBot {
		return
	}
	tctx, cancel := context.WithTimeout(ctx, botTimeout)
	defer cancel()
	r, err := s.Bot.Turn(tctx, botapi.Turn{
		ConversationID: c.ID, TicketID: c.TicketID, Locale: c.Locale, Text: text, ButtonID: button,
		State: c.botState, VisitorUserID: visitorUser(c), GroupID: c.GroupID,
	})
	if err != nil {
		s.log().Warn("chat: the bot failed; handing over", "conversation_id", c.ID, "err", err)
		r = botapi.Reply{Handover: true}
	}
	if err := s.applyReply(ctx, c.ID, r); err != nil {
		s.log().Error("chat: applying the bot's reply", "conversation_id", c.ID, "err", err)
	}
}

// visitorUser is the visitor's account for the bot: only a verified
// visitor is known to be that account's owner.
func visitorUser(c *Conversation) int64 {
	if c.Verified {
		return c.VisitorID
	}
	return 0
}

func (s *Service) applyReply(ctx context.Context, id int64, r botapi.Reply) error {
	if len(r.Articles) > 3 {
		r.Articles = r.Articles[:3]
	}
	if len(r.Buttons) > 10 {
		r.Buttons = r.Buttons[:10]
	}
	r.Text = cleanText(r.Text)
	if len(r.Text) > MaxText {
		r.Text = r.Text[:MaxText]
		r.Text = strings.ToValidUTF8(r.Text, "")
	}
	for i := range r.Articles {
		a := &r.Articles[i]
		a.Title, a.Snippet = cleanLine(a.Title, 200), cleanLine(a.Snippet, 300)
		if !strings.HasPrefix(a.URL, "/") || strings.HasPrefix(a.URL, "//") || strings.ContainsAny(a.URL, "\\ \r\n\"<>") {
			a.URL = "" // only paths on this help desk
		}
	}
	for i := range r.Buttons {
		r.Buttons[i].Label = cleanLine(r.Buttons[i].Label, 80)
	}
	r.AgentNote = strings.TrimSpace(strings.ToValidUTF8(r.AgentNote, ""))
	if len(r.AgentNote) > maxAgentNote {
		r.AgentNote = strings.ToValidUTF8(r.AgentNote[:maxAgentNote], "")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.conversation(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.State != StateBot {
			return nil // the visitor left or a person took it meanwhile
		}
		if _, err := tx.Exec(ctx, `UPDATE chat_conversations SET bot_state = ? WHERE id = ?`, r.State, id); err != nil {
			return err
		}
		if r.Text != "" || len(r.Articles) > 0 || len(r.Buttons) > 0 {
			data := &MessageData{Articles: r.Articles, Buttons: r.Buttons, Drafted: r.Drafted && r.Text != ""}
			if _, err := s.insertMessageTx(ctx, tx, c, KindBot, 0, "", r.Text, data, ""); err != nil {
				return err
			}
			if err := s.botNoteTx(ctx, tx, c, r); err != nil {
				return err
			}
		}
		if r.AgentNote != "" {
			if err := s.agentNoteTx(ctx, tx, c, r.AgentNote); err != nil {
				return err
			}
		}
		switch {
		case r.Resolved:
			now := s.now().UnixMicro()
			var art any
			if r.ArticleID != 0 {
				art = r.ArticleID
			}
			if _, err := tx.Exec(ctx, `UPDATE chat_conversations SET state = ?, resolution = ?, resolved_article_id = ?, ended_at = ?, updated_at = ? WHERE id = ?`,
				StateEnded, ResolvedByBot, art, now, now, id); err != nil {
				return err
			}
			if _, err := s.insertMessageTx(ctx, tx, c, KindSystem, 0, "", "bot_resolved", &MessageData{Code: "bot_resolved"}, ""); err != nil {
				return err
			}
			if _, _, err := s.Tickets.EditTx(systemCtx(ctx), tx, c.TicketID, func(e *ticket.Edit) error {
				return e.AddTags([]string{TagBotResolved})
			}); err != nil {
				return err
			}
			return s.publishTx(ctx, tx, Signal{Kind: "state", ConvID: c.ID, TicketID: c.TicketID})
		case r.Handover:
			if r.GroupID != 0 {
				var n int
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND NOT deleted`, r.GroupID).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					if _, err := tx.Exec(ctx, `UPDATE chat_conversations SET group_id = ? WHERE id = ?`, r.GroupID, id); err != nil {
						return err
					}
					c.GroupID = r.GroupID
					if _, _, err := s.Tickets.EditTx(systemCtx(ctx), tx, c.TicketID, func(e *ticket.Edit) error { return e.SetGroup(r.GroupID) }); err != nil {
						return err
					}
				}
			}
			if err := s.routeTx(ctx, tx, c); err != nil {
				return err
			}
			return s.publishTx(ctx, tx, Signal{Kind: "queue", ConvID: c.ID, TicketID: c.TicketID, GroupID: c.GroupID})
		}
		return nil
	})
}

// maxAgentNote bounds the bot's note for agents (bytes).
const maxAgentNote = 16 << 10

// agentNoteTx adds the bot's note for the agents (a drafted answer the
// visitor did not see) to the chat's ticket as an internal note, through
// the ticket's commit path. It is plain text, shown escaped.
func (s *Service) agentNoteTx(ctx context.Context, tx *store.Tx, c *Conversation, note string) error {
	priv := false
	_, _, err := s.Tickets.EditTx(systemCtx(ctx), tx, c.TicketID, func(e *ticket.Edit) error {
		return e.AddComment(&ticket.CommentInput{Body: note, Public: &priv, AuthorID: desk.SetID(c.VisitorID)})
	})
	return err
}

// botNoteTx keeps the bot's reply on the ticket as an internal note.
func (s *Service) botNoteTx(ctx context.Context, tx *store.Tx, c *Conversation, r botapi.Reply) error {
	var b strings.Builder
	b.WriteString("Answer bot: ")
	if r.Drafted {
		b.WriteString("[automatic answer, drafted from help-center articles] ")
	}
	b.WriteString(r.Text)
	for _, a := range r.Articles {
		b.WriteString("\n- " + a.Title)
		if a.URL != "" {
			b.WriteString(" (" + a.URL + ")")
		}
	}
	for _, bt := range r.Buttons {
		b.WriteString("\n[" + bt.Label + "]")
	}
	priv := false
	_, _, err := s.Tickets.EditTx(systemCtx(ctx), tx, c.TicketID, func(e *ticket.Edit) error {
		return e.AddComment(&ticket.CommentInput{Body: b.String(), Public: &priv, AuthorID: desk.SetID(c.VisitorID)})
	})
	return err
}
