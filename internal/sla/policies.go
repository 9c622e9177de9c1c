package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
)

// SLA policies, Zendesk's /slas/policies: an ordered list; a ticket gets
// the first policy whose filter it matches, and the policy's targets for
// the ticket's priority. Reading and changing policies needs
// manage_business_rules (Zendesk lets only admins see them).

// Metric names an SLA metric (Zendesk's names).
type Metric string

// The metrics.
const (
	FirstReplyTime      Metric = "first_reply_time"
	NextReplyTime       Metric = "next_reply_time"
	PeriodicUpdateTime  Metric = "periodic_update_time"
	PausableUpdateTime  Metric = "pausable_update_time"
	RequesterWaitTime   Metric = "requester_wait_time"
	AgentWorkTime       Metric = "agent_work_time"
	TotalResolutionTime Metric = "total_resolution_time"
)

// Metrics lists every metric in display order.
var Metrics = []Metric{FirstReplyTime, NextReplyTime, PeriodicUpdateTime, PausableUpdateTime, RequesterWaitTime, AgentWorkTime, TotalResolutionTime}

// Valid reports whether m is a known metric.
func (m Metric) Valid() bool { return slices.Contains(Metrics, m) }

// Priorities a target is set for.
var Priorities = []string{"low", "normal", "high", "urgent"}

// Condition is one condition of a policy filter, in the rules engine's
// language ({"field": "priority", "operator": "is", "value": "urgent"}).
type Condition = rules.Condition

// Filter is a policy's filter: all of All and at least one of Any (when
// Any is not empty), validated as the engine's sla_policy kind and run
// over the stored ticket with the engine's SQL compiler.
type Filter = rules.Conditions

// PolicyMetric is one target of a policy.
type PolicyMetric struct {
	Priority      string `json:"priority"`
	Metric        Metric `json:"metric"`
	Target        int    `json:"target"` // minutes
	BusinessHours bool   `json:"business_hours"`
}

// MarshalJSON adds Zendesk's target_in_seconds.
func (m PolicyMetric) MarshalJSON() ([]byte, error) {
	type plain PolicyMetric
	return json.Marshal(struct {
		plain
		TargetInSeconds int `json:"target_in_seconds"`
	}{plain(m), m.Target * 60})
}

// Policy is one SLA policy.
type Policy struct {
	ID            int64          `json:"id"`
	URL           string         `json:"url,omitempty"`
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	Position      int            `json:"position"`
	Filter        Filter         `json:"filter"`
	PolicyMetrics []PolicyMetric `json:"policy_metrics"`
	CreatedAt     desk.Time      `json:"created_at"`
	UpdatedAt     desk.Time      `json:"updated_at"`
}

// targets are the policy's targets for a priority, by metric.
func (p *Policy) targets(priority string) map[Metric]PolicyMetric {
	out := map[Metric]PolicyMetric{}
	for _, m := range p.PolicyMetrics {
		if m.Priority == priority {
			out[m.Metric] = m
		}
	}
	return out
}

// PolicyInput creates or changes a policy; absent properties stay.
type PolicyInput struct {
	Title         *string         `json:"title"`
	Description   *string         `json:"description"`
	Position      *int            `json:"position"`
	Filter        *Filter         `json:"filter"`
	PolicyMetrics *[]PolicyMetric `json:"policy_metrics"`
}

// Limits.
const (
	maxPolicies   = 200
	maxTarget     = 365 * 24 * 60 // a year, in minutes
	policyColumns = `id, title, description, position, filter, policy_metrics, created_at, updated_at`
)

func scanPolicy(row scanner) (*Policy, error) {
	var p Policy
	var filter, metrics string
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Title, &p.Description, &p.Position, &filter, &metrics, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(filter), &p.Filter); err != nil {
		return nil, fmt.Errorf("sla: policy %d filter: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(metrics), &p.PolicyMetrics); err != nil {
		return nil, fmt.Errorf("sla: policy %d metrics: %w", p.ID, err)
	}
	finishPolicy(&p)
	p.CreatedAt, p.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &p, nil
}

func finishPolicy(p *Policy) {
	if p.Filter.All == nil {
		p.Filter.All = []Condition{}
	}
	if p.Filter.Any == nil {
		p.Filter.Any = []Condition{}
	}
	if p.PolicyMetrics == nil {
		p.PolicyMetrics = []PolicyMetric{}
	}
}

// Policies lists the policies in order.
func (s *Service) Policies(ctx context.Context) ([]*Policy, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	return listPolicies(ctx, s.DB)
}

func listPolicies(ctx context.Context, q querier) ([]*Policy, error) {
	rows, err := q.Query(ctx, `SELECT `+policyColumns+` FROM sla_policies ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("sla: list policies: %w", err)
	}
	defer rows.Close()
	out := []*Policy{}
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Policy returns one policy.
func (s *Service) Policy(ctx context.Context, id int64) (*Policy, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	return policyByID(ctx, s.DB, id)
}

func policyByID(ctx context.Context, q querier, id int64) (*Policy, error) {
	p, err := scanPolicy(q.QueryRow(ctx, `SELECT `+policyColumns+` FROM sla_policies WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("sla: policy %d: %w", id, err)
	}
	return p, nil
}

// SavePolicy creates (id 0) or changes a policy. A new policy without a
// position goes last. Tickets pick up a changed policy at their next
// change.
func (s *Service) SavePolicy(ctx context.Context, id int64, in PolicyInput) (*Policy, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	var out *Policy
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		p := &Policy{}
		if id != 0 {
			var err error
			if p, err = policyByID(ctx, tx, id); err != nil {
				return err
			}
		} else {
			var n, last int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(position), 0) FROM sla_policies`).Scan(&n, &last); err != nil {
				return err
			}
			if n >= maxPolicies {
				return desk.Invalid("base", fmt.Sprintf("an account has at most %d SLA policies", maxPolicies))
			}
			p.Position = last + 1
		}
		if err := s.applyPolicy(rules.WithDB(ctx, tx), p, in, id == 0); err != nil {
			return err
		}
		filter, _ := json.Marshal(p.Filter)
		metrics, _ := json.Marshal(p.PolicyMetrics)
		now := store.Now()
		if id == 0 {
			newID, err := tx.InsertID(ctx, `INSERT INTO sla_policies (title, description, position, filter, policy_metrics, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				p.Title, p.Description, p.Position, string(filter), string(metrics), now, now)
			if err != nil {
				return err
			}
			p.ID = newID
		} else if _, err := tx.Exec(ctx, `UPDATE sla_policies SET title = ?, description = ?, position = ?, filter = ?, policy_metrics = ?, updated_at = ? WHERE id = ?`,
			p.Title, p.Description, p.Position, string(filter), string(metrics), now, p.ID); err != nil {
			return err
		}
		var err error
		out, err = policyByID(ctx, tx, p.ID)
		return err
	})
	if err != nil {
		return nil, wrapf(err, "sla: save policy")
	}
	return out, nil
}

func (s *Service) applyPolicy(ctx context.Context, p *Policy, in PolicyInput, create bool) error {
	var v desk.Validation
	if in.Title != nil {
		p.Title = strings.TrimSpace(*in.Title)
	}
	if !validName(p.Title, maxNameLength) {
		v.Add("title", "cannot be blank")
	}
	if in.Description != nil {
		p.Description = strings.TrimSpace(*in.Description)
		if len(p.Description) > maxDescLength || strings.ContainsRune(p.Description, 0) {
			v.Add("description", fmt.Sprintf("is longer than %d characters", maxDescLength))
		}
	}
	if in.Position != nil {
		if *in.Position < 0 || *in.Position > 1_000_000 {
			v.Add("position", "must be between 0 and 1000000")
		}
		p.Position = *in.Position
	}
	if in.Filter != nil {
		p.Filter = *in.Filter
	} else if create {
		v.Add("filter", "is required")
	}
	finishPolicy(p)
	if in.PolicyMetrics != nil {
		p.PolicyMetrics = slices.Clone(*in.PolicyMetrics)
		if p.PolicyMetrics == nil {
			p.PolicyMetrics = []PolicyMetric{}
		}
		checkMetrics(&v, p.PolicyMetrics)
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Rules.Validate(ctx, rules.KindSLAPolicy, p.Filter, nil)
}

func checkMetrics(v *desk.Validation, ms []PolicyMetric) {
	seen := map[string]bool{}
	for i, m := range ms {
		bad := func(msg string) { v.Add("policy_metrics", fmt.Sprintf("target %d: %s", i+1, msg)) }
		switch {
		case !slices.Contains(Priorities, m.Priority):
			bad("priority must be low, normal, high or urgent")
		case !m.Metric.Valid():
			bad(fmt.Sprintf("metric %q is not one of %s", m.Metric, metricList()))
		case m.Target <= 0 || m.Target > maxTarget:
			bad(fmt.Sprintf("target must be between 1 and %d minutes", maxTarget))
		case seen[m.Priority+"/"+string(m.Metric)]:
			bad("repeats the priority and metric of an earlier target")
		}
		seen[m.Priority+"/"+string(m.Metric)] = true
	}
}

func metricList() string {
	var names []string
	for _, m := range Metrics {
		names = append(names, string(m))
	}
	return strings.Join(names, ", ")
}

// DeletePolicy removes a policy; tickets lose its timers at their next
// change (their recorded events stay for reports).
func (s *Service) DeletePolicy(ctx context.Context, id int64) error {
	if err := requireManager(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := policyByID(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ticket_sla_policies WHERE policy_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sla_policies WHERE id = ?`, id)
		return err
	})
	return wrapf(err, "sla: delete policy %d", id)
}

// ReorderPolicies sets the order of all policies: ids must list each
// policy exactly once.
func (s *Service) ReorderPolicies(ctx context.Context, ids []int64) ([]*Policy, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	var out []*Policy
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		all, err := listPolicies(ctx, tx)
		if err != nil {
			return err
		}
		have := map[int64]bool{}
		for _, p := range all {
			have[p.ID] = true
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			if !have[id] || seen[id] {
				return desk.Invalid("sla_policy_ids", fmt.Sprintf("policy %d is unknown or listed twice", id))
			}
			seen[id] = true
		}
		if len(ids) != len(all) {
			return desk.Invalid("sla_policy_ids", "must list every policy once")
		}
		now := store.Now()
		for i, id := range ids {
			if _, err := tx.Exec(ctx, `UPDATE sla_policies SET position = ?, updated_at = ? WHERE id = ?`, i+1, now, id); err != nil {
				return err
			}
		}
		out, err = listPolicies(ctx, tx)
		return err
	})
	if err != nil {
		return nil, wrapf(err, "sla: reorder policies")
	}
	return out, nil
}

// Definitions lists the condition fields a policy filter may use, in
// Zendesk's /slas/policies/definitions shape (the same list serves all and
// any).
func (s *Service) Definitions(ctx context.Context) ([]rules.Definition, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	conds, _ := s.Rules.Definitions(rules.KindSLAPolicy)
	if conds == nil {
		conds = []rules.Definition{}
	}
	return conds, nil
}
