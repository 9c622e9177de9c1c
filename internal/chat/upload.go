package chat

import (
	"context"
	"database/sql"
	"errors"
	"io"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Files in a chat go both ways. Each is staged through the ticket
// service's attachment rules (size limit, name cleaning, type sniffing:
// the same as any ticket attachment), lands on the chat's ticket as a
// public comment's attachment, and shows in the chat as a line naming it
// with its attachment id: agents open it from the ticket, the visitor
// downloads it with their token only (VisitorFile).

// fileData is the message data of a file line.
func fileData(f *ticket.StagedFile, up *ticket.Upload) *MessageData {
	return &MessageData{Code: "file", Args: []string{f.FileName}, AttachmentID: up.Attachment.ID, Size: f.Size}
}

// VisitorUpload attaches a file the visitor sent to the chat's ticket, as
// a public comment of theirs. A replayed clientID stores nothing new.
func (s *Service) VisitorUpload(ctx context.Context, v *Visitor, clientID, fileName string, r io.Reader) (*Message, error) {
	if err := validClientID(clientID); err != nil {
		return nil, err
	}
	if clientID != "" {
		if old, err := s.messageByClientID(ctx, s.DB, v.Conversation.ID, clientID); err != nil || old != nil {
			return old, err
		}
	}
	sys := systemCtx(ctx)
	f, err := s.Tickets.StageFile(sys, fileName, r)
	if err != nil {
		return nil, err
	}
	var m *Message
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.conversation(ctx, tx, v.Conversation.ID)
		if err != nil {
			return err
		}
		if c.State == StateEnded || c.State == StateOffline {
			return errEnded()
		}
		ups, err := s.Tickets.AddUploadsTx(sys, tx, []*ticket.StagedFile{f})
		if err != nil {
			return err
		}
		if m, err = s.insertMessageTx(ctx, tx, c, KindVisitor, c.VisitorID, c.VisitorName, f.FileName, fileData(f, ups[0]), clientID); err != nil {
			return err
		}
		pub := true
		_, _, err = s.Tickets.EditTx(sys, tx, c.TicketID, func(e *ticket.Edit) error {
			return e.AddComment(&ticket.CommentInput{Body: f.FileName, Public: &pub, AuthorID: desk.SetID(c.VisitorID), Uploads: []string{ups[0].Token}})
		})
		return err
	})
	if err != nil {
		s.Tickets.DropStaged(context.WithoutCancel(ctx), f)
		if store.IsUniqueViolation(err) && clientID != "" {
			return s.messageByClientID(ctx, s.DB, v.Conversation.ID, clientID)
		}
		return nil, err
	}
	return m, nil
}

// AgentUpload sends a file from the agent holding chat id (or an admin)
// to the visitor: a public comment of the agent's on the ticket carrying
// it, and a line in the chat the visitor downloads it from.
func (s *Service) AgentUpload(ctx context.Context, id int64, fileName string, r io.Reader) (*Message, error) {
	p, err := requireStaff(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can().PublicComments {
		return nil, desk.Forbidden("Your role may not reply to customers")
	}
	actx := chatCtx(ctx, p)
	// Check the chat before reading the file into the store.
	if _, _, err := s.ownChat(ctx, s.DB, id); err != nil {
		return nil, err
	}
	f, err := s.Tickets.StageFile(actx, fileName, r)
	if err != nil {
		return nil, err
	}
	var m *Message
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, c, err := s.ownChat(ctx, tx, id)
		if err != nil {
			return err
		}
		ups, err := s.Tickets.AddUploadsTx(actx, tx, []*ticket.StagedFile{f})
		if err != nil {
			return err
		}
		m, err = s.agentReplyTx(ctx, tx, p, c, f.FileName, fileData(f, ups[0]), []string{ups[0].Token})
		return err
	})
	if err != nil {
		s.Tickets.DropStaged(context.WithoutCancel(ctx), f)
		return nil, err
	}
	return m, nil
}

// VisitorFile opens the file of message messageID of v's chat: only a file
// line of that chat, only while its attachment is on a public comment of
// the chat's ticket that the visitor (its requester) may see.
func (s *Service) VisitorFile(ctx context.Context, v *Visitor, messageID int64) (*desk.Attachment, io.ReadCloser, error) {
	m, err := scanMessage(s.DB.QueryRow(ctx, `SELECT id, kind, COALESCE(author_id, 0), author_name, body, data, COALESCE(client_msg_id, ''), created_at
		FROM chat_messages WHERE id = ? AND conversation_id = ?`, messageID, v.Conversation.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, desk.NotFound()
	}
	if err != nil {
		return nil, nil, err
	}
	if m.Kind == KindSystem || m.Data == nil || m.Data.Code != "file" || m.Data.AttachmentID == 0 {
		return nil, nil, desk.NotFound()
	}
	// As the visitor: the ticket service shows an end-user only public
	// comments' files of tickets they may see.
	vctx := desk.WithPrincipal(ctx, &desk.Principal{UserID: v.Conversation.VisitorID, Role: desk.RoleEndUser, Via: "chat"})
	a, rc, err := s.Tickets.OpenAttachment(vctx, m.Data.AttachmentID)
	if err != nil {
		return nil, nil, err
	}
	if a.TicketID != v.Conversation.TicketID {
		rc.Close()
		return nil, nil, desk.NotFound()
	}
	return a, rc, nil
}
