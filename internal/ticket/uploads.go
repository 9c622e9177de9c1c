package ticket

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Upload is a stored file waiting to be attached to a comment.
type Upload struct {
	Token       string            `json:"token"`
	ExpiresAt   desk.Time         `json:"expires_at"`
	Attachment  desk.Attachment   `json:"attachment"`
	Attachments []desk.Attachment `json:"attachments"`
}

// CleanFileName keeps a safe display name: no paths, no control characters.
func CleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	for utf8.RuneCountInString(name) > 200 {
		r := []rune(name)
		name = string(r[len(r)-200:])
	}
	return name
}

// CreateUpload stores r and returns a token for a later comment's uploads.
// Passing an existing token adds the file to the same upload, as Zendesk does.
func (s *Service) CreateUpload(ctx context.Context, fileName string, r io.Reader) (*Upload, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	fileName = CleanFileName(fileName)
	saved, err := s.Blobs.Save(ctx, r, fileName)
	if errors.Is(err, attach.ErrTooLarge) {
		return nil, &desk.Error{Code: desk.ETOOLARGE, Message: "the file is larger than the attachment limit"}
	}
	if err != nil {
		return nil, err
	}
	tok := auth.RandomString(18)
	now := store.Now()
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		id, err = tx.InsertID(ctx, `INSERT INTO attachments (upload_token, uploader_id, file_name, content_type, size, storage_key, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, tok, p.UserID, fileName, saved.ContentType, saved.Size, saved.Key, now)
		return err
	})
	if err != nil {
		s.Blobs.Delete(context.WithoutCancel(ctx), saved.Key)
		return nil, err
	}
	a := desk.Attachment{ID: id, FileName: fileName, ContentType: saved.ContentType, Size: saved.Size}
	return &Upload{Token: tok, ExpiresAt: desk.TimeFromMicros(now + 3*24*3600*1e6), Attachment: a, Attachments: []desk.Attachment{a}}, nil
}

// DeleteUpload discards an unused upload of the caller's.
func (s *Service) DeleteUpload(ctx context.Context, token string) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	var key string
	err = s.DB.QueryRow(ctx, `SELECT storage_key FROM attachments WHERE upload_token = ? AND comment_id IS NULL AND uploader_id = ?`, token, p.UserID).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return desk.NotFound()
	}
	if err != nil {
		return err
	}
	if _, err := s.DB.Exec(ctx, `DELETE FROM attachments WHERE upload_token = ?`, token); err != nil {
		return err
	}
	return s.Blobs.Delete(ctx, key)
}

// Attachment returns an attachment's metadata if p may see its ticket (and,
// for end-users, its comment is public) or it is p's own pending upload.
func (s *Service) Attachment(ctx context.Context, id int64) (_ *desk.Attachment, err error) {
	defer func() { err = wrapf(err, "ticket: attachment %d", id) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	var a desk.Attachment
	var ticketID, commentID sql.NullInt64
	err = s.DB.QueryRow(ctx, `SELECT id, ticket_id, comment_id, uploader_id, file_name, content_type, size, storage_key FROM attachments WHERE id = ?`, id).
		Scan(&a.ID, &ticketID, &commentID, &a.UploaderID, &a.FileName, &a.ContentType, &a.Size, &a.StorageKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, err
	}
	if !ticketID.Valid {
		// Not on a ticket yet: only its uploader (or the system) reads it,
		// admins included — nothing yet says who else may.
		if a.UploaderID != p.UserID && !p.System {
			return nil, desk.NotFound()
		}
		return &a, nil
	}
	if ok, err := canSeeTx(ctx, s.DB, p, ticketID.Int64); err != nil {
		return nil, err
	} else if !ok {
		return nil, desk.NotFound()
	}
	if !p.IsStaff() {
		var public bool
		err := s.DB.QueryRow(ctx, `SELECT public FROM ticket_comments WHERE id = ?`, commentID.Int64).Scan(&public)
		if err != nil && !isNoRows(err) {
			return nil, err
		}
		if !public {
			return nil, desk.NotFound()
		}
	}
	a.TicketID, a.CommentID = ticketID.Int64, commentID.Int64
	return &a, nil
}

// OpenAttachment returns the bytes of an attachment p may see.
func (s *Service) OpenAttachment(ctx context.Context, id int64) (*desk.Attachment, io.ReadCloser, error) {
	a, err := s.Attachment(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.Blobs.Open(ctx, a.StorageKey)
	if err != nil {
		return nil, nil, err
	}
	return a, f, nil
}
