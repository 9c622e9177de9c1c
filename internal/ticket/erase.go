package ticket

import (
	"context"
	"encoding/json"
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/store"
)

// EventUserErasure is the audit event of a ticket changed because a person
// it concerned was permanently deleted (their text redacted).
const EventUserErasure = "UserErasure"

// minEraseTerm is the shortest term erased from free text: shorter ones
// (initials) would redact unrelated words.
const minEraseTerm = 3

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
	re := eraseRegexp(terms)
	ids, err := int64s(ctx, tx, `SELECT id FROM tickets WHERE requester_id = ? OR submitter_id = ?
		UNION SELECT ticket_id FROM ticket_collaborators WHERE user_id = ?
		UNION SELECT ticket_id FROM ticket_comments WHERE author_id = ?
		UNION SELECT ticket_id FROM attachments WHERE uploader_id = ? AND ticket_id IS NOT NULL`, userID, userID, userID, userID, userID)
	if err != nil {
		return err
	}
	keys, err := strs(ctx, tx, `SELECT storage_key FROM attachments WHERE uploader_id = ?`, userID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM attachments WHERE uploader_id = ?`, userID); err != nil {
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

func (s *Service) eraseInTicket(ctx context.Context, tx *store.Tx, p *desk.Principal, id, userID int64, re *regexp.Regexp) error {
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
			r.body, r.html = eraseTerms(re, r.oldBody), eraseTerms(re, r.html)
			if re != nil && re.MatchString(sanitize.PlainText(r.html)) {
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
		ev, err := eraseJSON(re, a.events)
		if err != nil {
			return err
		}
		meta, err := eraseJSON(re, a.meta)
		if err != nil {
			return err
		}
		if ev != a.events || meta != a.meta {
			if _, err := tx.Exec(ctx, `UPDATE ticket_audits SET events = ?, metadata = ? WHERE id = ?`, ev, meta, a.id); err != nil {
				return err
			}
		}
	}
	t.Subject = eraseTerms(re, t.Subject)
	t.Description = eraseTerms(re, t.Description)
	if err := s.recordSystemChange(ctx, tx, p, t, []desk.AuditEvent{{Type: EventUserErasure}}); err != nil {
		return err
	}
	if t.DeletedAt.IsZero() {
		return s.reindexFromComments(ctx, tx, t)
	}
	return nil
}

// eraseRegexp matches any of the terms (and their HTML-escaped forms),
// case-insensitively, longest first; nil when no term is long enough.
func eraseRegexp(terms []string) *regexp.Regexp {
	var alts []string
	for _, t := range terms {
		t = strings.TrimSpace(t)
		if len([]rune(t)) < minEraseTerm {
			continue
		}
		alts = append(alts, t)
		if esc := html.EscapeString(t); esc != t {
			alts = append(alts, esc)
		}
	}
	if len(alts) == 0 {
		return nil
	}
	slices.SortFunc(alts, func(a, b string) int { return len(b) - len(a) })
	for i, a := range alts {
		alts[i] = regexp.QuoteMeta(a)
	}
	return regexp.MustCompile(`(?i)` + strings.Join(slices.Compact(alts), "|"))
}

func eraseTerms(re *regexp.Regexp, s string) string {
	if re == nil {
		return s
	}
	return re.ReplaceAllStringFunc(s, marks)
}

// eraseJSON redacts the terms in every string of a JSON document.
func eraseJSON(re *regexp.Regexp, doc string) (string, error) {
	if re == nil || !re.MatchString(doc) {
		return doc, nil
	}
	d := json.NewDecoder(strings.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case string:
			return eraseTerms(re, x)
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = walk(x[k])
			}
		}
		return x
	}
	b, err := json.Marshal(walk(v))
	return string(b), err
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
