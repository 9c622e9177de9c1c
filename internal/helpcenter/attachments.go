package helpcenter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
)

// ArticleAttachment is a file attached to an article (Zendesk's article
// attachment). Inline attachments are images the body shows; the others
// are offered as downloads. Who may fetch one is who may read the article.
type ArticleAttachment struct {
	ID          int64     `json:"id"`
	ArticleID   int64     `json:"article_id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Inline      bool      `json:"inline"`
	AuthorID    int64     `json:"author_id"`
	CreatedAt   desk.Time `json:"created_at"`
	key         string
}

// MaxAttachmentsPerArticle bounds the files of one article.
const MaxAttachmentsPerArticle = 100

// Path is the address the attachment is served at (the help center's
// pages; Zendesk's content_url is /hc/article_attachments/…, which would
// overlap the /hc/{locale}/… pages here): /hc-files/{id}/{name}.
func (a ArticleAttachment) Path() string {
	return fmt.Sprintf("/hc-files/%d/%s", a.ID, urlPathEscape(a.FileName))
}

// Markdown is what the editor inserts into an article's text: an image
// for an inline attachment, a link for any other.
func (a ArticleAttachment) Markdown() string {
	alt := strings.NewReplacer("[", "", "]", "", "\\", "", "\n", " ").Replace(a.FileName)
	if a.Inline {
		return "![" + alt + "](" + a.Path() + ")"
	}
	return "[" + alt + "](" + a.Path() + ")"
}

// urlPathEscape escapes a file name for one path segment.
func urlPathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// inlineTypes are the image types an article may show inline: never SVG
// (it can carry script) and never anything the sniffer did not confirm.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// cleanFileName keeps the last path element of a client's file name and
// refuses names that are empty, too long or not text.
func cleanFileName(name string) (string, error) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "" || name == "." || name == "..":
		return "", desk.Invalid("file", "needs a file name")
	case len(name) > 255 || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return "", desk.Invalid("file", "has a file name that is too long or not text")
	}
	return name, nil
}

// CanEdit reports (as an error) whether the caller may edit the help
// center, so that an upload is refused before its body is read.
func (s *Service) CanEdit(ctx context.Context) error {
	_, err := requireManager(ctx)
	return err
}

// AddAttachment stores a file for an article (managers). inline asks for
// an image shown in the body: only PNG, JPEG, GIF and WebP, judged by the
// bytes, qualify. Size limits and content sniffing are package attach's.
func (s *Service) AddAttachment(ctx context.Context, articleID int64, fileName string, inline bool, r io.Reader) (ArticleAttachment, error) {
	p, err := requireManager(ctx)
	if err != nil {
		return ArticleAttachment{}, err
	}
	if s.Blobs == nil {
		return ArticleAttachment{}, desk.Errorf(desk.EINVALID, "attachments are not configured")
	}
	name, err := cleanFileName(fileName)
	if err != nil {
		return ArticleAttachment{}, err
	}
	v, err := s.viewerFor(ctx)
	if err != nil {
		return ArticleAttachment{}, err
	}
	if _, err := s.articleRow(ctx, v, articleID); err != nil {
		return ArticleAttachment{}, err
	}
	saved, err := s.Blobs.Save(ctx, r, name)
	if errors.Is(err, attach.ErrTooLarge) {
		return ArticleAttachment{}, desk.Invalid("file", fmt.Sprintf("is too large (at most %d bytes)", s.Blobs.MaxSize))
	}
	if err != nil {
		return ArticleAttachment{}, fmt.Errorf("helpcenter: attachment: %w", err)
	}
	if inline && !inlineTypes[saved.ContentType] {
		_ = s.Blobs.Delete(context.WithoutCancel(ctx), saved.Key)
		return ArticleAttachment{}, desk.Invalid("inline", "only PNG, JPEG, GIF and WebP images can be shown inline")
	}
	a := ArticleAttachment{ArticleID: articleID, FileName: name, ContentType: saved.ContentType, Size: saved.Size, Inline: inline,
		AuthorID: p.UserID, CreatedAt: desk.TimeFromMicros(store.Now()), key: saved.Key}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM hc_article_attachments WHERE article_id = ?`, articleID).Scan(&n); err != nil {
			return fmt.Errorf("helpcenter: attachment: %w", err)
		}
		if n >= MaxAttachmentsPerArticle {
			return desk.Invalid("file", fmt.Sprintf("an article holds at most %d files", MaxAttachmentsPerArticle))
		}
		a.ID, err = tx.InsertID(ctx, `INSERT INTO hc_article_attachments (article_id, blob_key, file_name, content_type, size, inline, author_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, articleID, a.key, a.FileName, a.ContentType, a.Size, a.Inline, a.AuthorID, store.Now())
		if err != nil {
			return fmt.Errorf("helpcenter: attachment: %w", err)
		}
		return nil
	})
	if err != nil {
		_ = s.Blobs.Delete(context.WithoutCancel(ctx), saved.Key)
		return ArticleAttachment{}, err
	}
	return a, nil
}

const attachmentCols = `x.id, x.article_id, x.file_name, x.content_type, x.size, x.inline, x.author_id, x.created_at, x.blob_key`

func scanAttachment(sc interface{ Scan(...any) error }) (ArticleAttachment, error) {
	var a ArticleAttachment
	var created int64
	err := sc.Scan(&a.ID, &a.ArticleID, &a.FileName, &a.ContentType, &a.Size, &a.Inline, &a.AuthorID, &created, &a.key)
	a.CreatedAt = desk.TimeFromMicros(created)
	return a, err
}

// Attachments lists the files of an article the caller may read.
func (s *Service) Attachments(ctx context.Context, articleID int64) ([]ArticleAttachment, error) {
	v, err := s.viewerFor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.articleRow(ctx, v, articleID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+attachmentCols+` FROM hc_article_attachments x WHERE x.article_id = ? ORDER BY x.id`, articleID)
	if err != nil {
		return nil, fmt.Errorf("helpcenter: attachments: %w", err)
	}
	defer rows.Close()
	out := []ArticleAttachment{}
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("helpcenter: attachments: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Attachment returns one attachment of an article the caller may read;
// any other is not found (restricted articles' files stay hidden).
func (s *Service) Attachment(ctx context.Context, id int64) (ArticleAttachment, error) {
	a, err := scanAttachment(s.DB.QueryRow(ctx, `SELECT `+attachmentCols+` FROM hc_article_attachments x WHERE x.id = ?`, id))
	if err != nil {
		return a, notFound(err, "attachment")
	}
	v, err := s.viewerFor(ctx)
	if err != nil {
		return ArticleAttachment{}, err
	}
	if _, err := s.articleRow(ctx, v, a.ArticleID); err != nil {
		return ArticleAttachment{}, err
	}
	return a, nil
}

// OpenAttachment is Attachment with its bytes; the caller closes them.
func (s *Service) OpenAttachment(ctx context.Context, id int64) (ArticleAttachment, io.ReadCloser, error) {
	a, err := s.Attachment(ctx, id)
	if err != nil {
		return a, nil, err
	}
	if s.Blobs == nil {
		return a, nil, desk.NotFound()
	}
	f, err := s.Blobs.Open(ctx, a.key)
	if errors.Is(err, attach.ErrNotFound) {
		return a, nil, desk.NotFound()
	}
	return a, f, err
}

// DeleteAttachment removes an attachment (managers); its bytes go by a
// durable job enqueued with the deletion.
func (s *Service) DeleteAttachment(ctx context.Context, id int64) error {
	if _, err := requireManager(ctx); err != nil {
		return err
	}
	a, err := s.Attachment(ctx, id)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM hc_article_attachments WHERE id = ?`, a.ID); err != nil {
			return fmt.Errorf("helpcenter: delete attachment: %w", err)
		}
		return jobs.Enqueue(ctx, tx, attach.JobDeleteBlobs, []string{a.key})
	})
}

// deleteArticleAttachments removes an article's attachment rows inside tx
// and enqueues the removal of their bytes.
func deleteArticleAttachments(ctx context.Context, tx *store.Tx, articleID int64) error {
	rows, err := tx.Query(ctx, `SELECT blob_key FROM hc_article_attachments WHERE article_id = ?`, articleID)
	if err != nil {
		return fmt.Errorf("helpcenter: delete attachments: %w", err)
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM hc_article_attachments WHERE article_id = ?`, articleID); err != nil {
		return fmt.Errorf("helpcenter: delete attachments: %w", err)
	}
	return jobs.Enqueue(ctx, tx, attach.JobDeleteBlobs, keys)
}
