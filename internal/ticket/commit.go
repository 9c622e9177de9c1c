package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// Hook runs inside the transaction of every ticket change, after the change
// and its audit are written and before anything is published. A hook
// enqueues durable work (notifications, webhooks, SLA timers) through tx; it
// must not send anything itself, and must touch the database only through tx
// (on SQLite a transaction may be run a second time when a batch is
// retried). Returning an error rolls the whole change back: no row, no
// audit, no event.
type Hook func(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error

type namedHook struct {
	name string
	fn   Hook
}

// AddHook registers h under name (used in errors). Register hooks while
// wiring the server, before serving; they run in registration order.
func (s *Service) AddHook(name string, h Hook) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.hooks = append(s.hooks, namedHook{name, h})
}

func (s *Service) hookList() []namedHook {
	s.hooksMu.RLock()
	defer s.hooksMu.RUnlock()
	return s.hooks
}

// mutation is one ticket change on its way through commit: what the caller
// decided, before anything is written.
type mutation struct {
	kind  desk.ChangeKind
	actor *desk.Principal
	// before is the stored ticket (nil on create); after is the ticket to
	// store (nil on permanent delete). commit fills in after's id, version
	// and update time.
	before, after *desk.Ticket
	change        // field events and the comment, as recorded by the appliers
	// copyFrom lists tickets whose conversations are copied into this one
	// (merge target), as part of this change's audit.
	copyFrom []int64
	// searchWritten: the row's write wrote the search document too (a
	// create on PostgreSQL), so writeSearch has nothing left to do.
	searchWritten bool
}

// commit is the one path every ticket mutation takes. In the caller's
// transaction it
//
//  1. writes the ticket row, bumping the version with an optimistic check
//     (insert on create; deletes the rows on permanent delete), and the
//     comments an update made private,
//  2. writes exactly one audit with its events and the comment, if any,
//  3. updates (or deletes) the search document,
//  4. runs the registered hooks with the typed change, and
//  5. publishes one event carrying that change, delivered after commit.
//
// The one exception is a permanent delete: its rows, audits included, are
// gone, so it writes no audit (AuditID is 0); it still runs the hooks and
// publishes one event of kind permanent_delete with Before set.
func (s *Service) commit(ctx context.Context, tx *store.Tx, m *mutation) (*desk.Audit, error) {
	now := store.Now()
	later, err := s.runRules(ctx, tx, m)
	if err != nil {
		return nil, err
	}
	// After the triggers, which may have set the group.
	if err := s.autoAssign(ctx, tx, m); err != nil {
		return nil, err
	}
	if err := s.writeRow(ctx, tx, m, now); err != nil {
		return nil, err
	}
	var audit *desk.Audit
	t := m.after
	if m.kind != desk.ChangePermanentDelete {
		if audit, err = s.writeAudit(ctx, tx, m.actor, t, &m.change, m.copyFrom, now); err != nil {
			return nil, err
		}
	} else if err := auditPermanentDeleteTx(ctx, tx, m.before); err != nil {
		return nil, err
	}
	if err := s.writeSearch(ctx, tx, m); err != nil {
		return nil, err
	}
	ch := &desk.TicketChange{Kind: m.kind, Before: m.before, ActorID: m.actor.UserID, Via: viaChannel(m.actor, t)}
	if t != nil {
		// A copy: the caller goes on to use (and adapters to decorate) t.
		ch.TicketID, ch.After = t.ID, cloneTicket(t)
	} else {
		ch.TicketID = m.before.ID
	}
	if audit != nil {
		ch.AuditID, ch.ActorID, ch.Via = audit.ID, audit.AuthorID, audit.Via.Channel
		ch.Events = make([]desk.AuditEvent, 0, len(audit.Events))
		for _, e := range audit.Events {
			if e.Type == "Comment" {
				ch.Comment = &desk.Comment{ID: e.ID, Type: "Comment", TicketID: t.ID, AuthorID: e.AuthorID, Body: e.Body, HTMLBody: e.HTMLBody,
					PlainBody: e.Body, Public: *e.Public, Attachments: []desk.Attachment{}, AuditID: audit.ID, Via: audit.Via,
					Metadata: audit.Metadata, CreatedAt: audit.CreatedAt}
			} else {
				ch.Events = append(ch.Events, e)
			}
		}
	}
	for _, h := range later {
		if err := h(ctx, tx, ch); err != nil {
			return nil, fmt.Errorf("ticket rules: %w", err)
		}
	}
	for _, h := range s.hookList() {
		if err := h.fn(ctx, tx, ch); err != nil {
			return nil, fmt.Errorf("ticket hook %s: %w", h.name, err)
		}
	}
	ev := events.Event{Type: eventType(m.kind), TicketID: ch.TicketID, ActorID: ch.ActorID, Change: ch}
	if t != nil {
		ev.GroupID = deref(t.GroupID)
	} else {
		ev.GroupID = deref(m.before.GroupID)
	}
	if err := s.Events.PublishTx(ctx, tx, ev); err != nil {
		return nil, err
	}
	return audit, nil
}

// eventType is the bus event for each kind of change. Merges are updates
// of both tickets; a permanent delete is a deletion (Change.Kind tells the
// two deletions apart).
func eventType(k desk.ChangeKind) string {
	switch k {
	case desk.ChangeCreate:
		return events.TicketCreated
	case desk.ChangeSoftDelete, desk.ChangePermanentDelete:
		return events.TicketDeleted
	case desk.ChangeRestore:
		return events.TicketRestored
	default:
		return events.TicketUpdated
	}
}

func viaChannel(p *desk.Principal, t *desk.Ticket) string {
	if p.Via != "" {
		return p.Via
	}
	if t != nil {
		return t.Via.Channel
	}
	return ""
}

// writeRow stores the ticket row (and its tags and collaborators) for m.
func (s *Service) writeRow(ctx context.Context, tx *store.Tx, m *mutation, now int64) error {
	switch m.kind {
	case desk.ChangeCreate:
		var err error
		m.searchWritten, err = insertTicket(ctx, tx, m.after, now, newTicketDoc(m))
		return err
	case desk.ChangePermanentDelete:
		return deleteTicketRows(ctx, tx, m.before.ID)
	case desk.ChangeSoftDelete, desk.ChangeRestore:
		t := m.after
		t.Version, t.UpdatedAt = m.before.Version+1, desk.TimeFromMicros(now)
		if m.kind == desk.ChangeSoftDelete {
			t.DeletedAt = desk.TimeFromMicros(now)
		} else {
			t.DeletedAt = desk.Time{}
		}
		res, err := tx.Exec(ctx, `UPDATE tickets SET deleted_at = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
			t.DeletedAt.Micros(), t.Version, now, t.ID, m.before.Version)
		if err != nil {
			return err
		}
		return oneRow(res)
	default:
		if err := updateTicket(ctx, tx, m.before, m.after, now); err != nil {
			return err
		}
		for _, cid := range m.privateComments {
			if _, err := tx.Exec(ctx, `UPDATE ticket_comments SET public = ? WHERE id = ? AND ticket_id = ?`, false, cid, m.after.ID); err != nil {
				return err
			}
		}
		if err := writeRedactions(ctx, tx, m.after, &m.change); err != nil {
			return err
		}
		return auditRedactionsTx(ctx, tx, m.after, &m.change)
	}
}

func oneRow(res interface{ RowsAffected() (int64, error) }) error {
	if n, _ := res.RowsAffected(); n != 1 {
		return &desk.Error{Code: desk.ECONFLICT, Message: "the ticket changed while it was being updated; try again"}
	}
	return nil
}

// newTicketDoc is a new ticket's search document: its only text is its
// description.
func newTicketDoc(m *mutation) string {
	body := ""
	if m.comment != nil {
		body = m.comment.body
	}
	return textfold.Fold(m.after.Subject + "\n" + strings.Join(m.after.Tags, " ") + "\n" + body)
}

// insertTicket writes a new ticket's row, tags and collaborators. On
// PostgreSQL the row, its tags and its search document doc are one
// statement (each statement of a create is a round trip there), and it
// reports searchWritten; SQLite writes the document in writeSearch.
func insertTicket(ctx context.Context, tx *store.Tx, t *desk.Ticket, now int64, doc string) (searchWritten bool, err error) {
	t.CreatedAt, t.UpdatedAt = desk.TimeFromMicros(now), desk.TimeFromMicros(now)
	solved := solvedAt(nil, t.Status, now)
	t.SolvedAt = desk.NullTimeFromMicros(solved)
	viaSource, _ := json.Marshal(t.Via.Source)
	const insert = `INSERT INTO tickets (external_id, type, subject, description, priority, status, status_rank, priority_rank,
		recipient, requester_id, submitter_id, assignee_id, organization_id, group_id, problem_id, due_at, via_channel, via_source,
		is_public, tags, custom_fields, ticket_form_id, version, created_at, updated_at, solved_at, status_updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`
	args := []any{t.ExternalID, t.Type, t.Subject, t.Description, t.Priority, t.Status, t.Status.Rank(), rankOf(t.Priority),
		t.Recipient, t.RequesterID, t.SubmitterID, t.AssigneeID, t.OrganizationID, t.GroupID, t.ProblemID, t.DueAt.Micros(),
		t.Via.Channel, string(viaSource), t.IsPublic, strings.Join(t.Tags, " "), encodeCustomFields(t.CustomFields),
		t.TicketFormID, now, now, solved, now}
	var id int64
	if tx.Dialect() == store.Postgres {
		// One round trip for the row, its tags and its search document.
		tags := t.Tags
		if tags == nil {
			tags = []string{}
		}
		err = tx.QueryRow(ctx, `WITH t AS (`+insert+` RETURNING id),
			g AS (INSERT INTO ticket_tags (ticket_id, tag) SELECT t.id, x FROM t, unnest(CAST(? AS TEXT[])) AS x),
			s AS (INSERT INTO ticket_search (id, doc) SELECT t.id, ? FROM t)
			SELECT id FROM t`, append(args, tags, doc)...).Scan(&id)
		searchWritten = true
	} else {
		id, err = tx.InsertID(ctx, insert, args...)
		if err == nil {
			err = writeTags(ctx, tx, id, nil, t.Tags)
		}
	}
	if err != nil {
		return false, err
	}
	t.ID, t.Version = id, 1
	return searchWritten, writeCollaborators(ctx, tx, id, nil, t)
}

func updateTicket(ctx context.Context, tx *store.Tx, old, t *desk.Ticket, now int64) error {
	t.UpdatedAt = desk.TimeFromMicros(now)
	t.Version = old.Version + 1
	solved := solvedAt(old, t.Status, now)
	if solved > 0 {
		t.SolvedAt = desk.TimeFromMicros(solved)
	}
	args := []any{t.ExternalID, t.Type, t.Subject, t.Priority, t.Status, t.Status.Rank(), rankOf(t.Priority), t.Recipient}
	// The columns that reference other rows are written only when one of
	// them changes. SQLite gives an UPDATE that sets a foreign key a
	// statement journal of its own (the key's check may abort it), and in
	// a group commit that made FTS5 flush the search documents of the
	// batch so far: one index segment per update (see store.Tx.InsertID).
	refs := ""
	if linksChanged(old, t) {
		refs = "requester_id = ?, submitter_id = ?, assignee_id = ?, organization_id = ?, group_id = ?, problem_id = ?, "
		args = append(args, t.RequesterID, t.SubmitterID, t.AssigneeID, t.OrganizationID, t.GroupID, t.ProblemID)
	}
	args = append(args, t.DueAt.Micros(), strings.Join(t.Tags, " "), encodeCustomFields(t.CustomFields), t.TicketFormID,
		t.Version, now, solved, solved, t.Status, now, t.ID, old.Version)
	res, err := tx.Exec(ctx, `UPDATE tickets SET external_id = ?, type = ?, subject = ?, priority = ?, status = ?, status_rank = ?, priority_rank = ?,
		recipient = ?, `+refs+`due_at = ?,
		tags = ?, custom_fields = ?, ticket_form_id = ?, version = ?, updated_at = ?, solved_at = CASE WHEN CAST(? AS BIGINT) > 0 THEN CAST(? AS BIGINT) ELSE solved_at END,
		status_updated_at = CASE WHEN status <> ? THEN CAST(? AS BIGINT) ELSE status_updated_at END
		WHERE id = ? AND version = ?`, args...)
	if err != nil {
		return err
	}
	if err := oneRow(res); err != nil {
		return err
	}
	if err := writeTags(ctx, tx, t.ID, old.Tags, t.Tags); err != nil {
		return err
	}
	return writeCollaborators(ctx, tx, t.ID, old, t)
}

// linksChanged reports whether t references another requester, submitter,
// assignee, organization, group or problem than old.
func linksChanged(old, t *desk.Ticket) bool {
	return t.RequesterID != old.RequesterID || t.SubmitterID != old.SubmitterID ||
		!sameID(t.AssigneeID, old.AssigneeID) || !sameID(t.OrganizationID, old.OrganizationID) ||
		!sameID(t.GroupID, old.GroupID) || !sameID(t.ProblemID, old.ProblemID)
}

func sameID(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// solvedAt is the solved_at stamp to write: now when the ticket reaches
// solved (or closed, which a merge does directly) from an unsolved status,
// else 0 (keep the stored one).
func solvedAt(old *desk.Ticket, status desk.Status, now int64) int64 {
	done := func(s desk.Status) bool { return s == desk.StatusSolved || s == desk.StatusClosed }
	if done(status) && (old == nil || !done(old.Status)) {
		return now
	}
	return 0
}

// deleteTicketRows removes a ticket and everything stored with it.
func deleteTicketRows(ctx context.Context, tx *store.Tx, id int64) error {
	// Incidents pointing here were unlinked, each through commit, by
	// Destroy (unlinkIncidents).
	for _, stmt := range []string{
		`DELETE FROM attachments WHERE ticket_id = ?`,
		`DELETE FROM ticket_comments WHERE ticket_id = ?`,
		`DELETE FROM ticket_audits WHERE ticket_id = ?`,
		`DELETE FROM ticket_tags WHERE ticket_id = ?`,
		`DELETE FROM ticket_collaborators WHERE ticket_id = ?`,
		`DELETE FROM ticket_share_links WHERE ticket_id = ?`,
		`DELETE FROM tickets WHERE id = ?`,
	} {
		if _, err := tx.Exec(ctx, stmt, id); err != nil {
			return err
		}
	}
	return nil
}

// writeSearch keeps the ticket's search document in step with m.
func (s *Service) writeSearch(ctx context.Context, tx *store.Tx, m *mutation) error {
	t := m.after
	switch m.kind {
	case desk.ChangeSoftDelete, desk.ChangePermanentDelete:
		return tx.DeleteSearchDoc(ctx, "ticket_search", m.before.ID)
	case desk.ChangeCreate:
		if m.searchWritten {
			return nil
		}
		return tx.InsertSearchDoc(ctx, "ticket_search", t.ID, newTicketDoc(m))
	case desk.ChangeRestore:
		return s.reindexFromComments(ctx, tx, t)
	}
	if len(m.copyFrom) > 0 || m.comment != nil || len(m.redactions) > 0 || t.Subject != m.before.Subject || !slices.Equal(t.Tags, m.before.Tags) {
		return s.reindexFromComments(ctx, tx, t)
	}
	return nil
}

// copyComments copies the conversations of tickets from into ticket id,
// keeping authors, visibility and times, as part of audit auditID.
func copyComments(ctx context.Context, tx *store.Tx, id, auditID int64, from []int64) error {
	for _, src := range from {
		if _, err := tx.Exec(ctx, `INSERT INTO ticket_comments (ticket_id, audit_id, author_id, body, html_body, public, via_channel, via_source, created_at)
			SELECT ?, ?, author_id, body, html_body, public, via_channel, via_source, created_at FROM ticket_comments WHERE ticket_id = ? ORDER BY id`, id, auditID, src); err != nil {
			return err
		}
	}
	return nil
}

// cloneTicket copies t deeply enough that appliers may change the copy
// while the original stays the change's Before.
func cloneTicket(t *desk.Ticket) *desk.Ticket {
	c := *t
	c.Tags = slices.Clone(t.Tags)
	c.FollowerIDs = slices.Clone(t.FollowerIDs)
	c.EmailCCIDs = slices.Clone(t.EmailCCIDs)
	c.CollaboratorIDs = slices.Clone(t.CollaboratorIDs)
	c.CustomFields = slices.Clone(t.CustomFields)
	c.Fields = c.CustomFields
	return &c
}
