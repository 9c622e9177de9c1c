package ticket

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Redaction (Zendesk's "redact string in comment", "redact comment
// attachment" and whole-comment redaction) permanently removes text or a
// file from a comment. It goes through the one commit path: one audit whose
// events say that a redaction happened (never what was removed), a version
// bump, the search document rebuilt from the redacted comments. The stored
// comment, its copy in the audit's Comment event and the ticket's
// description (when it is that comment's text) all lose the text.

// RedactionMark is the character that replaces every redacted character,
// as in Zendesk.
const RedactionMark = "▇"

// RedactedFileName is the name of the placeholder a redacted attachment
// becomes; its bytes are deleted.
const RedactedFileName = "redacted.txt"

// Audit event types of a redaction.
const (
	EventCommentRedaction    = "CommentRedaction"
	EventAttachmentRedaction = "AttachmentRedaction"
)

// commentRedaction is one redacted comment, written by commit with the
// ticket row.
type commentRedaction struct {
	commentID, auditID int64
	oldBody            string
	body, html         string
}

// attachmentRedaction is one attachment replaced by the placeholder.
type attachmentRedaction struct {
	id, commentID int64
	placeholder   *StagedFile
}

// marks returns one RedactionMark per character of s.
func marks(s string) string {
	return strings.Repeat(RedactionMark, utf8.RuneCountInString(s))
}

// loadComment reads a comment of the ticket being edited, for redaction.
func (e *Edit) loadComment(commentID int64) (auditID int64, body, htmlBody string, err error) {
	err = e.tx.QueryRow(e.ctx, `SELECT audit_id, body, html_body FROM ticket_comments WHERE id = ? AND ticket_id = ?`, commentID, e.t.ID).
		Scan(&auditID, &body, &htmlBody)
	if isNoRows(err) {
		return 0, "", "", desk.NotFound()
	}
	return auditID, body, htmlBody, err
}

// pendingFor returns the redaction this edit holds for the comment, or nil.
func (e *Edit) pendingFor(commentID int64) *commentRedaction {
	for i := range e.c.redactions {
		if e.c.redactions[i].commentID == commentID {
			return &e.c.redactions[i]
		}
	}
	return nil
}

// pendingRedaction returns the redaction this edit already holds for the
// comment (so several redactions of one comment in one edit compose into
// one event), or adds one read from the store and records its event.
func (e *Edit) pendingRedaction(commentID int64) (*commentRedaction, error) {
	if r := e.pendingFor(commentID); r != nil {
		return r, nil
	}
	auditID, body, htmlBody, err := e.loadComment(commentID)
	if err != nil {
		return nil, err
	}
	e.c.redactions = append(e.c.redactions, commentRedaction{commentID: commentID, auditID: auditID, oldBody: body, body: body, html: htmlBody})
	e.c.events = append(e.c.events, desk.AuditEvent{Type: EventCommentRedaction, CommentID: commentID})
	return &e.c.redactions[len(e.c.redactions)-1], nil
}

// RedactCommentText replaces every occurrence of text in the comment (its
// plain and its HTML body) with RedactionMark characters. Text that is not
// in the comment is a validation error, as is empty or blank text.
func (e *Edit) RedactCommentText(commentID int64, text string) error {
	if strings.TrimSpace(text) == "" {
		return desk.Invalid("text", "cannot be blank")
	}
	_, body, _, err := e.loadComment(commentID)
	if err != nil {
		return err
	}
	r := e.pendingFor(commentID)
	if r != nil {
		body = r.body
	}
	if !strings.Contains(body, text) {
		return desk.Invalid("text", "is not in the comment")
	}
	if r, err = e.pendingRedaction(commentID); err != nil {
		return err
	}
	m := marks(text)
	r.body = strings.ReplaceAll(r.body, text, m)
	r.html = strings.ReplaceAll(r.html, text, m)
	if esc := html.EscapeString(text); esc != text {
		r.html = strings.ReplaceAll(r.html, esc, m)
	}
	if strings.Contains(sanitize.PlainText(r.html), text) {
		// The text runs across markup (a bold word in a sentence): the
		// HTML is rebuilt from the redacted plain text.
		r.html = sanitize.TextToHTML(r.body)
	}
	return nil
}

// RedactComment redacts the whole text of the comment.
func (e *Edit) RedactComment(commentID int64) error {
	_, body, _, err := e.loadComment(commentID)
	if err != nil {
		return err
	}
	if strings.Trim(body, RedactionMark+" \n") == "" {
		return nil // nothing left to redact: no change
	}
	r, err := e.pendingRedaction(commentID)
	if err != nil {
		return err
	}
	r.body = marks(r.body)
	r.html = "<p>" + r.body + "</p>"
	return nil
}

// RedactAttachment replaces attachment attachmentID of the comment with the
// staged placeholder (see StageRedactionPlaceholder). The caller deletes
// the returned storage key's bytes after the transaction commits.
func (e *Edit) RedactAttachment(commentID, attachmentID int64, placeholder *StagedFile) (oldKey string, err error) {
	var name string
	var size int64
	err = e.tx.QueryRow(e.ctx, `SELECT file_name, size, storage_key FROM attachments WHERE id = ? AND comment_id = ? AND ticket_id = ?`,
		attachmentID, commentID, e.t.ID).Scan(&name, &size, &oldKey)
	if isNoRows(err) {
		return "", desk.NotFound()
	}
	if err != nil {
		return "", err
	}
	if name == RedactedFileName && size == 0 {
		return "", nil // already redacted: no change
	}
	e.c.attachmentRedactions = append(e.c.attachmentRedactions, attachmentRedaction{id: attachmentID, commentID: commentID, placeholder: placeholder})
	e.c.events = append(e.c.events, desk.AuditEvent{Type: EventAttachmentRedaction, CommentID: commentID, Value: attachmentID})
	return oldKey, nil
}

// writeRedactions stores this change's redactions (called by commit with
// the ticket row).
func writeRedactions(ctx context.Context, tx *store.Tx, t *desk.Ticket, c *change) error {
	for _, r := range c.redactions {
		if _, err := tx.Exec(ctx, `UPDATE ticket_comments SET body = ?, html_body = ? WHERE id = ? AND ticket_id = ?`, r.body, r.html, r.commentID, t.ID); err != nil {
			return err
		}
		if err := redactAuditComment(ctx, tx, r); err != nil {
			return err
		}
		if t.Description == r.oldBody {
			if _, err := tx.Exec(ctx, `UPDATE tickets SET description = ? WHERE id = ?`, r.body, t.ID); err != nil {
				return err
			}
			t.Description = r.body
		}
	}
	for _, a := range c.attachmentRedactions {
		if _, err := tx.Exec(ctx, `UPDATE attachments SET file_name = ?, content_type = ?, size = ?, storage_key = ?, inline = ? WHERE id = ? AND comment_id = ?`,
			RedactedFileName, a.placeholder.ContentType, a.placeholder.Size, a.placeholder.key, false, a.id, a.commentID); err != nil {
			return err
		}
	}
	return nil
}

// redactAuditComment rewrites the Comment event of the comment's audit,
// which carries the comment's text inline.
func redactAuditComment(ctx context.Context, tx *store.Tx, r commentRedaction) error {
	var raw string
	err := tx.QueryRow(ctx, `SELECT events FROM ticket_audits WHERE id = ?`, r.auditID).Scan(&raw)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var evs []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &evs); err != nil {
		return err
	}
	oldBody, _ := json.Marshal(r.oldBody)
	changed := false
	for _, ev := range evs {
		if string(ev["type"]) == `"Comment"` && bytes.Equal(ev["body"], oldBody) {
			ev["body"], _ = json.Marshal(r.body)
			ev["html_body"], _ = json.Marshal(r.html)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	b, err := json.Marshal(evs)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE ticket_audits SET events = ? WHERE id = ?`, string(b), r.auditID)
	return err
}

// redactTx runs a redaction edit on the ticket: staff only (light agents
// are refused by the edit itself, as for any property change).
func (s *Service) redactTx(ctx context.Context, ticketID int64, fn func(*Edit) error) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		check := func(*desk.Ticket) error {
			if !p.IsStaff() {
				return desk.Forbidden("end users cannot redact comments")
			}
			return nil
		}
		_, _, err := s.editTx(ctx, tx, p, ticketID, check, fn)
		return err
	})
}

// RedactCommentText is Zendesk's PUT …/comments/{id}/redact: it replaces
// text in the comment with RedactionMark characters and returns the
// comment as it now reads.
func (s *Service) RedactCommentText(ctx context.Context, ticketID, commentID int64, text string) (*desk.Comment, error) {
	return s.RedactCommentTexts(ctx, ticketID, commentID, []string{text})
}

// RedactCommentTexts redacts several strings of one comment in one change
// (Zendesk's comment_redactions with several <redact> parts).
func (s *Service) RedactCommentTexts(ctx context.Context, ticketID, commentID int64, texts []string) (*desk.Comment, error) {
	if len(texts) == 0 {
		return nil, desk.Invalid("text", "is required")
	}
	err := s.redactTx(ctx, ticketID, func(e *Edit) error {
		for _, text := range texts {
			if err := e.RedactCommentText(commentID, text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapf(err, "ticket: redact text in comment %d of %d", commentID, ticketID)
	}
	return s.comment(ctx, ticketID, commentID)
}

// RedactTags returns the texts marked for redaction in an HTML body by
// <redact>…</redact> (Zendesk's comment_redactions): the inner text of each
// pair, markup removed and entities decoded. An unclosed or nested tag is
// a validation error; so is a body without any.
func RedactTags(htmlBody string) ([]string, error) {
	var out []string
	lower := strings.ToLower(htmlBody)
	const open, closing = "<redact>", "</redact>"
	for i := 0; ; {
		j := strings.Index(lower[i:], open)
		k := strings.Index(lower[i:], closing)
		if j < 0 {
			if k >= 0 {
				return nil, desk.Invalid("html_body", "has </redact> without <redact>")
			}
			break
		}
		if k >= 0 && k < j {
			return nil, desk.Invalid("html_body", "has </redact> without <redact>")
		}
		start := i + j + len(open)
		end := strings.Index(lower[start:], closing)
		if end < 0 {
			return nil, desk.Invalid("html_body", "has <redact> without </redact>")
		}
		inner := htmlBody[start : start+end]
		if strings.Contains(strings.ToLower(inner), open) {
			return nil, desk.Invalid("html_body", "has nested <redact> tags")
		}
		if text := strings.TrimSpace(html.UnescapeString(stripTags(inner))); text != "" {
			out = append(out, text)
		}
		i = start + end + len(closing)
	}
	if len(out) == 0 {
		return nil, desk.Invalid("html_body", "marks nothing to redact with <redact> tags")
	}
	return out, nil
}

// stripTags drops markup (<…>) from s, keeping the text between.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// RedactComment redacts the whole text of a comment.
func (s *Service) RedactComment(ctx context.Context, ticketID, commentID int64) (*desk.Comment, error) {
	err := s.redactTx(ctx, ticketID, func(e *Edit) error { return e.RedactComment(commentID) })
	if err != nil {
		return nil, wrapf(err, "ticket: redact comment %d of %d", commentID, ticketID)
	}
	return s.comment(ctx, ticketID, commentID)
}

// RedactAttachment is Zendesk's PUT …/comments/{cid}/attachments/{id}/redact:
// the file becomes an empty redacted.txt and its bytes are deleted once the
// change has committed. It returns the placeholder attachment.
func (s *Service) RedactAttachment(ctx context.Context, ticketID, commentID, attachmentID int64) (*desk.Attachment, error) {
	if _, err := desk.RequirePrincipal(ctx); err != nil {
		return nil, err
	}
	ph, err := s.StageFile(ctx, RedactedFileName, strings.NewReader(""))
	if err != nil {
		return nil, wrapf(err, "ticket: redact attachment %d", attachmentID)
	}
	var oldKey string
	err = s.redactTx(ctx, ticketID, func(e *Edit) error {
		var err error
		if oldKey, err = e.RedactAttachment(commentID, attachmentID, ph); err != nil || oldKey == "" {
			return err
		}
		// Durable: the job deletes the bytes even if this process stops
		// before the delete below.
		return jobs.Enqueue(e.ctx, e.tx, JobDeleteBlobs, []string{oldKey})
	})
	if err != nil || oldKey == "" {
		s.DropStaged(ctx, ph)
	}
	if err != nil {
		return nil, wrapf(err, "ticket: redact attachment %d of comment %d", attachmentID, commentID)
	}
	if oldKey != "" {
		// After commit the row no longer names the old bytes: delete them
		// now; the queued job retries if this fails.
		s.notifyJobs()
		if err := s.Blobs.Delete(ctx, oldKey); err != nil {
			return nil, wrapf(err, "ticket: delete redacted attachment %d", attachmentID)
		}
	}
	return s.Attachment(ctx, attachmentID)
}

// comment reads one comment of the ticket as the principal sees it.
func (s *Service) comment(ctx context.Context, ticketID, commentID int64) (*desk.Comment, error) {
	cs, _, err := s.Comments(ctx, ticketID, commentID-1, 1, false)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 || cs[0].ID != commentID {
		return nil, desk.NotFound()
	}
	return cs[0], nil
}
