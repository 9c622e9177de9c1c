package ticket

import (
	"context"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// DeletedTicket is an entry of the deleted-tickets list in Zendesk's shape
// (GET /api/v2/deleted_tickets): who deleted the ticket, when, and the
// status it had (a soft delete keeps the status, so it is previous_state).
type DeletedTicket struct {
	ID            int64         `json:"id"`
	Subject       string        `json:"subject"`
	Description   string        `json:"description"`
	Actor         *DeletedActor `json:"actor"`
	DeletedAt     desk.Time     `json:"deleted_at"`
	PreviousState desk.Status   `json:"previous_state"`
}

// DeletedActor is the user who deleted a ticket (nil when the system did).
type DeletedActor struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// deletedSorts are the sort_by values of the deleted-tickets list:
// Zendesk's id, subject and deleted_at, and the ticket list's created_at
// and updated_at.
var deletedSorts = map[string]string{
	"": "t.id", "id": "t.id", "subject": "t.subject", "deleted_at": "t.deleted_at",
	"created_at": "t.created_at", "updated_at": "t.updated_at",
}

// MaxDeletedBatch is Zendesk's limit of ids per restore_many/destroy_many.
const MaxDeletedBatch = 100

// DeletedTickets returns one page of the deleted-tickets list (staff; the
// tickets they may see), oldest first by default as in Zendesk, and
// whether more follow. The actor is the author of the ticket's last audit,
// which for a deleted ticket is the deletion: a deleted ticket takes no
// further changes. f.SortBy is one of deletedSorts; the id cursors
// (AfterID, BeforeID) page by id only.
func (s *Service) DeletedTickets(ctx context.Context, f ListFilter) (_ []*DeletedTicket, more bool, err error) {
	defer func() { err = wrapf(err, "ticket: deleted tickets") }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	col, ok := deletedSorts[f.SortBy]
	if !ok {
		return nil, false, desk.Invalid("sort_by", "must be id, subject, deleted_at, created_at or updated_at")
	}
	if (f.AfterID != 0 || f.BeforeID != 0) && col != "t.id" {
		return nil, false, desk.Invalid("sort_by", "cursor pages are sorted by id only")
	}
	f.Deleted = true
	where, args, err := s.where(p, f)
	if err != nil {
		return nil, false, err
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
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	// The page is chosen first; only its entries look up their actor. Its
	// LIMIT stays a parameter (not store.Page): with the limit written in,
	// PostgreSQL's generic plan for this query was slower than the custom
	// ones it replaced (BenchmarkDeletedTickets: 1.07 ms against 0.82 ms).
	q := `SELECT p.id, p.subject, p.description, p.status, p.deleted_at, COALESCE(a.author_id, 0), COALESCE(u.name, '')
		FROM (SELECT t.id, t.subject, t.description, t.status, t.deleted_at, t.created_at, t.updated_at FROM tickets t
			WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?) p
		LEFT JOIN ticket_audits a ON a.id = (SELECT MAX(la.id) FROM ticket_audits la WHERE la.ticket_id = p.id)
		LEFT JOIN users u ON u.id = a.author_id
		ORDER BY ` + strings.ReplaceAll(order, "t.", "p.")
	args = append(args, limit+1, f.Offset)
	out, err := scanDeleted(ctx, s.DB, q, args...)
	if err != nil {
		return nil, false, err
	}
	if more = len(out) > limit; more {
		out = out[:limit]
	}
	if f.BeforeID != 0 { // restore display order
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, more, nil
}

func scanDeleted(ctx context.Context, q store.Querier, query string, args ...any) ([]*DeletedTicket, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*DeletedTicket{}
	for rows.Next() {
		var d DeletedTicket
		var status string
		var deletedAt, actorID int64
		var actorName string
		if err := rows.Scan(&d.ID, &d.Subject, &d.Description, &status, &deletedAt, &actorID, &actorName); err != nil {
			return nil, err
		}
		d.PreviousState, d.DeletedAt = desk.Status(status), desk.TimeFromMicros(deletedAt)
		if actorID != 0 {
			d.Actor = &DeletedActor{ID: actorID, Name: actorName}
		}
		out = append(out, &d)
	}
	return out, rows.Err()
}

// CountDeleted counts the deleted tickets the caller may see.
func (s *Service) CountDeleted(ctx context.Context) (int, error) {
	return s.Count(ctx, ListFilter{Deleted: true})
}

// RestoreMany restores up to MaxDeletedBatch deleted tickets in one
// transaction (PUT /deleted_tickets/restore_many): all of them, or, when
// one cannot be restored (not in the deleted list, not visible, not
// allowed), none, with that ticket's error.
func (s *Service) RestoreMany(ctx context.Context, ids []int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return desk.Invalid("ids", "is empty")
	}
	if len(ids) > MaxDeletedBatch {
		return desk.Invalid("ids", fmt.Sprintf("at most %d tickets per request", MaxDeletedBatch))
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, id := range uniqueIDs(ids) {
			if err := s.restoreTx(ctx, tx, p, id); err != nil {
				return wrapf(err, "ticket %d", id)
			}
		}
		return nil
	})
	if err != nil {
		return wrapf(err, "ticket: restore %s", joinIDs(ids))
	}
	return nil
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}
