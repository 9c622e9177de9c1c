package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// change collects what one create or update does, for the audit.
type change struct {
	events  []desk.AuditEvent
	comment *newComment
	// privateComments are existing comments made private (make_private),
	// written by commit with the ticket row.
	privateComments []int64
	// redactions and attachmentRedactions are existing comments and files
	// redacted (redact.go), written by commit with the ticket row.
	redactions           []commentRedaction
	attachmentRedactions []attachmentRedaction
}

type newComment struct {
	authorID int64
	body     string
	html     string
	public   bool
	uploads  []string
	// viaSource is the JSON of the channel's via.source ("" for none).
	viaSource string
}

func (c *change) set(field string, prev, val any) {
	c.events = append(c.events, desk.AuditEvent{Type: "Change", FieldName: field, Value: val, PreviousValue: prev})
}

// Create opens a ticket and records its first audit.
func (s *Service) Create(ctx context.Context, in Input) (*desk.Ticket, *desk.Audit, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, nil, err
	}
	if in.Comment != nil {
		in.Comment.render()
	} else if in.Description != nil {
		in.Comment = &CommentInput{Body: *in.Description}
		in.Comment.render()
	}
	var t *desk.Ticket
	var audit *desk.Audit
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, audit, err = s.createTx(ctx, tx, p, in)
		return err
	})
	if err != nil {
		return nil, nil, wrapf(err, "ticket: create")
	}
	return t, audit, nil
}

func (s *Service) createTx(ctx context.Context, tx *store.Tx, p *desk.Principal, in Input) (*desk.Ticket, *desk.Audit, error) {
	t := &desk.Ticket{Status: desk.StatusNew, IsPublic: true, Tags: []string{}, CollaboratorIDs: []int64{}, FollowerIDs: []int64{}, EmailCCIDs: []int64{}}
	t.Via = desk.NewVia(viaOf(p, in))
	if in.ViaSource != nil {
		t.Via.Source = *in.ViaSource
	}
	var v desk.Validation
	c := &change{}
	e := s.newEdit(ctx, tx, p, nil, t, c)

	// Requester: explicit id (staff only), {name, email}, or the caller.
	switch {
	case in.Requester != nil:
		if !p.IsStaff() && !strings.EqualFold(in.Requester.Email, p.Email) {
			return nil, nil, desk.Forbidden("end users can only raise tickets for themselves")
		}
		uid, orgID, err := e.ensureUser("requester", in.Requester.Name, in.Requester.Email, in.Requester.FromMail)
		if err != nil {
			return nil, nil, err
		}
		t.RequesterID, t.OrganizationID = uid, orgID
	case in.RequesterID.Set && in.RequesterID.ID != 0:
		if !p.IsStaff() && in.RequesterID.ID != p.UserID {
			return nil, nil, desk.Forbidden("end users can only raise tickets for themselves")
		}
		_, orgID, _, err := people.UserRoleTx(ctx, tx, in.RequesterID.ID)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			return nil, nil, desk.Invalid("requester_id", "is not a valid user")
		}
		if err != nil {
			return nil, nil, err
		}
		t.RequesterID, t.OrganizationID = in.RequesterID.ID, orgID
	case p.UserID != 0:
		t.RequesterID = p.UserID
		if p.OrgID != 0 {
			org := p.OrgID
			t.OrganizationID = &org
		}
	default:
		v.Add("requester", "cannot be blank")
	}
	t.SubmitterID = p.UserID
	if in.SubmitterID.Set && in.SubmitterID.ID != 0 && p.IsStaff() {
		t.SubmitterID = in.SubmitterID.ID
	}
	if t.SubmitterID == 0 {
		t.SubmitterID = t.RequesterID
	}

	// The first comment is the description.
	ci := in.Comment
	if ci == nil && in.Description != nil {
		ci = &CommentInput{Body: *in.Description}
	}
	if ci == nil || (strings.TrimSpace(ci.Body) == "" && strings.TrimSpace(ci.HTMLBody) == "") {
		v.Add("description", "cannot be blank")
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	if subject := firstSet(in.Subject, in.RawSubject); subject != nil {
		t.Subject = strings.TrimSpace(*subject)
	}
	in.Comment = ci
	if err := s.apply(ctx, tx, p, nil, t, in, c); err != nil {
		return nil, nil, err
	}
	t.Description = c.comment.body
	if t.Subject == "" {
		t.Subject = firstLine(t.Description, 80)
	}
	t.RawSubject = t.Subject
	t.AllowAttachments = true // as scanTicket reads every stored ticket

	// Zendesk lists the initial values of a new ticket as Create events.
	createEvents := []desk.AuditEvent{
		{Type: "Create", FieldName: "subject", Value: t.Subject},
		{Type: "Create", FieldName: "status", Value: string(t.Status)},
		{Type: "Create", FieldName: "requester_id", Value: t.RequesterID},
	}
	for _, e := range c.events {
		if e.FieldName != "status" {
			createEvents = append(createEvents, desk.AuditEvent{Type: "Create", FieldName: e.FieldName, Value: e.Value})
		}
	}
	c.events = createEvents
	audit, err := s.commit(ctx, tx, &mutation{kind: desk.ChangeCreate, actor: p, after: t, change: *c})
	if err != nil {
		return nil, nil, err
	}
	return t, audit, nil
}

// Update changes a ticket, adding a comment when one is given.
func (s *Service) Update(ctx context.Context, id int64, in Input) (*desk.Ticket, *desk.Audit, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, nil, err
	}
	if in.Comment != nil {
		in.Comment.render()
	}
	var t *desk.Ticket
	var audit *desk.Audit
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, audit, err = s.updateTx(ctx, tx, p, id, in)
		return err
	})
	if err != nil {
		return nil, nil, wrapf(err, "ticket: update %d", id)
	}
	return t, audit, nil
}

func (s *Service) updateTx(ctx context.Context, tx *store.Tx, p *desk.Principal, id int64, in Input) (*desk.Ticket, *desk.Audit, error) {
	check := func(old *desk.Ticket) error {
		if in.SafeUpdate && in.UpdatedStamp != nil && !safeStampMatches(in.UpdatedStamp, old.UpdatedAt) {
			return &desk.Error{Code: desk.ECONFLICT, Message: "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again."}
		}
		if !p.IsStaff() {
			if err := endUserMayUpdate(in); err != nil {
				return err
			}
		}
		if in.Comment != nil && strings.TrimSpace(in.Comment.Body) == "" && strings.TrimSpace(in.Comment.HTMLBody) == "" {
			if len(in.Comment.Uploads) == 0 {
				return desk.Invalid("comment", "cannot be blank")
			}
			in.Comment.Body = "(attachment)"
		}
		return nil
	}
	return s.editTx(ctx, tx, p, id, check, func(e *Edit) error { return e.applyInput(in) })
}

// endUserMayUpdate limits requesters to what the customer portal offers:
// adding public comments and marking their request solved.
func endUserMayUpdate(in Input) error {
	if in.Status != nil && *in.Status != string(desk.StatusSolved) {
		return desk.Forbidden("end users can only mark a request as solved")
	}
	if in.Subject != nil || in.AssigneeID.Set || in.GroupID.Set || in.OrganizationID.Set || in.Priority.Set || in.Type.Set ||
		in.Tags != nil || in.AdditionalTags != nil || in.RemoveTags != nil || in.CustomFields != nil || in.Fields != nil ||
		in.TicketFormID.Set || in.RequesterID.Set || in.Requester != nil || in.ProblemID.Set || in.DueAt != nil || in.ExternalID.Set ||
		in.FollowerIDs != nil || in.EmailCCIDs != nil || in.CollaboratorIDs != nil || in.SubmitterID.Set || in.hasPeopleRefs() {
		return desk.Forbidden("end users cannot change ticket properties")
	}
	if in.Comment != nil && in.Comment.Public != nil && !*in.Comment.Public {
		return desk.Forbidden("end users cannot add internal notes")
	}
	return nil
}

// prepareComment validates a comment and decides its author and visibility.
func (s *Service) prepareComment(ctx context.Context, tx *store.Tx, p *desk.Principal, t *desk.Ticket, ci *CommentInput) (*newComment, error) {
	nc := &newComment{authorID: p.UserID, public: true, uploads: ci.Uploads}
	if ci.ViaSource != nil {
		b, err := json.Marshal(ci.ViaSource)
		if err != nil {
			return nil, err
		}
		nc.viaSource = string(b)
	}
	if ci.Public != nil {
		nc.public = *ci.Public
	}
	if !p.IsStaff() {
		nc.public = true
	} else if !p.Can().PublicComments {
		nc.public = false // light agents add internal notes only
	}
	if ci.AuthorID.Set && ci.AuthorID.ID != 0 && ci.AuthorID.ID != p.UserID {
		if !p.IsStaff() {
			return nil, desk.Forbidden("cannot comment as another user")
		}
		if _, _, _, err := people.UserRoleTx(ctx, tx, ci.AuthorID.ID); err != nil {
			return nil, desk.Invalid("author_id", "is not a valid user")
		}
		nc.authorID = ci.AuthorID.ID
	}
	if nc.authorID == 0 {
		nc.authorID = t.RequesterID
	}
	if len(ci.Uploads) > maxUploads {
		return nil, desk.Invalid("uploads", "too many attachments")
	}
	ci.render()
	nc.body, nc.html = ci.body, ci.html
	if err := s.redactIncomingCards(ctx, tx, p, nc); err != nil {
		return nil, err
	}
	if len(nc.body) > maxBody || len(nc.html) > 4*maxBody {
		return nil, desk.Invalid("comment", fmt.Sprintf("is too long (maximum is %d bytes)", maxBody))
	}
	if nc.body == "" && len(nc.uploads) == 0 {
		return nil, desk.Invalid("comment", "cannot be blank")
	}
	return nc, nil
}

// render sanitizes the comment once, before the write transaction, so the
// single SQLite writer spends its time on SQL only.
func (ci *CommentInput) render() {
	if ci.rendered {
		return
	}
	ci.rendered = true
	switch {
	case strings.TrimSpace(ci.HTMLBody) != "":
		ci.html = sanitize.HTML(ci.HTMLBody)
		ci.body = sanitize.PlainText(ci.html)
	default:
		ci.body = strings.TrimSpace(strings.ToValidUTF8(ci.Body, "\uFFFD"))
		ci.html = ""
		if strings.TrimSpace(ci.MailHTML) != "" {
			ci.html = strings.TrimSpace(sanitize.HTML(strings.ToValidUTF8(ci.MailHTML, "\uFFFD")))
		}
		if ci.html == "" {
			ci.html = sanitize.TextToHTML(ci.body)
		}
	}
	ci.body = strings.ReplaceAll(ci.body, "\x00", "")
	ci.html = strings.ReplaceAll(ci.html, "\x00", "")
}

// writeAudit stores the audit and its comment, binding uploads to it. The
// conversations of tickets copyFrom (a merge target's sources) are copied
// in as part of the audit, before its own comment, which so stays the
// audit's last.
func (s *Service) writeAudit(ctx context.Context, tx *store.Tx, p *desk.Principal, t *desk.Ticket, c *change, copyFrom []int64, now int64) (*desk.Audit, error) {
	author := p.UserID
	if c.comment != nil && author == 0 {
		author = c.comment.authorID
	}
	audit := &desk.Audit{TicketID: t.ID, AuthorID: author, Via: desk.NewVia(t.Via.Channel), CreatedAt: desk.TimeFromMicros(now),
		Metadata: auditMetadata(ctx)}
	if p.Via != "" {
		audit.Via = desk.NewVia(p.Via)
	}
	evs := c.events
	if c.comment != nil {
		pub := c.comment.public
		evs = append(evs, desk.AuditEvent{Type: "Comment", Body: c.comment.body, HTMLBody: c.comment.html, Public: &pub, AuthorID: c.comment.authorID})
	}
	// Event IDs are not stored: they derive from the audit's ID (and a
	// comment event's from its comment), so the audit is written once.
	b, err := json.Marshal(evs)
	if err != nil {
		return nil, err
	}
	meta, err := json.Marshal(audit.Metadata)
	if err != nil {
		return nil, err
	}
	const insertAudit = `INSERT INTO ticket_audits (ticket_id, author_id, via_channel, metadata, events, created_at) VALUES (?, ?, ?, ?, ?, ?)`
	auditArgs := []any{t.ID, author, audit.Via.Channel, string(meta), string(b), now}
	var id, cid int64
	if c.comment != nil && len(copyFrom) == 0 && tx.Dialect() == store.Postgres {
		// The audit and its comment in one round trip: on PostgreSQL each
		// statement of a change costs one (SQLite has no data-modifying
		// CTEs, and no round trips).
		err = tx.QueryRow(ctx, `WITH a AS (`+insertAudit+` RETURNING id)
			INSERT INTO ticket_comments (ticket_id, audit_id, author_id, body, html_body, public, via_channel, via_source, created_at)
			SELECT ?, a.id, ?, ?, ?, ?, ?, ?, ? FROM a RETURNING audit_id, id`,
			append(auditArgs, t.ID, c.comment.authorID, c.comment.body, c.comment.html, c.comment.public, audit.Via.Channel, c.comment.viaSource, now)...).
			Scan(&id, &cid)
		if err != nil {
			return nil, err
		}
	} else {
		if id, err = tx.InsertID(ctx, insertAudit, auditArgs...); err != nil {
			return nil, err
		}
		if err := copyComments(ctx, tx, t.ID, id, copyFrom); err != nil {
			return nil, err
		}
		if c.comment != nil {
			cid, err = tx.InsertID(ctx, `INSERT INTO ticket_comments (ticket_id, audit_id, author_id, body, html_body, public, via_channel, via_source, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, id, c.comment.authorID, c.comment.body, c.comment.html, c.comment.public, audit.Via.Channel, c.comment.viaSource, now)
			if err != nil {
				return nil, err
			}
		}
	}
	audit.ID = id
	if c.comment != nil {
		if err := bindUploads(ctx, tx, p, t.ID, cid, c.comment.uploads); err != nil {
			return nil, err
		}
	}
	numberEvents(id, cid, evs)
	audit.Events = evs
	return audit, nil
}

// numberEvents gives an audit's events their IDs: the comment's own ID for
// a comment event, else derived from the audit ID and position.
func numberEvents(auditID, commentID int64, evs []desk.AuditEvent) {
	for i := range evs {
		if evs[i].Type == "Comment" && commentID != 0 {
			evs[i].ID = commentID
		} else {
			evs[i].ID = auditID*1000 + int64(i) + 1
		}
	}
}

// bindUploads attaches the caller's own pending uploads to a comment.
func bindUploads(ctx context.Context, tx *store.Tx, p *desk.Principal, ticketID, commentID int64, tokens []string) error {
	for _, tok := range tokens {
		if tok == "" || len(tok) > 128 || strings.ContainsRune(tok, 0) {
			return desk.Invalid("uploads", "unknown or already used upload token")
		}
		res, err := tx.Exec(ctx, `UPDATE attachments SET ticket_id = ?, comment_id = ?, upload_token = NULL
			WHERE upload_token = ? AND comment_id IS NULL AND (uploader_id = ? OR ?)`, ticketID, commentID, tok, p.UserID, p.System)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.Invalid("uploads", "unknown or already used upload token")
		}
	}
	return nil
}

// writeTags brings ticket_tags from old to cur with at most one DELETE and
// one INSERT (a statement per tag was a good part of a create's cost).
func writeTags(ctx context.Context, tx *store.Tx, id int64, old, cur []string) error {
	var gone, added []any
	for _, tg := range old {
		if !slices.Contains(cur, tg) {
			gone = append(gone, tg)
		}
	}
	for _, tg := range cur {
		if !slices.Contains(old, tg) {
			added = append(added, tg)
		}
	}
	if len(gone) > 0 {
		q := `DELETE FROM ticket_tags WHERE ticket_id = ? AND tag IN (?` + strings.Repeat(", ?", len(gone)-1) + `)`
		if _, err := tx.Exec(ctx, q, append([]any{id}, gone...)...); err != nil {
			return err
		}
	}
	if len(added) > 0 && tx.Dialect() == store.SQLite {
		// A row per statement: SQLite gives a statement of several rows a
		// journal of its own, which makes FTS5 flush the batch's pending
		// search documents (see store.Tx.InsertID); single-row statements
		// on the one writer are calls, not round trips.
		for _, tg := range added {
			if _, err := tx.Exec(ctx, `INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`, id, tg); err != nil {
				return err
			}
		}
	} else if len(added) > 0 {
		q := `INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)` + strings.Repeat(", (?, ?)", len(added)-1)
		args := make([]any, 0, 2*len(added))
		for _, tg := range added {
			args = append(args, id, tg)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

func writeCollaborators(ctx context.Context, tx *store.Tx, id int64, old, t *desk.Ticket) error {
	var oldF, oldC []int64
	if old != nil {
		oldF, oldC = old.FollowerIDs, old.EmailCCIDs
		if slices.Equal(oldF, t.FollowerIDs) && slices.Equal(oldC, t.EmailCCIDs) {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ticket_collaborators WHERE ticket_id = ?`, id); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		kind string
		ids  []int64
	}{{"follower", t.FollowerIDs}, {"email_cc", t.EmailCCIDs}} {
		for _, uid := range l.ids {
			if _, err := tx.Exec(ctx, `INSERT INTO ticket_collaborators (ticket_id, user_id, kind) VALUES (?, ?, ?)`, id, uid, l.kind); err != nil {
				return err
			}
		}
	}
	t.CollaboratorIDs = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(t.FollowerIDs), t.EmailCCIDs...))))
	return nil
}

// reindex writes the ticket's full-text document from scratch.
func (s *Service) reindex(ctx context.Context, tx *store.Tx, t *desk.Ticket, bodies string) error {
	doc := textfold.Fold(t.Subject + "\n" + strings.Join(t.Tags, " ") + "\n" + bodies)
	return tx.SetSearchDoc(ctx, "ticket_search", t.ID, doc)
}

// reindexFromComments rebuilds the ticket's document from its subject, tags and
// stored comments (the first 200), so merged-in comments are found too.
func (s *Service) reindexFromComments(ctx context.Context, tx *store.Tx, t *desk.Ticket) error {
	rows, err := tx.Query(ctx, `SELECT body FROM ticket_comments WHERE ticket_id = ? ORDER BY id LIMIT 200`, t.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			rows.Close()
			return err
		}
		b.WriteString(body)
		b.WriteByte('\n')
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return s.reindex(ctx, tx, t, b.String())
}

func viaOf(p *desk.Principal, in Input) string {
	if in.Via != "" {
		return in.Via
	}
	if p.Via != "" {
		return p.Via
	}
	return "api"
}

func renameField(err error, field string) error {
	var de *desk.Error
	if e, ok := err.(*desk.Error); ok {
		de = e
	}
	if de == nil || de.Code != desk.EINVALID {
		return err
	}
	out := &desk.Error{Code: de.Code, Message: de.Message, Details: map[string][]desk.FieldError{}}
	for _, fes := range de.Details {
		out.Details[field] = append(out.Details[field], fes...)
	}
	return out
}

func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n]) + "…"
	}
	return s
}

func rankOf(prio *string) int {
	if prio == nil {
		return -1
	}
	return desk.PriorityRank(*prio)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func idOrNil(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
