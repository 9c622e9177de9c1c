// Package macros keeps Zendesk's macros: a named set of rule actions plus an
// optional comment (public or internal, with placeholders) that an agent
// applies to a ticket from the ticket page, in bulk or through the API.
// Macros are personal, shared with groups or shared with everyone; whoever
// holds manage_business_rules manages the shared ones. Applying a macro
// goes through the ticket service's one commit path as one audit that names
// the macro.
package macros

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/views"
)

// Action is one macro action (the rules engine's {"field", "value"}).
type Action = rules.Action

// The comment actions, which this package applies itself (Zendesk spells a
// macro's comment as actions).
const (
	ActionComment       = "comment_value"
	ActionCommentHTML   = "comment_value_html"
	ActionCommentPublic = "comment_mode_is_public"
)

// Service implements macros. It is safe for concurrent use.
type Service struct {
	DB      *store.DB
	Tickets *ticket.Service
	// Rules is the rules engine: it validates and applies the actions other
	// than the comment ones, and renders placeholders.
	Rules *rules.Registry
	// BaseURL is the site's public address for {{ticket.url}} ("" none).
	BaseURL string
}

// Macro is one macro in Zendesk's shape. Usage counts are filled when
// asked for (include=usage_1h,usage_24h,usage_7d,usage_30d).
type Macro struct {
	ID          int64              `json:"id"`
	URL         string             `json:"url,omitempty"`
	Title       string             `json:"title"`
	RawTitle    string             `json:"raw_title"`
	Description string             `json:"description"`
	Active      bool               `json:"active"`
	Position    int                `json:"position"`
	Default     bool               `json:"default"`
	Restriction *views.Restriction `json:"restriction"`
	Actions     []Action           `json:"actions"`
	CreatedAt   desk.Time          `json:"created_at"`
	UpdatedAt   desk.Time          `json:"updated_at"`
	Usage1h     *int               `json:"usage_1h,omitempty"`
	Usage24h    *int               `json:"usage_24h,omitempty"`
	Usage7d     *int               `json:"usage_7d,omitempty"`
	Usage30d    *int               `json:"usage_30d,omitempty"`
	// UsageTotal counts every application ever (Frontdesk's own).
	UsageTotal int64 `json:"usage_total"`

	stored views.StoredRestriction
}

// Personal reports whether m belongs to one user.
func (m *Macro) Personal() bool { return m.stored.Type == views.RestrictUser }

// Category is the part of the title before the last "::" ("" for none),
// Zendesk's macro categories.
func (m *Macro) Category() string {
	if i := strings.LastIndex(m.Title, "::"); i >= 0 {
		return strings.TrimSpace(m.Title[:i])
	}
	return ""
}

// Input creates or changes a macro; absent properties stay.
type Input struct {
	Title       *string         `json:"title"`
	Description *string         `json:"description"`
	Active      *bool           `json:"active"`
	Position    *int            `json:"position"`
	Restriction json.RawMessage `json:"restriction"`
	Actions     json.RawMessage `json:"actions"`
}

const macroColumns = `id, title, description, active, position, restriction_type, restriction_ids, actions, usage_total, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanMacro(row scanner) (*Macro, error) {
	var m Macro
	var rtype, rids, acts string
	var created, updated int64
	if err := row.Scan(&m.ID, &m.Title, &m.Description, &m.Active, &m.Position, &rtype, &rids, &acts, &m.UsageTotal, &created, &updated); err != nil {
		return nil, err
	}
	m.RawTitle = m.Title
	m.stored = views.DecodeRestriction(rtype, rids)
	m.Restriction = m.stored.API()
	_ = json.Unmarshal([]byte(acts), &m.Actions)
	if m.Actions == nil {
		m.Actions = []Action{}
	}
	m.CreatedAt, m.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &m, nil
}

// Filter narrows a macro list.
type Filter struct {
	Active *bool
	// Access is personal, shared (group-restricted) or account; "" all.
	Access string
	// Category keeps macros whose category is this one.
	Category string
	// Query keeps macros whose title contains it (case-insensitive).
	Query string
	// Usable keeps only the macros the caller may apply.
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
		return nil, nil, desk.Forbidden("Only agents use macros")
	}
	groups, err := views.GroupsOf(ctx, s.DB, p.UserID)
	if err != nil {
		return nil, nil, err
	}
	return p, groups, nil
}

// visible reports whether p sees m: usable ones, and every shared one for
// a manager; another agent's personal macro never.
func visible(p *desk.Principal, groups []int64, m *Macro) bool {
	if p.System || m.stored.Usable(p, groups) {
		return true
	}
	return m.stored.Type != views.RestrictUser && p.Can().ManageBusinessRules
}

// List returns the macros the caller sees, in position order.
func (s *Service) List(ctx context.Context, f Filter) (_ []*Macro, err error) {
	defer func() { err = wrapf(err, "macros: list") }()
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	switch f.Access {
	case "", "personal", "shared", "account":
	default:
		return nil, desk.Invalid("access", "must be personal, shared or account")
	}
	if len(f.IDs) > 100 {
		return nil, desk.Invalid("ids", "takes at most 100 ids")
	}
	if utf8.RuneCountInString(f.Query) > 255 || !utf8.ValidString(f.Query) {
		return nil, desk.Invalid("query", "is not valid")
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
	rows, err := s.DB.Query(ctx, `SELECT `+macroColumns+` FROM macros WHERE `+strings.Join(where, " AND ")+` ORDER BY position, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	q := strings.ToLower(f.Query)
	out := []*Macro{}
	for rows.Next() {
		m, err := scanMacro(rows)
		if err != nil {
			return nil, err
		}
		if f.Usable && !m.stored.Usable(p, groups) || !visible(p, groups, m) {
			continue
		}
		switch {
		case f.Access == "personal" && m.stored.Type != views.RestrictUser,
			f.Access == "shared" && m.stored.Type != views.RestrictGroup,
			f.Access == "account" && m.stored.Type != views.RestrictNone,
			f.Category != "" && m.Category() != f.Category,
			q != "" && !strings.Contains(strings.ToLower(m.Title), q):
			continue
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Categories lists the categories of the macros the caller sees.
func (s *Service) Categories(ctx context.Context) ([]string, error) {
	ms, err := s.List(ctx, Filter{})
	if err != nil {
		return nil, err
	}
	out := []string{}
	seen := map[string]bool{}
	for _, m := range ms {
		if c := m.Category(); c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// Get returns one macro the caller sees.
func (s *Service) Get(ctx context.Context, id int64) (_ *Macro, err error) {
	defer func() { err = wrapf(err, "macros: get %d", id) }()
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	m, err := load(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, groups, m) {
		return nil, desk.NotFound()
	}
	return m, nil
}

func load(ctx context.Context, q store.Querier, id int64) (*Macro, error) {
	m, err := scanMacro(q.QueryRow(ctx, `SELECT `+macroColumns+` FROM macros WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	return m, err
}

// Create adds a macro. Staff without manage_business_rules make personal
// macros only.
func (s *Service) Create(ctx context.Context, in Input) (_ *Macro, err error) {
	defer func() { err = wrapf(err, "macros: create") }()
	p, _, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		m := &Macro{Active: true, Actions: []Action{}}
		if in.Title == nil {
			in.Title = new(string)
		}
		if in.Actions == nil {
			in.Actions = json.RawMessage("[]")
		}
		if in.Position == nil {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM macros`).Scan(&n); err != nil {
				return err
			}
			pos := n + 1
			in.Position = &pos
		}
		if in.Restriction == nil {
			in.Restriction = json.RawMessage("null")
		}
		if err := s.applyInput(ctx, tx, p, m, in); err != nil {
			return err
		}
		acts, _ := json.Marshal(m.Actions)
		now := store.Now()
		id, err = tx.InsertID(ctx, `INSERT INTO macros (title, description, active, position, restriction_type, restriction_ids, actions, usage_total, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`, m.Title, m.Description, m.Active, m.Position, m.stored.Type, m.stored.IDsJSON(), string(acts), now, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// manageable says not found for macros p does not see, forbidden for
// those p sees but may not change.
func manageable(p *desk.Principal, groups []int64, m *Macro) error {
	if !visible(p, groups, m) {
		return desk.NotFound()
	}
	if !m.stored.Manageable(p) {
		return desk.Forbidden("You may not change this macro")
	}
	return nil
}

// Update changes a macro the caller may manage.
func (s *Service) Update(ctx context.Context, id int64, in Input) (_ *Macro, err error) {
	defer func() { err = wrapf(err, "macros: update %d", id) }()
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		m, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := manageable(p, groups, m); err != nil {
			return err
		}
		if err := s.applyInput(ctx, tx, p, m, in); err != nil {
			return err
		}
		acts, _ := json.Marshal(m.Actions)
		_, err = tx.Exec(ctx, `UPDATE macros SET title = ?, description = ?, active = ?, position = ?, restriction_type = ?, restriction_ids = ?, actions = ?, updated_at = ? WHERE id = ?`,
			m.Title, m.Description, m.Active, m.Position, m.stored.Type, m.stored.IDsJSON(), string(acts), store.Now(), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Delete removes a macro the caller may manage, with its usage.
func (s *Service) Delete(ctx context.Context, id int64) (err error) {
	defer func() { err = wrapf(err, "macros: delete %d", id) }()
	p, groups, err := s.caller(ctx)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		m, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := manageable(p, groups, m); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM macro_usage WHERE macro_id = ?`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM macros WHERE id = ?`, id)
		return err
	})
}

// Placement is one entry of update_many: a new position and/or active flag.
type Placement = views.Placement

// UpdateMany reorders and toggles macros at once (PUT /macros/update_many);
// all or nothing.
func (s *Service) UpdateMany(ctx context.Context, items []Placement) (_ []*Macro, err error) {
	defer func() { err = wrapf(err, "macros: update many") }()
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := views.UpdatePlacements(ctx, s.DB, "macros", items, func(tx *store.Tx, it Placement) error {
		m, err := load(ctx, tx, it.ID)
		if err != nil {
			return err
		}
		if err := manageable(p, groups, m); err != nil {
			return err
		}
		it.Apply(&m.Position, &m.Active)
		_, err = tx.Exec(ctx, `UPDATE macros SET position = ?, active = ?, updated_at = ? WHERE id = ?`, m.Position, m.Active, store.Now(), m.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.List(ctx, Filter{IDs: ids})
}

// applyInput validates in and writes it into m.
func (s *Service) applyInput(ctx context.Context, q store.Querier, p *desk.Principal, m *Macro, in Input) error {
	var val desk.Validation
	views.ApplyBasics(ctx, q, p, views.Record{Title: &m.Title, Description: &m.Description, Active: &m.Active, Position: &m.Position, Stored: &m.stored},
		views.Basics{Title: in.Title, Description: in.Description, Active: in.Active, Position: in.Position, Restriction: in.Restriction}, &val)
	if in.Actions != nil {
		acts, err := rules.DecodeActions(in.Actions)
		if err != nil {
			val.Add("actions", "must be a list of actions with field and value")
		} else if len(acts) == 0 {
			val.Add("actions", "a macro needs at least one action")
		} else if err := s.validateActions(rules.WithDB(ctx, q), acts, &val); err != nil {
			return err
		}
		m.Actions = acts
		if m.Actions == nil {
			m.Actions = []Action{}
		}
	}
	return val.Err()
}

// maxActions bounds one macro.
const maxActions = 100

// validateActions checks the comment actions here and hands the others to
// the engine.
func (s *Service) validateActions(ctx context.Context, acts []Action, val *desk.Validation) error {
	if len(acts) > maxActions {
		val.Add("actions", fmt.Sprintf("takes at most %d actions", maxActions))
		return nil
	}
	comment, rest := split(acts)
	for _, a := range comment {
		switch a.Field {
		case ActionComment, ActionCommentHTML:
			text, ok := commentText(a.Value)
			if !ok || len(text) > 65536 || !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
				val.Add("actions", a.Field+" needs a text")
			}
		case ActionCommentPublic:
			if _, ok := boolValue(a.Value); !ok {
				val.Add("actions", a.Field+" must be true or false")
			}
		}
	}
	if len(rest) > 0 {
		return s.Rules.ValidateActions(ctx, val, "actions", rules.KindMacro, rest)
	}
	return nil
}

// split separates the comment actions from the engine's.
func split(acts []Action) (comment, rest []Action) {
	for _, a := range acts {
		switch a.Field {
		case ActionComment, ActionCommentHTML, ActionCommentPublic:
			comment = append(comment, a)
		default:
			rest = append(rest, a)
		}
	}
	return comment, rest
}

// commentText reads a comment action's value: a text, or Zendesk's
// ["channel:all", text] pair.
func commentText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []any:
		if len(x) == 2 {
			if s, ok := x[1].(string); ok {
				return s, true
			}
		}
	}
	return "", false
}

// boolValue reads true/false given as a boolean or a string.
func boolValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// wrapf adds context to errors other than desk errors.
func wrapf(err error, format string, args ...any) error {
	if _, ok := err.(*desk.Error); ok || err == nil {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
