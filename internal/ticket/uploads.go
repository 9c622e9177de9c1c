package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
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
	f, err := s.StageFile(ctx, fileName, r)
	if err != nil {
		return nil, err
	}
	var ups []*Upload
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		ups, err = addUploadsTx(ctx, tx, p, []*StagedFile{f})
		return err
	})
	if err != nil {
		s.DropStaged(context.WithoutCancel(ctx), f)
		return nil, err
	}
	return ups[0], nil
}

// AttachmentPath is where the web UI serves attachment id, to those who
// may see its ticket (and, for end-users, its comment); comment HTML made
// from mail points its inline images at it.
func AttachmentPath(id int64) string { return "/attachments/" + strconv.FormatInt(id, 10) }

// StagedFile is a file written to the attachment store whose row is not
// written yet: a channel stores a message's files while it reads the
// message, then makes them uploads (AddUploadsTx) in the same transaction
// as the ticket change, so one message costs one write transaction.
type StagedFile struct {
	FileName    string
	ContentType string
	Size        int64
	// Inline marks an image the comment's HTML shows (Zendesk's
	// attachment "inline").
	Inline bool
	key    string
}

// StageFile writes r to the attachment store. Unless AddUploadsTx commits
// it, the caller must drop it (DropStaged).
func (s *Service) StageFile(ctx context.Context, fileName string, r io.Reader) (*StagedFile, error) {
	if _, err := desk.RequirePrincipal(ctx); err != nil {
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
	return &StagedFile{FileName: fileName, ContentType: saved.ContentType, Size: saved.Size, key: saved.Key}, nil
}

// DropStaged deletes staged files whose uploads were not committed.
func (s *Service) DropStaged(ctx context.Context, files ...*StagedFile) {
	for _, f := range files {
		if f != nil && f.key != "" {
			_ = s.Blobs.Delete(ctx, f.key)
		}
	}
}

// AddUploadsTx makes staged files pending uploads of the principal inside
// tx (a row each), in order; a later comment in the same
// or another transaction binds them by token.
func (s *Service) AddUploadsTx(ctx context.Context, tx *store.Tx, files []*StagedFile) ([]*Upload, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	return addUploadsTx(ctx, tx, p, files)
}

func addUploadsTx(ctx context.Context, tx *store.Tx, p *desk.Principal, files []*StagedFile) ([]*Upload, error) {
	now := store.Now()
	out := make([]*Upload, 0, len(files))
	for _, f := range files {
		tok := auth.RandomString(18)
		id, err := tx.InsertID(ctx, `INSERT INTO attachments (upload_token, uploader_id, file_name, content_type, size, storage_key, inline, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tok, p.UserID, f.FileName, f.ContentType, f.Size, f.key, f.Inline, now)
		if err != nil {
			return nil, fmt.Errorf("ticket: add upload: %w", err)
		}
		a := desk.Attachment{ID: id, FileName: f.FileName, ContentType: f.ContentType, Size: f.Size, Inline: f.Inline}
		out = append(out, &Upload{Token: tok, ExpiresAt: desk.TimeFromMicros(now + 3*24*3600*1e6), Attachment: a, Attachments: []desk.Attachment{a}})
	}
	return out, nil
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
	err = s.DB.QueryRow(ctx, `SELECT id, ticket_id, comment_id, uploader_id, file_name, content_type, size, storage_key, inline FROM attachments WHERE id = ?`, id).
		Scan(&a.ID, &ticketID, &commentID, &a.UploaderID, &a.FileName, &a.ContentType, &a.Size, &a.StorageKey, &a.Inline)
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
