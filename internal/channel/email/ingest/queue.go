package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// SuspendedTicket is one message held in the suspended queue, in Zendesk's
// shape.
type SuspendedTicket struct {
	ID        int64             `json:"id"`
	URL       string            `json:"url,omitempty"`
	Author    SuspendedAuthor   `json:"author"`
	Subject   string            `json:"subject"`
	Content   string            `json:"content"`
	Cause     string            `json:"cause"`
	CauseID   int               `json:"cause_id"`
	MessageID string            `json:"message_id"`
	TicketID  *int64            `json:"ticket_id"`
	Recipient string            `json:"recipient"`
	BrandID   *int64            `json:"brand_id"`
	Via       desk.Via          `json:"via"`
	Attach    []desk.Attachment `json:"attachments"`
	Errors    []string          `json:"error_messages"`
	CreatedAt desk.Time         `json:"created_at"`
	UpdatedAt desk.Time         `json:"updated_at"`

	mailboxID int64
	uploads   []string
}

// SuspendedAuthor is who sent a suspended message.
type SuspendedAuthor struct {
	ID    *int64 `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// mayManage: admins, and agents who see every ticket and may edit ticket
// properties (not light agents), review the queue.
func mayManage(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	can := p.Can()
	if !p.IsStaff() || (!p.IsAdmin() && (can.TicketAccess != desk.TicketAccessAll || !can.EditTicketProperties)) {
		return desk.Forbidden("You do not have access to suspended tickets")
	}
	return nil
}

func mayChange(ctx context.Context) error {
	if err := mayManage(ctx); err != nil {
		return err
	}
	if desk.PrincipalFrom(ctx).ReadOnly {
		return desk.Forbidden("This token is read-only")
	}
	return nil
}

const suspendedCols = `s.id, s.mailbox_id, s.message_id, s.author_name, s.author_email, s.recipient, s.subject, s.content, s.cause, s.cause_id,
	s.ticket_id, s.uploads, s.created_at, s.updated_at, COALESCE((SELECT i.user_id FROM user_identities i WHERE i.type = 'email' AND i.value = s.author_email), 0),
	COALESCE((SELECT m.name FROM email_mailboxes m WHERE m.id = s.mailbox_id), '')`

func scanSuspended(sc interface{ Scan(...any) error }) (*SuspendedTicket, error) {
	var st SuspendedTicket
	var ticketID, created, updated, authorID int64
	var uploads, boxName string
	err := sc.Scan(&st.ID, &st.mailboxID, &st.MessageID, &st.Author.Name, &st.Author.Email, &st.Recipient, &st.Subject, &st.Content,
		&st.Cause, &st.CauseID, &ticketID, &uploads, &created, &updated, &authorID, &boxName)
	if err != nil {
		return nil, err
	}
	if ticketID != 0 {
		st.TicketID = &ticketID
	}
	if authorID != 0 {
		st.Author.ID = &authorID
	}
	st.uploads = strings.Fields(uploads)
	st.Via = desk.NewVia("email")
	st.Via.Source.From = map[string]any{"address": st.Author.Email, "name": st.Author.Name}
	st.Via.Source.To = map[string]any{"address": st.Recipient, "name": boxName}
	st.Attach = []desk.Attachment{}
	st.CreatedAt, st.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &st, nil
}

// ListSuspended returns a page of the queue, newest first: those older
// than cursor afterID (0: from the newest), skipping offset, and whether
// more follow.
func (s *Service) ListSuspended(ctx context.Context, afterID int64, offset, limit int) ([]*SuspendedTicket, bool, error) {
	if err := mayManage(ctx); err != nil {
		return nil, false, err
	}
	limit = min(max(limit, 1), 100)
	q := `SELECT ` + suspendedCols + ` FROM suspended_tickets s`
	args := []any{}
	if afterID > 0 {
		q += ` WHERE s.id < ?`
		args = append(args, afterID)
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY s.id DESC LIMIT ? OFFSET ?`, append(args, limit+1, max(offset, 0))...)
	if err != nil {
		return nil, false, fmt.Errorf("suspended tickets: list: %w", err)
	}
	defer rows.Close()
	out := []*SuspendedTicket{}
	for rows.Next() {
		st, err := scanSuspended(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// CountSuspended returns the queue's length.
func (s *Service) CountSuspended(ctx context.Context) (int, error) {
	if err := mayManage(ctx); err != nil {
		return 0, err
	}
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM suspended_tickets`).Scan(&n)
	return n, err
}

// GetSuspended returns one suspended message.
func (s *Service) GetSuspended(ctx context.Context, id int64) (*SuspendedTicket, error) {
	if err := mayManage(ctx); err != nil {
		return nil, err
	}
	return getSuspended(ctx, s.DB, id)
}

func getSuspended(ctx context.Context, q store.Querier, id int64) (*SuspendedTicket, error) {
	st, err := scanSuspended(q.QueryRow(ctx, `SELECT `+suspendedCols+` FROM suspended_tickets s WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("suspended ticket %d: %w", id, err)
	}
	return st, nil
}

// Recover accepts suspended messages: each becomes a ticket (with its
// original and attachments) requested by its sender, as if it had not
// been held, and leaves the queue in the same transaction.
func (s *Service) Recover(ctx context.Context, ids []int64) ([]*desk.Ticket, error) {
	if err := mayChange(ctx); err != nil {
		return nil, err
	}
	if len(ids) == 0 || len(ids) > 100 {
		return nil, desk.Invalid("ids", "must list 1 to 100 suspended tickets")
	}
	sys := emailContext(ctx)
	var out []*desk.Ticket
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		out = out[:0]
		for _, id := range ids {
			t, err := s.recoverTx(sys, tx, id)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) recoverTx(ctx context.Context, tx *store.Tx, id int64) (*desk.Ticket, error) {
	st, err := getSuspended(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	box := map[string]any{"address": st.Recipient, "name": st.Via.Source.To["name"]}
	uploads, err := pendingUploads(ctx, tx, st.uploads)
	if err != nil {
		return nil, err
	}
	pub := true
	subject := st.Subject
	content := st.Content
	if strings.TrimSpace(content) == "" {
		content = "(no text)"
	}
	in := ticket.Input{
		Subject:   &subject,
		Requester: &ticket.RequesterInput{Name: st.Author.Name, Email: st.Author.Email, FromMail: true},
		Comment:   &ticket.CommentInput{Body: content, Public: &pub, Uploads: uploads, ViaSource: &desk.ViaSource{From: st.Via.Source.From, To: box}},
		Via:       "email",
		ViaSource: &desk.ViaSource{From: st.Via.Source.From, To: box},
		Recipient: desk.NullString{Set: st.Recipient != "", Value: st.Recipient},
	}
	t, _, err := s.Tickets.CreateTx(thread.WithInbound(ctx, st.MessageID), tx, in)
	if err != nil {
		return nil, err
	}
	if err := s.Threads.RecordTx(ctx, tx, thread.Record{MessageID: st.MessageID, MailboxID: st.mailboxID, Direction: thread.Inbound, TicketID: t.ID}); err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `DELETE FROM suspended_tickets WHERE id = ?`, id)
	return t, err
}

// DestroySuspended rejects suspended messages: they and their files go.
func (s *Service) DestroySuspended(ctx context.Context, ids []int64) error {
	if err := mayChange(ctx); err != nil {
		return err
	}
	if len(ids) == 0 || len(ids) > 100 {
		return desk.Invalid("ids", "must list 1 to 100 suspended tickets")
	}
	var uploads []string
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		uploads = uploads[:0]
		for _, id := range ids {
			st, err := getSuspended(ctx, tx, id)
			if err != nil {
				return err
			}
			uploads = append(uploads, st.uploads...)
			if _, err := tx.Exec(ctx, `DELETE FROM suspended_tickets WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.discardUploads(emailContext(ctx), uploads)
	return nil
}

// pendingUploads keeps the tokens whose files are still pending (a queue
// entry older than the uploads' lifetime recovers its text alone).
func pendingUploads(ctx context.Context, q store.Querier, tokens []string) ([]string, error) {
	var out []string
	for _, tok := range tokens {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE upload_token = ? AND comment_id IS NULL`, tok).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, tok)
		}
	}
	return out, nil
}
