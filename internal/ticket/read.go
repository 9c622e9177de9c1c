package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Get returns a ticket p may see; any other ID is "not found", so probing
// IDs tells nothing about other customers' tickets.
func (s *Service) Get(ctx context.Context, id int64) (*desk.Ticket, error) {
	return s.GetIn(ctx, s.DB, id)
}

// GetIn is Get reading through q: a caller holding a connection (inside
// its transaction) passes it, and waits for no second one.
func (s *Service) GetIn(ctx context.Context, q store.Querier, id int64) (*desk.Ticket, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	t, err := loadVisibleTx(ctx, q, p, id, false)
	if err != nil {
		return nil, wrapf(err, "ticket: get %d", id)
	}
	return t, nil
}

// ListFilter selects and orders tickets for lists.
type ListFilter struct {
	RequesterID    int64
	AssigneeID     int64
	OrganizationID int64
	GroupID        int64
	CollaboratorID int64
	IDs            []int64
	// ExternalID keeps the tickets with exactly this external_id (Zendesk's
	// List Tickets ?external_id=; several tickets may share one).
	ExternalID string
	// ExternalIDs keeps the tickets whose external_id is any of these
	// (show_many?external_ids=); see GetManyByExternalIDs.
	ExternalIDs []string
	Deleted     bool // the deleted-tickets list instead of live tickets
	// UpdatedSince/AfterUpdated drive the incremental export (micros).
	UpdatedSince int64
	// SortBy is id, created_at, updated_at, status or priority.
	SortBy string
	Desc   bool
	Limit  int
	Offset int
	// AfterID/BeforeID are keyset cursors (ordering by id only).
	AfterID  int64
	BeforeID int64

	// OrganizationIDs keeps the tickets of any of these organizations
	// (the portal's "my organizations' requests"); an empty, non-nil
	// list keeps none.
	OrganizationIDs []int64
}

var sortColumns = map[string]string{
	"": "t.id", "id": "t.id", "created_at": "t.created_at", "updated_at": "t.updated_at",
	"status": "t.status_rank", "priority": "t.priority_rank", "nice_id": "t.id",
}

func (s *Service) where(p *desk.Principal, f ListFilter) (string, []any, error) {
	cond, args := visibility(p)
	conds := []string{cond}
	if f.Deleted {
		if !p.IsStaff() {
			return "", nil, desk.Forbidden("only agents see deleted tickets")
		}
		conds = append(conds, "t.deleted_at > 0")
	} else {
		conds = append(conds, "t.deleted_at = 0")
	}
	add := func(c string, v any) {
		conds = append(conds, c)
		args = append(args, v)
	}
	if f.RequesterID != 0 {
		add("t.requester_id = ?", f.RequesterID)
	}
	if f.AssigneeID != 0 {
		add("t.assignee_id = ?", f.AssigneeID)
	}
	if f.OrganizationID != 0 {
		add("t.organization_id = ?", f.OrganizationID)
	}
	if f.OrganizationIDs != nil {
		if len(f.OrganizationIDs) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			conds = append(conds, "t.organization_id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.OrganizationIDs)), ",")+")")
			for _, id := range f.OrganizationIDs {
				args = append(args, id)
			}
		}
	}
	if f.GroupID != 0 {
		add("t.group_id = ?", f.GroupID)
	}
	if f.CollaboratorID != 0 {
		add("t.id IN (SELECT ticket_id FROM ticket_collaborators WHERE user_id = ?)", f.CollaboratorID)
	}
	if f.UpdatedSince != 0 {
		add("t.updated_at >= ?", f.UpdatedSince)
	}
	if f.ExternalID != "" {
		// No stored external id is longer, holds NUL or is not UTF-8
		// (PostgreSQL cannot even compare such text): say so, not 500.
		if !validExternalID(f.ExternalID) {
			return "", nil, desk.Invalid("external_id", "is not a valid external id")
		}
		add("t.external_id = ?", f.ExternalID)
	}
	if len(f.ExternalIDs) > 0 {
		ph := strings.Repeat("?,", len(f.ExternalIDs))
		conds = append(conds, "t.external_id IN ("+ph[:len(ph)-1]+")")
		for _, e := range f.ExternalIDs {
			args = append(args, e)
		}
	}
	if f.AfterID != 0 {
		if f.Desc {
			add("t.id < ?", f.AfterID)
		} else {
			add("t.id > ?", f.AfterID)
		}
	}
	if f.BeforeID != 0 {
		if f.Desc {
			add("t.id > ?", f.BeforeID)
		} else {
			add("t.id < ?", f.BeforeID)
		}
	}
	if len(f.IDs) > 0 {
		ph := strings.Repeat("?,", len(f.IDs))
		conds = append(conds, "t.id IN ("+ph[:len(ph)-1]+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	return strings.Join(conds, " AND "), args, nil
}

// List returns one page of tickets p may see, and whether more follow.
func (s *Service) List(ctx context.Context, f ListFilter) (_ []*desk.Ticket, _ bool, err error) {
	defer func() { err = wrapf(err, "ticket: list") }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	where, args, err := s.where(p, f)
	if err != nil {
		return nil, false, err
	}
	col, ok := sortColumns[f.SortBy]
	if !ok {
		return nil, false, desk.Invalid("sort_by", "is not a sortable field")
	}
	dir := " ASC"
	if f.Desc != (f.BeforeID != 0) { // a "before" cursor walks backwards
		dir = " DESC"
	}
	order := col + dir
	if col != "t.id" {
		order += ", t.id" + dir
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	page, pageArgs := store.Page(limit+1, f.Offset)
	q := `SELECT ` + ticketColumns + ` FROM tickets t WHERE ` + where + ` ORDER BY ` + order + page
	args = append(args, pageArgs...)
	ts, err := queryTickets(ctx, s.DB, q, args...)
	if err != nil {
		return nil, false, err
	}
	more := len(ts) > limit
	if more {
		ts = ts[:limit]
	}
	if f.BeforeID != 0 { // restore display order
		for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
			ts[i], ts[j] = ts[j], ts[i]
		}
	}
	return ts, more, loadRelations(ctx, s.DB, ts)
}

// Count counts the tickets List would return without paging.
func (s *Service) Count(ctx context.Context, f ListFilter) (_ int, err error) {
	defer func() { err = wrapf(err, "ticket: count") }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	f.AfterID, f.BeforeID = 0, 0
	where, args, err := s.where(p, f)
	if err != nil {
		return 0, err
	}
	key := fmt.Sprint(where, args)
	if n, ok := s.counts.get(key); ok {
		return n, nil
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM tickets t WHERE `+where, args...).Scan(&n); err != nil {
		return 0, err
	}
	s.counts.put(key, n)
	return n, nil
}

// countCache remembers large counts for a few seconds. Counting a million
// tickets scans them all; paging clients ask for the count on every page,
// and Zendesk's own counts are likewise refreshed only now and then. Counts
// under largeCount are always exact.
type countCache struct {
	mu sync.Mutex
	m  map[string]countEntry
}

type countEntry struct {
	n   int
	exp time.Time
}

const countTTL = 10 * time.Second

// largeCount is the smallest count worth caching (a var for tests).
var largeCount = 10000

func (c *countCache) get(key string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || time.Now().After(e.exp) {
		return 0, false
	}
	return e.n, true
}

// clear drops every cached count (a ticket changed somewhere).
func (c *countCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

func (c *countCache) put(key string, n int) {
	if n < largeCount {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 1000 {
		c.m = map[string]countEntry{}
	}
	c.m[key] = countEntry{n: n, exp: time.Now().Add(countTTL)}
}

// GetMany returns the visible tickets among ids (show_many).
func (s *Service) GetMany(ctx context.Context, ids []int64) ([]*desk.Ticket, error) {
	if len(ids) == 0 {
		return []*desk.Ticket{}, nil
	}
	ts, _, err := s.List(ctx, ListFilter{IDs: ids, Limit: len(ids)})
	return ts, err
}

// ListByIDsTx loads tickets by id for other services (search) that have
// already applied visibility in SQL; order follows ids.
func (s *Service) ListByIDs(ctx context.Context, ids []int64) (_ []*desk.Ticket, err error) {
	defer func() { err = wrapf(err, "ticket: list by ids") }()
	if len(ids) == 0 {
		return []*desk.Ticket{}, nil
	}
	ph := strings.Repeat("?,", len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	ts, err := queryTickets(ctx, s.DB, `SELECT `+ticketColumns+` FROM tickets t WHERE t.id IN (`+ph[:len(ph)-1]+`)`, args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*desk.Ticket, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
	}
	out := make([]*desk.Ticket, 0, len(ts))
	for _, id := range ids {
		if t := byID[id]; t != nil {
			out = append(out, t)
		}
	}
	return out, loadRelations(ctx, s.DB, out)
}

func queryTickets(ctx context.Context, q store.Querier, query string, args ...any) ([]*desk.Ticket, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.Ticket{}
	var r ticketRow
	for rows.Next() {
		t, err := r.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Comments lists a ticket's comments; end-users never see internal notes.
func (s *Service) Comments(ctx context.Context, ticketID int64, afterID int64, limit int, desc bool) (_ []*desk.Comment, _ bool, err error) {
	defer func() { err = wrapf(err, "ticket: comments of %d", ticketID) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	t, err := s.Get(ctx, ticketID)
	if err != nil {
		return nil, false, err
	}
	q := `SELECT c.id, c.author_id, c.body, c.html_body, c.public, c.audit_id, c.via_channel, c.via_source, c.created_at, COALESCE(a.metadata, '')
		FROM ticket_comments c LEFT JOIN ticket_audits a ON a.id = c.audit_id WHERE c.ticket_id = ?`
	args := []any{t.ID}
	if !p.IsStaff() {
		q += ` AND c.public = ?`
		args = append(args, true)
	}
	if afterID != 0 {
		if desc {
			q += ` AND c.id < ?`
		} else {
			q += ` AND c.id > ?`
		}
		args = append(args, afterID)
	}
	if desc {
		q += ` ORDER BY c.id DESC`
	} else {
		// Arrival order: cursors page by id, and merged-in comments keep
		// their original created_at while arriving later.
		q += ` ORDER BY c.id`
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q += ` LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out := []*desk.Comment{}
	byID := map[int64]*desk.Comment{}
	for rows.Next() {
		c := &desk.Comment{Type: "Comment", TicketID: t.ID, Attachments: []desk.Attachment{}}
		var via, source, meta string
		var created int64
		if err := rows.Scan(&c.ID, &c.AuthorID, &c.Body, &c.HTMLBody, &c.Public, &c.AuditID, &via, &source, &created, &meta); err != nil {
			return nil, false, err
		}
		c.Metadata = metadataFor(p, decodeMetadata(meta))
		c.PlainBody = c.Body
		c.Via = desk.NewVia(via)
		if source != "" {
			_ = json.Unmarshal([]byte(source), &c.Via.Source)
		}
		c.CreatedAt = desk.TimeFromMicros(created)
		out = append(out, c)
		byID[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	if err := s.fillAttachments(ctx, t.ID, byID); err != nil {
		return nil, false, err
	}
	return out, more, nil
}

func (s *Service) fillAttachments(ctx context.Context, ticketID int64, byID map[int64]*desk.Comment) error {
	if len(byID) == 0 {
		return nil
	}
	rows, err := s.DB.Query(ctx, `SELECT id, comment_id, file_name, content_type, size, inline FROM attachments WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a desk.Attachment
		var cid sql.NullInt64
		if err := rows.Scan(&a.ID, &cid, &a.FileName, &a.ContentType, &a.Size, &a.Inline); err != nil {
			return err
		}
		if c := byID[cid.Int64]; c != nil {
			c.Attachments = append(c.Attachments, a)
		}
	}
	return rows.Err()
}

// Audits lists a ticket's audits (staff only, as in Zendesk).
func (s *Service) Audits(ctx context.Context, ticketID int64, afterID int64, limit int) (_ []*desk.Audit, _ bool, err error) {
	defer func() { err = wrapf(err, "ticket: audits of %d", ticketID) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	t, err := s.Get(ctx, ticketID)
	if err != nil {
		return nil, false, err
	}
	if !p.IsStaff() {
		return nil, false, desk.Forbidden("only agents can see ticket audits")
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out, err := scanAudits(ctx, s.DB, `SELECT `+auditCols+` FROM ticket_audits a
		WHERE a.ticket_id = ? AND a.id > ? ORDER BY a.id LIMIT ?`, t.ID, afterID, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	// Comment events take their comment's ID (numberAuditEvents).
	return out, more, numberAuditEvents(ctx, s.DB, out)
}

// TagCount is one row of the tags list.
type TagCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Tags lists the tags of the tickets p may see, by use (staff only).
func (s *Service) Tags(ctx context.Context, limit int) (_ []TagCount, err error) {
	defer func() { err = wrapf(err, "ticket: tags") }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("only agents can list tags")
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	// Only tickets p may see count: a tag that exists only on a private
	// group's tickets must not show to an agent outside it.
	vis, args := visibility(p)
	rows, err := s.DB.Query(ctx, `SELECT tt.tag, COUNT(*) FROM ticket_tags tt JOIN tickets t ON t.id = tt.ticket_id
		WHERE t.deleted_at = 0 AND `+vis+` GROUP BY tt.tag ORDER BY COUNT(*) DESC, tt.tag LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TagCount{}
	for rows.Next() {
		var tc TagCount
		if err := rows.Scan(&tc.Name, &tc.Count); err != nil {
			return nil, err
		}
		out = append(out, tc)
	}
	return out, rows.Err()
}

// TicketTags returns a visible ticket's tags.
func (s *Service) TicketTags(ctx context.Context, id int64) ([]string, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return t.Tags, nil
}

// Incidents lists the visible incidents linked to a problem ticket.
func (s *Service) Incidents(ctx context.Context, problemID int64) (_ []*desk.Ticket, err error) {
	defer func() { err = wrapf(err, "ticket: incidents of %d", problemID) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	vis, args := visibility(p)
	args = append(args, problemID)
	ts, err := queryTickets(ctx, s.DB, `SELECT `+ticketColumns+` FROM tickets t WHERE `+vis+` AND t.deleted_at = 0 AND t.problem_id = ? ORDER BY t.id LIMIT 1000`, args...)
	if err != nil {
		return nil, err
	}
	return ts, loadRelations(ctx, s.DB, ts)
}
