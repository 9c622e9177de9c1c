package views

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Page asks for one page of a view's tickets. SortBy and SortOrder, when
// set, override the view's own sort (Zendesk's execute parameters).
type Page struct {
	Offset, Limit int
	SortBy        string
	SortOrder     string
}

// Result is one page of a view's tickets.
type Result struct {
	View    *View
	Tickets []*desk.Ticket
	More    bool
	// Count is the number of matching tickets the caller may see, bounded
	// by maxCount.
	Count int
}

// Execute runs view id for the caller: the tickets its conditions match
// among those the caller may see, in its order.
func (s *Service) Execute(ctx context.Context, id int64, pg Page) (_ *Result, err error) {
	defer func() { err = wrapf(err, "views: execute %d", id) }()
	v, err := s.usable(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, v, pg)
}

// Preview runs a view that is not stored (Zendesk's POST /views/preview).
func (s *Service) Preview(ctx context.Context, in Input, pg Page) (_ *Result, err error) {
	defer func() { err = wrapf(err, "views: preview") }()
	v, err := s.draft(ctx, in)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, v, pg)
}

// PreviewCount counts what Preview would list.
func (s *Service) PreviewCount(ctx context.Context, in Input) (_ int, err error) {
	defer func() { err = wrapf(err, "views: preview count") }()
	v, err := s.draft(ctx, in)
	if err != nil {
		return 0, err
	}
	p, _ := desk.RequirePrincipal(ctx)
	where, args, err := s.where(p, v)
	if err != nil {
		return 0, err
	}
	return s.count(ctx, where, args)
}

// draft validates in as a new view without storing it.
func (s *Service) draft(ctx context.Context, in Input) (*View, error) {
	p, _, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &View{Active: true, output: defaultOutput()}
	in.Restriction, in.Title, in.Position = nil, nil, nil
	if in.Conditions == nil && in.All == nil && in.Any == nil {
		in.All = json.RawMessage("[]") // validated: a view needs a condition
	}
	if err := s.applyInput(ctx, s.DB, p, v, in); err != nil {
		return nil, err
	}
	v.Execution = v.output.execution()
	return v, nil
}

// usable loads a view the caller may run: one they see (a manager may
// also run any shared view, as Zendesk's admins preview them).
func (s *Service) usable(ctx context.Context, id int64) (*View, error) {
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.load(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, groups, v) {
		return nil, desk.NotFound()
	}
	return v, nil
}

// where is the SQL condition of v's tickets for p: the engine's
// conditions, and always the visibility rule and "not deleted".
func (s *Service) where(p *desk.Principal, v *View) (string, []any, error) {
	if s.Rules == nil {
		return "", nil, fmt.Errorf("views: no rules engine")
	}
	b := &rules.SQL{Dialect: s.DB.Dialect, Now: time.Now(), CurrentUserID: p.UserID}
	cond, err := s.Rules.Compile(b, v.Conditions)
	if err != nil {
		return "", nil, desk.Invalid("conditions", err.Error())
	}
	cargs := b.Args()
	vis, args := ticket.Visibility(p)
	if strings.TrimSpace(cond) == "" {
		cond = "1=1"
	}
	return vis + " AND t.deleted_at = 0 AND (" + cond + ")", append(args, cargs...), nil
}

func (s *Service) run(ctx context.Context, v *View, pg Page) (*Result, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	where, args, err := s.where(p, v)
	if err != nil {
		return nil, err
	}
	order, err := orderOf(v.output, pg)
	if err != nil {
		return nil, err
	}
	if pg.Limit <= 0 || pg.Limit > 100 {
		pg.Limit = 100
	}
	if pg.Offset < 0 {
		pg.Offset = 0
	}
	page, pageArgs := store.Page(pg.Limit+1, pg.Offset)
	rows, err := s.DB.Query(ctx, `SELECT t.id FROM tickets t WHERE `+where+` ORDER BY `+order+page,
		append(append([]any{}, args...), pageArgs...)...)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	res := &Result{View: v}
	if len(ids) > pg.Limit {
		res.More, ids = true, ids[:pg.Limit]
	}
	if res.Tickets, err = s.Tickets.ListByIDs(ctx, ids); err != nil {
		return nil, err
	}
	if res.Count, err = s.count(ctx, where, args); err != nil {
		return nil, err
	}
	return res, nil
}

// orderOf is the ORDER BY of a view's output, with a page's override.
func orderOf(o Output, pg Page) (string, error) {
	sortBy, sortOrder := o.SortBy, o.SortOrder
	if pg.SortBy != "" {
		sortBy = pg.SortBy
	}
	if pg.SortOrder != "" {
		sortOrder = strings.ToLower(pg.SortOrder)
	}
	if sortBy == "" {
		sortBy = "updated"
	}
	col, ok := sortColumns[sortBy]
	if !ok {
		return "", desk.Invalid("sort_by", "cannot sort by "+sortBy)
	}
	dir := " DESC"
	switch sortOrder {
	case "asc":
		dir = " ASC"
	case "", "desc":
	default:
		return "", desk.Invalid("sort_order", "must be asc or desc")
	}
	var parts []string
	if o.GroupBy != "" {
		gdir := " ASC"
		if o.GroupOrder == "desc" {
			gdir = " DESC"
		}
		parts = append(parts, sortColumns[o.GroupBy]+gdir)
	}
	parts = append(parts, col+dir)
	if col != "t.id" {
		parts = append(parts, "t.id"+dir)
	}
	return strings.Join(parts, ", "), nil
}

// Count counts view id's tickets the caller may see (bounded by maxCount).
func (s *Service) Count(ctx context.Context, id int64) (_ int, err error) {
	defer func() { err = wrapf(err, "views: count %d", id) }()
	v, err := s.usable(ctx, id)
	if err != nil {
		return 0, err
	}
	p, _ := desk.RequirePrincipal(ctx)
	where, args, err := s.where(p, v)
	if err != nil {
		return 0, err
	}
	return s.count(ctx, where, args)
}

// ViewCount is one entry of count_many.
type ViewCount struct {
	ViewID int64 `json:"view_id"`
	Value  int   `json:"value"`
	// Pretty is Zendesk's display form ("~100000" when bounded).
	Pretty string `json:"pretty"`
	Fresh  bool   `json:"fresh"`
}

// CountMany counts several views; ids the caller may not run are left
// out (Zendesk answers for the views it finds).
func (s *Service) CountMany(ctx context.Context, ids []int64) (_ []ViewCount, err error) {
	defer func() { err = wrapf(err, "views: count many") }()
	if len(ids) > 100 {
		return nil, &desk.Error{Code: desk.EINVALID, Message: "Too many values", Details: map[string][]desk.FieldError{"ids": {{Description: "takes at most 100 ids", Error: "TooManyValues"}}}}
	}
	out := []ViewCount{}
	for _, id := range ids {
		n, err := s.Count(ctx, id)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Counted(id, n))
	}
	return out, nil
}

// Counted builds a ViewCount.
func Counted(id int64, n int) ViewCount {
	c := ViewCount{ViewID: id, Value: n, Pretty: fmt.Sprint(n), Fresh: true}
	if n >= maxCount {
		c.Pretty = fmt.Sprintf("~%d", maxCount)
	}
	return c
}

// count counts the tickets matching where, at most maxCount of them,
// through a short-lived cache that every ticket change drops.
func (s *Service) count(ctx context.Context, where string, args []any) (int, error) {
	key := fmt.Sprint(where, args)
	if n, ok := s.counts.get(key); ok {
		return n, nil
	}
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM tickets t WHERE `+where+` LIMIT ?) c`, append(append([]any{}, args...), maxCount)...).Scan(&n)
	if err != nil {
		return 0, err
	}
	s.counts.put(key, n)
	return n, nil
}

// countCache keeps view counts for countTTL, so a sidebar of views shown
// on every workspace page costs one scan per view now and then.
type countCache struct {
	mu sync.Mutex
	m  map[string]countEntry
}

type countEntry struct {
	n   int
	exp time.Time
}

const countTTL = 30 * time.Second

func (c *countCache) get(key string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || time.Now().After(e.exp) {
		return 0, false
	}
	return e.n, true
}

func (c *countCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

func (c *countCache) put(key string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 5000 {
		c.m = map[string]countEntry{}
	}
	c.m[key] = countEntry{n: n, exp: time.Now().Add(countTTL)}
}
