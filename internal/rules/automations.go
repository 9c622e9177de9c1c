package rules

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Automation is a time-based rule in Zendesk's shape.
type Automation struct {
	ID         int64      `json:"id"`
	URL        string     `json:"url,omitempty"`
	Title      string     `json:"title"`
	RawTitle   string     `json:"raw_title"`
	Active     bool       `json:"active"`
	Position   int        `json:"position"`
	Default    bool       `json:"default"`
	Conditions Conditions `json:"conditions"`
	Actions    []Action   `json:"actions"`
	CreatedAt  desk.Time  `json:"created_at"`
	UpdatedAt  desk.Time  `json:"updated_at"`
}

// AutomationInput is a create or a partial update (nil: unchanged).
type AutomationInput struct {
	Title      *string     `json:"title"`
	Active     *bool       `json:"active"`
	Position   *int        `json:"position"`
	Conditions *Conditions `json:"conditions"`
	Actions    *[]Action   `json:"actions"`
}

const automationCols = `id, title, active, position, conditions, actions, created_at, updated_at`

func scanAutomation(sc interface{ Scan(...any) error }) (*Automation, error) {
	var a Automation
	var conds, acts string
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.Title, &a.Active, &a.Position, &conds, &acts, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if a.Conditions, err = DecodeConditions([]byte(conds)); err != nil {
		return nil, fmt.Errorf("rules: automation %d conditions: %w", a.ID, err)
	}
	if a.Actions, err = DecodeActions([]byte(acts)); err != nil {
		return nil, fmt.Errorf("rules: automation %d actions: %w", a.ID, err)
	}
	if a.Actions == nil {
		a.Actions = []Action{}
	}
	a.RawTitle = a.Title
	a.CreatedAt, a.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &a, nil
}

// ListAutomations lists automations in order (active: only those; query:
// titles containing it).
func (s *Service) ListAutomations(ctx context.Context, active *bool, query string) ([]*Automation, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	q := `SELECT ` + automationCols + ` FROM automations WHERE 1=1`
	var args []any
	if active != nil {
		q += ` AND active = ?`
		args = append(args, *active)
	}
	if query != "" {
		q += ` AND LOWER(title) LIKE ? ESCAPE '!'`
		args = append(args, "%"+likeEscape(query)+"%")
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY position, id LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("rules: list automations: %w", err)
	}
	defer rows.Close()
	var out []*Automation
	for rows.Next() {
		a, err := scanAutomation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// GetAutomation returns one automation.
func (s *Service) GetAutomation(ctx context.Context, id int64) (*Automation, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	a, err := scanAutomation(s.DB.QueryRow(ctx, `SELECT `+automationCols+` FROM automations WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err)
	}
	return a, nil
}

func (in AutomationInput) applyTo(a *Automation) {
	if in.Title != nil {
		a.Title = *in.Title
	}
	if in.Active != nil {
		a.Active = *in.Active
	}
	if in.Position != nil && *in.Position > 0 {
		a.Position = *in.Position
	}
	if in.Conditions != nil {
		a.Conditions = in.Conditions.Normalize()
	}
	if in.Actions != nil {
		a.Actions = slices.Clone(*in.Actions)
		for i := range a.Actions {
			a.Actions[i].Value = normValue(a.Actions[i].Value)
		}
	}
}

func (s *Service) validateAutomation(ctx context.Context, q store.Querier, a *Automation) error {
	var v desk.Validation
	a.Title = strings.TrimSpace(a.Title)
	if a.Title == "" {
		v.Add("title", "cannot be blank")
	} else if len(a.Title) > 255 {
		v.Add("title", "is too long (at most 255 characters)")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Rules.Validate(WithDB(ctx, q), KindAutomation, a.Conditions, a.Actions)
}

// CreateAutomation adds an automation (active unless told, last).
func (s *Service) CreateAutomation(ctx context.Context, in AutomationInput) (*Automation, error) {
	if _, err := requireWriter(ctx); err != nil {
		return nil, err
	}
	a := &Automation{Active: true}
	in.applyTo(a)
	var out *Automation
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := s.validateAutomation(ctx, tx, a); err != nil {
			return err
		}
		if a.Position == 0 {
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM automations`).Scan(&a.Position); err != nil {
				return err
			}
		}
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO automations (title, active, position, conditions, actions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.Title, a.Active, a.Position, mustJSON(a.Conditions), mustJSON(a.Actions), now, now)
		if err != nil {
			return err
		}
		if out, err = scanAutomation(tx.QueryRow(ctx, `SELECT `+automationCols+` FROM automations WHERE id = ?`, id)); err != nil {
			return err
		}
		return auditRuleTx(ctx, tx, AuditAutomationCreated, "automation", id, nil, automationFields(out))
	})
	if err != nil {
		return nil, fmt.Errorf("rules: create automation: %w", err)
	}
	return out, nil
}

// UpdateAutomation changes the fields in sets.
func (s *Service) UpdateAutomation(ctx context.Context, id int64, in AutomationInput) (*Automation, error) {
	if _, err := requireWriter(ctx); err != nil {
		return nil, err
	}
	var out *Automation
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		a, err := scanAutomation(tx.QueryRow(ctx, `SELECT `+automationCols+` FROM automations WHERE id = ?`, id))
		if err != nil {
			return notFound(err)
		}
		before := automationFields(a)
		in.applyTo(a)
		if err := s.validateAutomation(ctx, tx, a); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE automations SET title = ?, active = ?, position = ?, conditions = ?, actions = ?, updated_at = ? WHERE id = ?`,
			a.Title, a.Active, a.Position, mustJSON(a.Conditions), mustJSON(a.Actions), store.Now(), id); err != nil {
			return err
		}
		if out, err = scanAutomation(tx.QueryRow(ctx, `SELECT `+automationCols+` FROM automations WHERE id = ?`, id)); err != nil {
			return err
		}
		return auditRuleTx(ctx, tx, AuditAutomationUpdated, "automation", id, before, automationFields(out))
	})
	if err != nil {
		return nil, fmt.Errorf("rules: update automation %d: %w", id, err)
	}
	return out, nil
}

// DeleteAutomation removes an automation and its firing record.
func (s *Service) DeleteAutomation(ctx context.Context, id int64) error {
	if _, err := requireWriter(ctx); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		a, err := scanAutomation(tx.QueryRow(ctx, `SELECT `+automationCols+` FROM automations WHERE id = ?`, id))
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM automations WHERE id = ?`, id); err != nil {
			return fmt.Errorf("rules: delete automation %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM automation_fires WHERE automation_id = ?`, id); err != nil {
			return fmt.Errorf("rules: delete automation %d: %w", id, err)
		}
		return auditRuleTx(ctx, tx, AuditAutomationDeleted, "automation", id, automationFields(a), nil)
	})
}

// AutomationPage is how many matching tickets one query of a run takes.
const AutomationPage = 500

// RunResult counts what an automation run did.
type RunResult struct {
	Automations int // active automations run
	Fired       int // tickets changed (or notified) by an automation
	Failed      int // tickets whose automation actions could not apply
}

func (r RunResult) String() string {
	return fmt.Sprintf("%d automations, %d fired, %d failed", r.Automations, r.Fired, r.Failed)
}

// RunAutomations runs every active automation, in order, over the stored
// tickets its conditions select (not closed, not deleted), in pages by id.
// Each ticket is changed in its own transaction through the ticket
// service (one audit, via rule, the automation's changes marked with it;
// triggers then run on that change as on any other). An automation fires
// on a ticket at most once per condition state — the ticket's
// status_updated_at when it fired, recorded in automation_fires in the
// same transaction — so a second run fires nothing, and a ticket that
// leaves the state and comes back can be acted on again. The caller must
// be the system (the hourly job).
func (s *Service) RunAutomations(ctx context.Context) (RunResult, error) {
	var res RunResult
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return res, err
	}
	if !p.System {
		return res, desk.Forbidden("automations run from the scheduler")
	}
	active := true
	list, err := s.ListAutomations(ctx, &active, "")
	if err != nil {
		return res, err
	}
	now := s.now()
	actor := &desk.Principal{System: true, Role: desk.RoleAdmin, Via: "rule"}
	actx := desk.WithPrincipal(ctx, actor)
	for _, a := range list {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Automations++
		b := &SQL{Dialect: s.DB.Dialect, Now: now}
		where, err := s.Rules.Compile(b, a.Conditions)
		if err != nil {
			s.Logger.Error("automations: conditions cannot run; skipped", "automation_id", a.ID, "err", err)
			continue
		}
		rule := Rule{Ref: Ref{Kind: KindAutomation, ID: a.ID, Title: a.Title}, Conditions: a.Conditions, Actions: a.Actions}
		q := `SELECT t.id, t.status_updated_at FROM tickets t WHERE t.deleted_at = 0 AND t.status <> 'closed' AND t.id > ? AND (` + where + `)
			AND NOT EXISTS (SELECT 1 FROM automation_fires f WHERE f.automation_id = ? AND f.ticket_id = t.id AND f.state = t.status_updated_at)
			ORDER BY t.id LIMIT ?`
		var after int64
		for {
			type hit struct{ id, state int64 }
			var hits []hit
			args := append(append([]any{after}, b.Args()...), a.ID, AutomationPage)
			rows, err := s.DB.Query(ctx, q, args...)
			if err != nil {
				return res, fmt.Errorf("rules: automation %d: %w", a.ID, err)
			}
			for rows.Next() {
				var h hit
				if err := rows.Scan(&h.id, &h.state); err != nil {
					rows.Close()
					return res, err
				}
				hits = append(hits, h)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return res, err
			}
			for _, h := range hits {
				fired, err := s.fireAutomation(actx, rule, where, b.Args(), h.id, h.state, now)
				if err != nil {
					return res, err
				}
				switch fired {
				case fireDone:
					res.Fired++
				case fireFailed:
					res.Failed++
				}
			}
			if len(hits) < AutomationPage {
				break
			}
			after = hits[len(hits)-1].id
		}
	}
	return res, nil
}

type fireOutcome int

const (
	fireSkipped fireOutcome = iota // no longer matches
	fireDone
	fireFailed
)

// fireAutomation applies rule to ticket id in one transaction, if it still
// matches, and records the firing.
func (s *Service) fireAutomation(ctx context.Context, rule Rule, where string, whereArgs []any, id, state int64, now time.Time) (fireOutcome, error) {
	out := fireSkipped
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		out = fireSkipped
		var n int
		args := append([]any{id, state}, whereArgs...)
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM tickets t WHERE t.id = ? AND t.status_updated_at = ? AND t.deleted_at = 0 AND t.status <> 'closed' AND (`+where+`)`, args...).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nil // changed since it was selected
		}
		var later []SideEffect
		var applyErr error
		t, audit, err := s.Tickets.EditTx(ctx, tx, id, func(e *ticket.Edit) error {
			ac := &ActionContext{Ctx: ctx, Tx: tx, Edit: e, Rule: rule.Ref, Actor: desk.PrincipalFrom(ctx), Registry: s.Rules,
				Later: func(f SideEffect) { later = append(later, f) }}
			from := e.EventCount()
			applyErr = e.Try(func() error { return s.Rules.Apply(ac, rule.Actions) })
			if applyErr == nil {
				e.MarkEvents(from, RuleVia(rule.Ref))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if applyErr != nil {
			code := desk.ErrorCode(applyErr)
			if code != desk.EINVALID && code != desk.EFORBIDDEN {
				return applyErr
			}
			s.Logger.Warn("automations: actions failed", "automation_id", rule.ID, "ticket_id", id, "err", failureText(applyErr))
			out = fireFailed
		} else {
			out = fireDone
			ch := &desk.TicketChange{Kind: desk.ChangeUpdate, TicketID: id, After: t, Via: "rule"}
			if audit != nil {
				ch.AuditID = audit.ID
			}
			for _, f := range later {
				if err := f(ctx, tx, ch); err != nil {
					return err
				}
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO automation_fires (automation_id, ticket_id, state, fired_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			rule.ID, id, state, now.UnixMicro())
		return err
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return out, err
		}
		return out, fmt.Errorf("rules: automation %d on ticket %d: %w", rule.ID, id, err)
	}
	return out, nil
}
