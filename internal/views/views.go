// Package views keeps Zendesk's views: saved ticket filters in the rules
// engine's condition language, with output columns, grouping and sort.
// Shared views (optionally restricted to groups) are managed by whoever
// holds manage_business_rules; any agent keeps personal views. Running a
// view returns only tickets the caller may see: the engine's SQL is always
// joined with the ticket service's visibility rule, counts included.
package views

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Service implements views. It is safe for concurrent use.
type Service struct {
	DB      *store.DB
	Tickets *ticket.Service
	// Rules is the rules engine: it validates view conditions and compiles
	// them into SQL over the tickets table.
	Rules *rules.Registry

	counts countCache
}

// New returns a Service whose count cache is dropped on every ticket change
// bus reports.
func New(db *store.DB, tickets *ticket.Service, r *rules.Registry, bus *events.Bus) *Service {
	s := &Service{DB: db, Tickets: tickets, Rules: r}
	if bus != nil {
		bus.Subscribe(func(e events.Event) {
			switch e.Type {
			case events.TicketCreated, events.TicketUpdated, events.TicketDeleted, events.TicketRestored:
				s.counts.clear()
			}
		})
	}
	return s
}

// Column is one column, the grouping or the sort of a view's execution.
type Column struct {
	ID    any    `json:"id"`
	Title string `json:"title"`
	Order string `json:"order,omitempty"`
}

// Execution is how a view shows its tickets (Zendesk's view.execution).
type Execution struct {
	GroupBy      *string  `json:"group_by"`
	GroupOrder   string   `json:"group_order"`
	SortBy       string   `json:"sort_by"`
	SortOrder    string   `json:"sort_order"`
	Group        *Column  `json:"group"`
	Sort         *Column  `json:"sort"`
	Columns      []Column `json:"columns"`
	Fields       []Column `json:"fields"`
	CustomFields []Column `json:"custom_fields"`
}

// View is one view in Zendesk's shape.
type View struct {
	ID          int64            `json:"id"`
	URL         string           `json:"url,omitempty"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Active      bool             `json:"active"`
	Position    int              `json:"position"`
	Default     bool             `json:"default"`
	Restriction *Restriction     `json:"restriction"`
	Conditions  rules.Conditions `json:"conditions"`
	Execution   Execution        `json:"execution"`
	CreatedAt   desk.Time        `json:"created_at"`
	UpdatedAt   desk.Time        `json:"updated_at"`

	stored StoredRestriction
	output Output
}

// Personal reports whether v belongs to one user.
func (v *View) Personal() bool { return v.stored.Type == RestrictUser }

// Output is the stored execution: what a view's create or update names.
type Output struct {
	Columns    []string `json:"columns"`
	GroupBy    string   `json:"group_by,omitempty"`
	GroupOrder string   `json:"group_order,omitempty"`
	SortBy     string   `json:"sort_by,omitempty"`
	SortOrder  string   `json:"sort_order,omitempty"`
}

// OutputInput is Zendesk's "output" (columns may be names or custom field
// ids).
type OutputInput struct {
	Columns    []any   `json:"columns"`
	GroupBy    *string `json:"group_by"`
	GroupOrder *string `json:"group_order"`
	SortBy     *string `json:"sort_by"`
	SortOrder  *string `json:"sort_order"`
}

// Input creates or changes a view; absent properties stay. Conditions come
// as top-level all/any (Zendesk's create and update) or as conditions.
type Input struct {
	Title       *string         `json:"title"`
	Description *string         `json:"description"`
	Active      *bool           `json:"active"`
	Position    *int            `json:"position"`
	Restriction json.RawMessage `json:"restriction"`
	All         json.RawMessage `json:"all"`
	Any         json.RawMessage `json:"any"`
	Conditions  json.RawMessage `json:"conditions"`
	Output      *OutputInput    `json:"output"`
	Execution   *OutputInput    `json:"execution"`
}

// columns are the view columns Frontdesk shows, with Zendesk's titles;
// custom fields are columns by their numeric id.
var columns = map[string]string{
	"nice_id": "ID", "subject": "Subject", "requester": "Requester", "assignee": "Assignee",
	"group": "Group", "organization": "Organization", "status": "Status", "priority": "Priority",
	"type": "Type", "created": "Requested", "updated": "Updated", "due_date": "Due date",
	sla.NextBreachColumn: "Next SLA breach",
}

// ColumnOrder lists the known columns in a stable order (for pickers).
var ColumnOrder = []string{"nice_id", "subject", "requester", "assignee", "group", "organization", "status", "priority", "type", "created", "updated", "due_date", sla.NextBreachColumn}

// SortOrder lists what a view may sort by, for pickers.
var SortOrder = []string{"updated", "created", "nice_id", "status", "priority", "due_date", "solved", "subject", sla.NextBreachColumn}

// GroupOrder lists what a view may group by, for pickers.
func GroupOrder() []string { return slices.Clone(groupColumns) }

// Columns returns the column names of v's output (names, or custom field
// ids as text).
func (v *View) Columns() []string { return slices.Clone(v.output.Columns) }

// OutputOf returns v's stored output.
func (v *View) OutputOf() Output { return v.output }

// Row is one ticket of a view's execution in Zendesk's row shape: the
// chosen columns' values under their keys (requester_id, assignee_id,
// group_id, organization_id, created, updated, due_date, custom field ids)
// and ticket_id.
func Row(t *desk.Ticket, cols []string) map[string]any {
	row := map[string]any{"ticket_id": t.ID}
	for _, c := range cols {
		switch c {
		case "nice_id":
			row["nice_id"] = t.ID
		case "subject":
			row["subject"] = t.Subject
		case "requester":
			row["requester_id"] = t.RequesterID
		case "assignee":
			row["assignee_id"] = t.AssigneeID
		case "group":
			row["group_id"] = t.GroupID
		case "organization":
			row["organization_id"] = t.OrganizationID
		case "status":
			row["status"] = t.Status
		case "priority":
			row["priority"] = t.Priority
		case "type":
			row["type"] = t.Type
		case "created":
			row["created"] = t.CreatedAt
		case "updated":
			row["updated"] = t.UpdatedAt
		case "due_date":
			if t.DueAt.IsZero() {
				row["due_date"] = nil
			} else {
				row["due_date"] = t.DueAt
			}
		case sla.NextBreachColumn:
			row[c] = nil // the caller fills it in from the SLA service

		default:
			id, err := strconv.ParseInt(c, 10, 64)
			if err != nil {
				continue
			}
			var val any
			for _, f := range t.CustomFields {
				if f.ID == id {
					val = f.Value
				}
			}
			row[c] = val
		}
	}
	return row
}

// sortColumns are the SQL of the columns a view sorts and groups by.
// Nullable ids sort as 0 and an absent type as the empty text, so both stores order
// the same way.
var sortColumns = map[string]string{
	"nice_id": "t.id", "id": "t.id", "created": "t.created_at", "created_at": "t.created_at",
	"updated": "t.updated_at", "updated_at": "t.updated_at", "status": "t.status_rank",
	"priority": "t.priority_rank", "solved": "t.solved_at", "due_date": "t.due_at", "subject": "t.subject",
	"type": "COALESCE(t.type, '')", "assignee": "COALESCE(t.assignee_id, 0)", "group": "COALESCE(t.group_id, 0)",
	"organization": "COALESCE(t.organization_id, 0)", "requester": "t.requester_id",
	sla.NextBreachColumn: sla.NextBreachSortSQL,
}

// groupColumns are the properties a view may group by.
var groupColumns = []string{"status", "priority", "type", "assignee", "group", "organization", "requester"}

// defaultOutput is the execution of a view that names none.
func defaultOutput() Output {
	return Output{Columns: []string{"subject", "requester", "updated", "assignee"}, SortBy: "updated", SortOrder: "desc"}
}

// Limits on one view.
const (
	maxTitle   = 255
	maxColumns = 20
	// maxCount bounds a view count; more is reported as this.
	maxCount = 100000
)

const viewColumns = `id, title, description, active, position, restriction_type, restriction_ids, conditions, execution, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanView(row scanner) (*View, error) {
	var v View
	var rtype, rids, conds, exec string
	var created, updated int64
	if err := row.Scan(&v.ID, &v.Title, &v.Description, &v.Active, &v.Position, &rtype, &rids, &conds, &exec, &created, &updated); err != nil {
		return nil, err
	}
	v.stored = DecodeRestriction(rtype, rids)
	v.Restriction = v.stored.API()
	v.Conditions, _ = rules.DecodeConditions([]byte(conds))
	if json.Unmarshal([]byte(exec), &v.output) != nil || len(v.output.Columns) == 0 {
		v.output = defaultOutput()
	}
	v.Execution = v.output.execution()
	v.CreatedAt, v.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &v, nil
}

// execution turns a stored output into Zendesk's execution object.
func (o Output) execution() Execution {
	e := Execution{SortBy: o.SortBy, SortOrder: o.SortOrder, GroupOrder: o.GroupOrder,
		Columns: []Column{}, Fields: []Column{}, CustomFields: []Column{}}
	if o.GroupBy != "" {
		g := o.GroupBy
		e.GroupBy = &g
		e.Group = &Column{ID: g, Title: columns[g], Order: o.GroupOrder}
	}
	if o.SortBy != "" {
		e.Sort = &Column{ID: o.SortBy, Title: columns[o.SortBy], Order: o.SortOrder}
	}
	for _, c := range o.Columns {
		if id, err := strconv.ParseInt(c, 10, 64); err == nil {
			col := Column{ID: id, Title: c}
			e.Columns = append(e.Columns, col)
			e.CustomFields = append(e.CustomFields, col)
			continue
		}
		col := Column{ID: c, Title: columns[c]}
		e.Columns = append(e.Columns, col)
		e.Fields = append(e.Fields, col)
	}
	return e
}

// Filter narrows a view list.
type Filter struct {
	Active *bool
	// Access is personal, shared (group-restricted) or account (for
	// everyone); "" lists all.
	Access string
	// Usable keeps only the views the caller may run (for the workspace
	// sidebar); managers otherwise also list every shared view.
	Usable bool
	IDs    []int64
}

// caller returns the principal, who must be staff, and their groups.
func (s *Service) caller(ctx context.Context) (*desk.Principal, []int64, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !p.IsStaff() {
		return nil, nil, desk.Forbidden("Only agents use views")
	}
	groups, err := GroupsOf(ctx, s.DB, p.UserID)
	if err != nil {
		return nil, nil, err
	}
	return p, groups, nil
}

// visible reports whether p sees v at all: usable views, and every shared
// one for a manager. Another agent's personal view is never visible.
func visible(p *desk.Principal, groups []int64, v *View) bool {
	if p.System {
		return true
	}
	if v.stored.Usable(p, groups) {
		return true
	}
	return v.stored.Type != RestrictUser && p.Can().ManageBusinessRules
}

// List returns the views the caller sees, in position order.
func (s *Service) List(ctx context.Context, f Filter) (_ []*View, err error) {
	defer func() { err = wrapf(err, "views: list") }()
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if len(f.IDs) > 100 {
		return nil, desk.Invalid("ids", "takes at most 100 ids")
	}
	switch f.Access {
	case "", "personal", "shared", "account":
	default:
		return nil, desk.Invalid("access", "must be personal, shared or account")
	}
	where, args := []string{"1=1"}, []any{}
	if f.Active != nil {
		where, args = append(where, "active = ?"), append(args, *f.Active)
	}
	if len(f.IDs) > 0 {
		where = append(where, "id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.IDs)), ",")+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	rows, err := s.DB.Query(ctx, `SELECT `+viewColumns+` FROM views WHERE `+strings.Join(where, " AND ")+` ORDER BY position, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*View{}
	for rows.Next() {
		v, err := scanView(rows)
		if err != nil {
			return nil, err
		}
		if f.Usable && !v.stored.Usable(p, groups) || !visible(p, groups, v) {
			continue
		}
		switch {
		case f.Access == "personal" && v.stored.Type != RestrictUser,
			f.Access == "shared" && v.stored.Type != RestrictGroup,
			f.Access == "account" && v.stored.Type != RestrictNone:
			continue
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Get returns one view the caller sees.
func (s *Service) Get(ctx context.Context, id int64) (_ *View, err error) {
	defer func() { err = wrapf(err, "views: get %d", id) }()
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

func (s *Service) load(ctx context.Context, q store.Querier, id int64) (*View, error) {
	v, err := scanView(q.QueryRow(ctx, `SELECT `+viewColumns+` FROM views WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	return v, err
}

// Create adds a view. Staff without manage_business_rules make personal
// views only.
func (s *Service) Create(ctx context.Context, in Input) (_ *View, err error) {
	defer func() { err = wrapf(err, "views: create") }()
	p, _, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.Can().TicketAccess == "" && !p.System {
		return nil, desk.Forbidden("You cannot see tickets")
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		v := &View{Active: true, output: defaultOutput()}
		if in.Title == nil {
			in.Title = new(string)
		}
		if in.Position == nil {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM views`).Scan(&n); err != nil {
				return err
			}
			pos := n + 1
			in.Position = &pos
		}
		if in.Restriction == nil {
			in.Restriction = json.RawMessage("null")
		}
		if in.Conditions == nil && in.All == nil && in.Any == nil {
			in.All = json.RawMessage("[]") // validated: a view needs a condition
		}
		if err := s.applyInput(ctx, tx, p, v, in); err != nil {
			return err
		}
		exec, _ := json.Marshal(v.output)
		now := store.Now()
		id, err = tx.InsertID(ctx, `INSERT INTO views (title, description, active, position, restriction_type, restriction_ids, conditions, execution, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.Title, v.Description, v.Active, v.Position, v.stored.Type, v.stored.IDsJSON(), conds(v), string(exec), now, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Update changes a view the caller may manage.
func (s *Service) Update(ctx context.Context, id int64, in Input) (_ *View, err error) {
	defer func() { err = wrapf(err, "views: update %d", id) }()
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		v, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := manageable(p, groups, v); err != nil {
			return err
		}
		if err := s.applyInput(ctx, tx, p, v, in); err != nil {
			return err
		}
		exec, _ := json.Marshal(v.output)
		_, err = tx.Exec(ctx, `UPDATE views SET title = ?, description = ?, active = ?, position = ?, restriction_type = ?, restriction_ids = ?, conditions = ?, execution = ?, updated_at = ? WHERE id = ?`,
			v.Title, v.Description, v.Active, v.Position, v.stored.Type, v.stored.IDsJSON(), conds(v), string(exec), store.Now(), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// manageable says not found for views p does not see, forbidden for those
// p sees but may not change.
func manageable(p *desk.Principal, groups []int64, v *View) error {
	if !visible(p, groups, v) {
		return desk.NotFound()
	}
	if !v.stored.Manageable(p) {
		return desk.Forbidden("You may not change this view")
	}
	return nil
}

// Delete removes a view the caller may manage.
func (s *Service) Delete(ctx context.Context, id int64) (err error) {
	defer func() { err = wrapf(err, "views: delete %d", id) }()
	p, groups, err := s.caller(ctx)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		v, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := manageable(p, groups, v); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM views WHERE id = ?`, id)
		return err
	})
}

// Placement is one entry of update_many: a new position and/or active flag.
type Placement struct {
	ID       int64 `json:"id"`
	Position *int  `json:"position"`
	Active   *bool `json:"active"`
}

// UpdateMany reorders and toggles views at once (Zendesk's
// PUT /views/update_many); all or nothing.
func (s *Service) UpdateMany(ctx context.Context, items []Placement) (_ []*View, err error) {
	defer func() { err = wrapf(err, "views: update many") }()
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := UpdatePlacements(ctx, s.DB, "views", items, func(tx *store.Tx, it Placement) error {
		v, err := s.load(ctx, tx, it.ID)
		if err != nil {
			return err
		}
		if err := manageable(p, groups, v); err != nil {
			return err
		}
		it.Apply(&v.Position, &v.Active)
		_, err = tx.Exec(ctx, `UPDATE views SET position = ?, active = ?, updated_at = ? WHERE id = ?`, v.Position, v.Active, store.Now(), v.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.List(ctx, Filter{IDs: ids})
}

// applyInput validates in and writes it into v.
func (s *Service) applyInput(ctx context.Context, q store.Querier, p *desk.Principal, v *View, in Input) error {
	var val desk.Validation
	ApplyBasics(ctx, q, p, Record{Title: &v.Title, Description: &v.Description, Active: &v.Active, Position: &v.Position, Stored: &v.stored},
		Basics{Title: in.Title, Description: in.Description, Active: in.Active, Position: in.Position, Restriction: in.Restriction}, &val)
	if c, ok, err := mergeConditions(v.Conditions, in); err != nil {
		val.Add("conditions", err.Error())
	} else if ok {
		if s.Rules == nil {
			return errors.New("views: no rules engine")
		}
		if err := s.Rules.Validate(rules.WithDB(ctx, q), rules.KindView, c, nil); err != nil {
			return err
		}
		v.Conditions = c
	}
	out := in.Output
	if out == nil {
		out = in.Execution
	}
	if out != nil {
		if err := s.applyOutput(ctx, q, &v.output, out, &val); err != nil {
			return err
		}
	}
	return val.Err()
}

// mergeConditions combines a request's all/any (or conditions) with the
// stored ones; ok is false when the request names none.
func mergeConditions(cur rules.Conditions, in Input) (rules.Conditions, bool, error) {
	if in.Conditions == nil && in.All == nil && in.Any == nil {
		return cur, false, nil
	}
	c := cur
	if in.Conditions != nil {
		var err error
		if c, err = rules.DecodeConditions(in.Conditions); err != nil {
			return c, false, errors.New("must be an object with all and any lists of conditions")
		}
	}
	for _, part := range []struct {
		raw json.RawMessage
		dst *[]rules.Condition
	}{{in.All, &c.All}, {in.Any, &c.Any}} {
		if part.raw == nil {
			continue
		}
		wrapped := append(append([]byte(`{"all":`), part.raw...), '}')
		d, err := rules.DecodeConditions(wrapped)
		if err != nil {
			return c, false, errors.New("all and any must be lists of conditions")
		}
		*part.dst = d.All
	}
	return c, true, nil
}

// conds is the stored JSON of v's conditions.
func conds(v *View) string {
	b, _ := json.Marshal(v.Conditions)
	return string(b)
}

// applyOutput validates an output and writes it into o.
func (s *Service) applyOutput(ctx context.Context, q store.Querier, o *Output, in *OutputInput, val *desk.Validation) error {
	if in.Columns != nil {
		if len(in.Columns) == 0 || len(in.Columns) > maxColumns {
			val.Add("output", fmt.Sprintf("needs 1 to %d columns", maxColumns))
		}
		var cols []string
		for _, c := range in.Columns {
			name, err := s.columnName(ctx, q, c)
			if err != nil {
				return err
			}
			if name == "" {
				val.Add("output", fmt.Sprintf("column %v is unknown", c))
				continue
			}
			if !slices.Contains(cols, name) {
				cols = append(cols, name)
			}
		}
		o.Columns = cols
	}
	order := func(field string, p *string, dst *string) {
		if p == nil {
			return
		}
		switch strings.ToLower(*p) {
		case "asc", "desc":
			*dst = strings.ToLower(*p)
		case "":
			*dst = ""
		default:
			val.Add(field, "must be asc or desc")
		}
	}
	if in.GroupBy != nil {
		g := *in.GroupBy
		if g != "" && !slices.Contains(groupColumns, g) {
			val.Add("group_by", "cannot group by "+g)
		}
		o.GroupBy = g
	}
	if in.SortBy != nil {
		if _, ok := sortColumns[*in.SortBy]; !ok && *in.SortBy != "" {
			val.Add("sort_by", "cannot sort by "+*in.SortBy)
		}
		o.SortBy = *in.SortBy
	}
	order("group_order", in.GroupOrder, &o.GroupOrder)
	order("sort_order", in.SortOrder, &o.SortOrder)
	return nil
}

// columnName resolves a column given by name or custom field id ("" when
// unknown).
func (s *Service) columnName(ctx context.Context, q store.Querier, c any) (string, error) {
	var id int64
	switch x := c.(type) {
	case string:
		if _, ok := columns[x]; ok {
			return x, nil
		}
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return "", nil
		}
		id = n
	case float64:
		id = int64(x)
	default:
		return "", nil
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_fields WHERE id = ?`, id).Scan(&n); err != nil {
		return "", err
	}
	if n == 0 {
		return "", nil
	}
	return strconv.FormatInt(id, 10), nil
}

// wrapf adds context to errors other than desk errors (see ticket.wrapf).
func wrapf(err error, format string, args ...any) error {
	if _, ok := err.(*desk.Error); ok || err == nil {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
