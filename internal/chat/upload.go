package chat

import (
	"context"
	"io"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// VisitorUpload attaches a file the visitor sent to the chat's ticket, as
// a public comment of theirs, through the ticket service's attachment
// rules (size limit, name cleaning, type sniffing). The chat shows a line
// naming the file. A replayed clientID stores nothing new.
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
		data := &MessageData{Code: "file", Args: []string{f.FileName}}
		if m, err = s.insertMessageTx(ctx, tx, c, KindVisitor, c.VisitorID, c.VisitorName, f.FileName, data, clientID); err != nil {
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
