package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Service stores triggers and automations and runs them: triggers as the
// ticket service's rule stage on every create and update, automations from
// the hourly job. Every call needs manage_business_rules, except running.
type Service struct {
	DB      *store.DB
	Tickets *ticket.Service
	Rules   *Registry
	Logger  *slog.Logger
	// Now is the clock (time.Now when nil); tests set it.
	Now func() time.Time

	// triggers holds the active triggers in run order while the
	// configuration epoch stays the same (see activeTriggers).
	triggers store.Cached[[]Rule]
}

// NewService returns a Service over db using registry reg.
func NewService(db *store.DB, tickets *ticket.Service, reg *Registry, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Tickets: tickets, Rules: reg, Logger: log}
}

// Register installs the trigger runner as the ticket service's rule stage.
func (s *Service) Register() { s.Tickets.SetRuleStage(s.Stage) }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// requireManager checks manage_business_rules (deny by default).
func requireManager(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ManageBusinessRules {
		return nil, desk.Forbidden("You do not have access to business rules")
	}
	return p, nil
}

func requireWriter(ctx context.Context) (*desk.Principal, error) {
	p, err := requireManager(ctx)
	if err != nil {
		return nil, err
	}
	if p.ReadOnly {
		return nil, desk.Forbidden("This token may only read")
	}
	return p, nil
}

// Trigger is a trigger in Zendesk's shape.
type Trigger struct {
	ID          int64      `json:"id"`
	URL         string     `json:"url,omitempty"`
	Title       string     `json:"title"`
	RawTitle    string     `json:"raw_title"`
	Description string     `json:"description"`
	Active      bool       `json:"active"`
	Position    int        `json:"position"`
	Default     bool       `json:"default"`
	CategoryID  *string    `json:"category_id"`
	Conditions  Conditions `json:"conditions"`
	Actions     []Action   `json:"actions"`
	CreatedAt   desk.Time  `json:"created_at"`
	UpdatedAt   desk.Time  `json:"updated_at"`
}

// TriggerInput is a create or a partial update (nil: unchanged).
type TriggerInput struct {
	Title       *string     `json:"title"`
	Description *string     `json:"description"`
	Active      *bool       `json:"active"`
	Position    *int        `json:"position"`
	CategoryID  *string     `json:"category_id"`
	Conditions  *Conditions `json:"conditions"`
	Actions     *[]Action   `json:"actions"`
}

// TriggerFilter narrows a list.
type TriggerFilter struct {
	Active     *bool
	CategoryID int64
	// Query matches titles (search), case-insensitively.
	Query string
	// SortBy: position (default), alphabetical, created_at, updated_at;
	// SortDesc reverses.
	SortBy   string
	SortDesc bool
}

const triggerCols = `id, title, description, active, position, category_id, conditions, actions, created_at, updated_at`

func scanTrigger(sc interface{ Scan(...any) error }) (*Trigger, error) {
	var t Trigger
	var cat *int64
	var conds, acts string
	var created, updated int64
	if err := sc.Scan(&t.ID, &t.Title, &t.Description, &t.Active, &t.Position, &cat, &conds, &acts, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if t.Conditions, err = DecodeConditions([]byte(conds)); err != nil {
		return nil, fmt.Errorf("rules: trigger %d conditions: %w", t.ID, err)
	}
	if t.Actions, err = DecodeActions([]byte(acts)); err != nil {
		return nil, fmt.Errorf("rules: trigger %d actions: %w", t.ID, err)
	}
	if t.Actions == nil {
		t.Actions = []Action{}
	}
	if cat != nil {
		c := fmt.Sprint(*cat)
		t.CategoryID = &c
	}
	t.RawTitle = t.Title
	t.CreatedAt, t.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &t, nil
}

// ListTriggers lists triggers in order.
func (s *Service) ListTriggers(ctx context.Context, f TriggerFilter) ([]*Trigger, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	q := `SELECT ` + triggerCols + ` FROM triggers WHERE 1=1`
	var args []any
	if f.Active != nil {
		q += ` AND active = ?`
		args = append(args, *f.Active)
	}
	if f.CategoryID != 0 {
		q += ` AND category_id = ?`
		args = append(args, f.CategoryID)
	}
	if f.Query != "" {
		q += ` AND LOWER(title) LIKE ? ESCAPE '!'`
		args = append(args, "%"+likeEscape(f.Query)+"%")
	}
	order := map[string]string{"": "position", "position": "position", "alphabetical": "LOWER(title)", "created_at": "created_at", "updated_at": "updated_at"}[f.SortBy]
	if order == "" {
		return nil, desk.Invalid("sort_by", "must be position, alphabetical, created_at or updated_at")
	}
	dir := " ASC"
	if f.SortDesc {
		dir = " DESC"
	}
	q += ` ORDER BY ` + order + dir + `, id` + dir + ` LIMIT 1000`
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("rules: list triggers: %w", err)
	}
	defer rows.Close()
	var out []*Trigger
	for rows.Next() {
		t, err := scanTrigger(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// GetTrigger returns one trigger.
func (s *Service) GetTrigger(ctx context.Context, id int64) (*Trigger, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	t, err := scanTrigger(s.DB.QueryRow(ctx, `SELECT `+triggerCols+` FROM triggers WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err)
	}
	return t, nil
}

func notFound(err error) error {
	if strings.Contains(err.Error(), "no rows") {
		return desk.NotFound()
	}
	return err
}

func (s *Service) validateTrigger(ctx context.Context, q store.Querier, t *Trigger) error {
	var v desk.Validation
	t.Title = strings.TrimSpace(t.Title)
	if t.Title == "" {
		v.Add("title", "cannot be blank")
	} else if len(t.Title) > 255 {
		v.Add("title", "is too long (at most 255 characters)")
	}
	if len(t.Description) > 4000 {
		v.Add("description", "is too long (at most 4000 characters)")
	}
	if t.CategoryID != nil && *t.CategoryID != "" {
		id, ok := Int(*t.CategoryID)
		var n int
		if ok {
			if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM trigger_categories WHERE id = ?`, id).Scan(&n); err != nil {
				return err
			}
		}
		if n == 0 {
			v.Add("category_id", "is not a trigger category")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Rules.Validate(WithDB(ctx, q), KindTrigger, t.Conditions, t.Actions)
}

func (in TriggerInput) applyTo(t *Trigger) {
	if in.Title != nil {
		t.Title = *in.Title
	}
	if in.Description != nil {
		t.Description = *in.Description
	}
	if in.Active != nil {
		t.Active = *in.Active
	}
	if in.CategoryID != nil {
		if *in.CategoryID == "" {
			t.CategoryID = nil
		} else {
			c := *in.CategoryID
			t.CategoryID = &c
		}
	}
	if in.Conditions != nil {
		t.Conditions = in.Conditions.Normalize()
	}
	if in.Actions != nil {
		t.Actions = slices.Clone(*in.Actions)
		for i := range t.Actions {
			t.Actions[i].Value = normValue(t.Actions[i].Value)
		}
	}
}

func categoryArg(c *string) any {
	if c == nil || *c == "" {
		return nil
	}
	n, _ := Int(*c)
	return n
}

// CreateTrigger adds a trigger (active unless told; last unless a position
// is given).
func (s *Service) CreateTrigger(ctx context.Context, in TriggerInput) (*Trigger, error) {
	if _, err := requireWriter(ctx); err != nil {
		return nil, err
	}
	t := &Trigger{Active: true}
	in.applyTo(t)
	var out *Trigger
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := s.validateTrigger(ctx, tx, t); err != nil {
			return err
		}
		var maxPos int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM triggers`).Scan(&maxPos); err != nil {
			return err
		}
		pos := maxPos + 1
		if in.Position != nil && *in.Position > 0 {
			pos = *in.Position
		}
		conds, acts := mustJSON(t.Conditions), mustJSON(t.Actions)
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO triggers (title, description, active, position, category_id, conditions, actions, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.Title, t.Description, t.Active, pos, categoryArg(t.CategoryID), conds, acts, now, now)
		if err != nil {
			return err
		}
		if out, err = scanTrigger(tx.QueryRow(ctx, `SELECT `+triggerCols+` FROM triggers WHERE id = ?`, id)); err != nil {
			return err
		}
		return auditRuleTx(ctx, tx, AuditTriggerCreated, "trigger", id, nil, triggerFields(out))
	})
	if err != nil {
		return nil, fmt.Errorf("rules: create trigger: %w", err)
	}
	return out, nil
}

// UpdateTrigger changes the fields in sets.
func (s *Service) UpdateTrigger(ctx context.Context, id int64, in TriggerInput) (*Trigger, error) {
	if _, err := requireWriter(ctx); err != nil {
		return nil, err
	}
	var out *Trigger
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, err := scanTrigger(tx.QueryRow(ctx, `SELECT `+triggerCols+` FROM triggers WHERE id = ?`, id))
		if err != nil {
			return notFound(err)
		}
		before := triggerFields(t)
		in.applyTo(t)
		if in.Position != nil && *in.Position > 0 {
			t.Position = *in.Position
		}
		if err := s.validateTrigger(ctx, tx, t); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE triggers SET title = ?, description = ?, active = ?, position = ?, category_id = ?, conditions = ?, actions = ?, updated_at = ? WHERE id = ?`,
			t.Title, t.Description, t.Active, t.Position, categoryArg(t.CategoryID), mustJSON(t.Conditions), mustJSON(t.Actions), store.Now(), id); err != nil {
			return err
		}
		if out, err = scanTrigger(tx.QueryRow(ctx, `SELECT `+triggerCols+` FROM triggers WHERE id = ?`, id)); err != nil {
			return err
		}
		return auditRuleTx(ctx, tx, AuditTriggerUpdated, "trigger", id, before, triggerFields(out))
	})
	if err != nil {
		return nil, fmt.Errorf("rules: update trigger %d: %w", id, err)
	}
	return out, nil
}

// DeleteTrigger removes a trigger.
func (s *Service) DeleteTrigger(ctx context.Context, id int64) error {
	if _, err := requireWriter(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, err := scanTrigger(tx.QueryRow(ctx, `SELECT `+triggerCols+` FROM triggers WHERE id = ?`, id))
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM triggers WHERE id = ?`, id); err != nil {
			return err
		}
		return auditRuleTx(ctx, tx, AuditTriggerDeleted, "trigger", id, triggerFields(t), nil)
	})
	if err != nil {
		return fmt.Errorf("rules: delete trigger %d: %w", id, err)
	}
	return nil
}

// ReorderTriggers sets the run order: ids first in the order given, the
// others after them in their old order.
func (s *Service) ReorderTriggers(ctx context.Context, ids []int64) error {
	if _, err := requireWriter(ctx); err != nil {
		return err
	}
	if len(ids) == 0 {
		return desk.Invalid("trigger_ids", "cannot be blank")
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		all, err := queryIDs(ctx, tx, `SELECT id FROM triggers ORDER BY position, id`)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			if !slices.Contains(all, id) {
				return desk.Invalid("trigger_ids", fmt.Sprintf("%d is not a trigger", id))
			}
			if seen[id] {
				return desk.Invalid("trigger_ids", fmt.Sprintf("%d is given twice", id))
			}
			seen[id] = true
		}
		order := slices.Clone(ids)
		for _, id := range all {
			if !seen[id] {
				order = append(order, id)
			}
		}
		now := store.Now()
		for i, id := range order {
			if _, err := tx.Exec(ctx, `UPDATE triggers SET position = ?, updated_at = ? WHERE id = ?`, i+1, now, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rules: reorder triggers: %w", err)
	}
	return nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // rule values come from JSON and are re-encodable
	}
	return string(b)
}

// CanManage says whether the caller may read business rules (nil) or why
// not.
func (s *Service) CanManage(ctx context.Context) error {
	_, err := requireManager(ctx)
	return err
}

func queryIDsDB(ctx context.Context, db *store.DB, q string) ([]int64, error) {
	rows, err := db.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
