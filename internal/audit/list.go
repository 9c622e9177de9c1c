package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Filter selects entries for List and Count; zero fields match everything.
type Filter struct {
	// ActorID, when set, selects one actor's entries (0: the system).
	ActorID *int64
	// Action matches exactly, or every action of a target type when it
	// ends in ".*" ("user.*").
	Action     string
	TargetType string
	TargetID   int64
	IP         string
	// Since and Until bound created_at (inclusive); zero is open.
	Since, Until time.Time
	// Asc lists oldest first; entries come newest first otherwise.
	Asc bool
	// After continues a cursor page after this entry id (in list order).
	After int64
	// Offset skips entries (offset pages); Limit is at most 1000 (0: 100).
	Offset, Limit int
}

// maxLimit caps one page.
const maxLimit = 1000

// Validate reports filter values no store could match as a 422.
func (f Filter) Validate() error {
	var v desk.Validation
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		v.Add("created_at", "the end of the range is before its start")
	}
	if f.Offset < 0 {
		v.Add("offset", "must not be negative")
	}
	if len(f.Action) > maxName || len(f.TargetType) > maxName || len(f.IP) > maxIP {
		v.Add("filter", "is too long")
	}
	return v.Err()
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a any) { conds = append(conds, c); args = append(args, a) }
	if f.ActorID != nil {
		add(`actor_id = ?`, *f.ActorID)
	}
	if t, ok := strings.CutSuffix(f.Action, ".*"); ok {
		add(`target_type = ?`, t)
	} else if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if f.TargetType != "" {
		add(`target_type = ?`, f.TargetType)
	}
	if f.TargetID != 0 {
		add(`target_id = ?`, f.TargetID)
	}
	if f.IP != "" {
		add(`ip = ?`, f.IP)
	}
	if !f.Since.IsZero() {
		add(`created_at >= ?`, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		add(`created_at <= ?`, f.Until.UnixMicro())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

const entryColumns = `id, created_at, actor_id, action, target_type, target_id, ip, user_agent, details, COALESCE(seq, 0), hash,
	COALESCE(p.vals, ''), COALESCE(p.erased_at, 0)`

// entryTables are the tables entryColumns come from: an entry and its
// personal strings (pii.go).
const entryTables = ` FROM audit_log LEFT JOIN audit_pii p ON p.entry_id = audit_log.id`

// List returns one page of entries matching f. It needs manage_security
// (staff) or the system.
func List(ctx context.Context, q store.Querier, f Filter) ([]Entry, error) {
	es, _, err := Page(ctx, q, f)
	return es, err
}

// Page returns one page of entries matching f and whether more follow.
// It needs manage_security (staff) or the system.
func Page(ctx context.Context, q store.Querier, f Filter) ([]Entry, bool, error) {
	if err := requireRead(ctx); err != nil {
		return nil, false, err
	}
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	where, args := f.where()
	order, cmp := ` ORDER BY id DESC`, `id < ?`
	if f.Asc {
		order, cmp = ` ORDER BY id`, `id > ?`
	}
	if f.After != 0 {
		where, args = and(where, cmp), append(args, f.After)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxLimit)
	rows, err := q.Query(ctx, `SELECT `+entryColumns+entryTables+where+order+` LIMIT ? OFFSET ?`, append(args, limit+1, f.Offset)...)
	if err != nil {
		return nil, false, fmt.Errorf("audit: listing: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("audit: listing: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

func and(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

// Count returns how many entries match f (its paging fields aside).
func Count(ctx context.Context, q store.Querier, f Filter) (int, error) {
	if err := requireRead(ctx); err != nil {
		return 0, err
	}
	if err := f.Validate(); err != nil {
		return 0, err
	}
	where, args := f.where()
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit: counting: %w", err)
	}
	return n, nil
}

// Get returns one entry (404 when there is none).
func Get(ctx context.Context, q store.Querier, id int64) (Entry, error) {
	if err := requireRead(ctx); err != nil {
		return Entry{}, err
	}
	e, err := scanEntry(q.QueryRow(ctx, `SELECT `+entryColumns+entryTables+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, desk.NotFound()
	}
	return e, err
}

// Actions lists the distinct actions recorded, sorted (for filter menus).
func Actions(ctx context.Context, q store.Querier) ([]string, error) {
	if err := requireRead(ctx); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT DISTINCT action FROM audit_log ORDER BY action`)
	if err != nil {
		return nil, fmt.Errorf("audit: actions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("audit: actions: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanEntry(s scanner) (Entry, error) {
	var e Entry
	var created int64
	var raw, vals string
	var erasedAt int64
	if err := s.Scan(&e.ID, &created, &e.ActorID, &e.Action, &e.TargetType, &e.TargetID, &e.IP, &e.UserAgent, &raw, &e.Seq, &e.Hash, &vals, &erasedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return e, err
		}
		return e, fmt.Errorf("audit: reading an entry: %w", err)
	}
	e.CreatedAt = desk.TimeFromMicros(created)
	var d details
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return e, fmt.Errorf("audit: entry %d: %w", e.ID, err)
	}
	e.Via, e.Changes, e.Data, e.Credential = d.Via, d.Changes, d.Data, d.Credential
	if vals != "" || erasedAt != 0 {
		restorePersonal(&e, vals, erasedAt)
	}
	return e, nil
}
