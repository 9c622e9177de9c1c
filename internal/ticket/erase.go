package ticket

import (
	"context"
	"slices"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/erase"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/store"
)

// EventUserErasure is the audit event of a ticket changed because a person
// it concerned was permanently deleted (their text redacted).
const EventUserErasure = "UserErasure"

// EraseUserTx removes from tickets, inside the caller's transaction, what
// they hold of a user being permanently deleted (package people calls it
// from PurgeUser): every comment the user wrote is redacted whole; in every
// ticket they requested, submitted, follow, were copied on or commented on,
// each of terms (their name, addresses, phone) is redacted from the
// subject, the comments and the audits, case-insensitively; files they
// uploaded are deleted (the bytes by JobDeleteBlobs). Each such ticket gets
// one audit with a UserErasure event (naming nothing), a version bump and a
// rebuilt search document. No business rule or hook runs: an erasure sends
// nothing. Ticket rows, ids and times stay, so statistics do.
func (s *Service) EraseUserTx(ctx context.Context, tx *store.Tx, userID int64, terms []string) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	re := erase.New(terms)
	ids, err := int64s(ctx, tx, `SELECT id FROM tickets WHERE requester_id = ? OR submitter_id = ?
		UNION SELECT ticket_id FROM ticket_collaborators WHERE user_id = ?
		UNION SELECT ticket_id FROM ticket_comments WHERE author_id = ?
		UNION SELECT ticket_id FROM attachments WHERE uploader_id = ? AND ticket_id IS NOT NULL`, userID, userID, userID, userID, userID)
	if err != nil {
		return err
	}
	// Their files: those they uploaded and those on comments they wrote
	// (a comment written for them by an agent or by mail).
	const theirs = `uploader_id = ? OR comment_id IN (SELECT id FROM ticket_comments WHERE author_id = ?)`
	keys, err := strs(ctx, tx, `SELECT storage_key FROM attachments WHERE `+theirs, userID, userID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM attachments WHERE `+theirs, userID, userID); err != nil {
		return err
	}
	if len(keys) > 0 {
		if err := jobs.Enqueue(ctx, tx, JobDeleteBlobs, keys); err != nil {
			return err
		}
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if err := s.eraseInTicket(ctx, tx, p, id, userID, re); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return tx.CompactSearch(ctx, "ticket_search")
}

func (s *Service) eraseInTicket(ctx context.Context, tx *store.Tx, p *desk.Principal, id, userID int64, re *erase.Matcher) error {
	t, err := loadOneTx(ctx, tx, id, true, "")
	if err != nil {
		return err
	}
	c := &change{}
	rows, err := tx.Query(ctx, `SELECT id, audit_id, author_id, body, html_body FROM ticket_comments WHERE ticket_id = ? ORDER BY id`, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var r commentRedaction
		var author int64
		if err := rows.Scan(&r.commentID, &r.auditID, &author, &r.oldBody, &r.html); err != nil {
			rows.Close()
			return err
		}
		oldHTML := r.html
		if author == userID {
			r.body = marks(r.oldBody)
			r.html = "<p>" + r.body + "</p>"
		} else {
			r.body, r.html = re.String(r.oldBody), re.String(r.html)
			if re.Match(sanitize.PlainText(r.html)) {
				r.html = sanitize.TextToHTML(r.body) // a term across markup
			}
		}
		if r.body != r.oldBody || r.html != oldHTML {
			c.redactions = append(c.redactions, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := writeRedactions(ctx, tx, t, c); err != nil {
		return err
	}
	// What else the audits carry as text (subjects, descriptions, values).
	type auditRow struct {
		id             int64
		events, meta   string
		newEv, newMeta string
	}
	var audits []auditRow
	rows, err = tx.Query(ctx, `SELECT id, events, metadata FROM ticket_audits WHERE ticket_id = ?`, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var a auditRow
		if err := rows.Scan(&a.id, &a.events, &a.meta); err != nil {
			rows.Close()
			return err
		}
		audits = append(audits, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range audits {
		ev, err := re.JSON(a.events)
		if err != nil {
			return err
		}
		meta, err := re.JSON(a.meta)
		if err != nil {
			return err
		}
		if ev != a.events || meta != a.meta {
			if _, err := tx.Exec(ctx, `UPDATE ticket_audits SET events = ?, metadata = ? WHERE id = ?`, ev, meta, a.id); err != nil {
				return err
			}
		}
	}
	t.Subject = re.String(t.Subject)
	t.Description = re.String(t.Description)
	// Custom field values (free text fields can name them), redacted in the
	// stored JSON so that values inside lists are reached too.
	var custom string
	if err := tx.QueryRow(ctx, `SELECT custom_fields FROM tickets WHERE id = ?`, id).Scan(&custom); err != nil {
		return err
	}
	if custom, err = re.JSON(custom); err != nil {
		return err
	}
	t.CustomFields = decodeCustomFields(custom)
	if err := s.recordSystemChange(ctx, tx, p, t, []desk.AuditEvent{{Type: EventUserErasure}}); err != nil {
		return err
	}
	if t.DeletedAt.IsZero() {
		return s.reindexFromComments(ctx, tx, t)
	}
	return nil
}

func int64s(ctx context.Context, tx *store.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func strs(ctx context.Context, tx *store.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
