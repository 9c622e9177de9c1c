package answerbot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/frontdesk/frontdesk/internal/audit"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Step kinds of a flow.
const (
	// KindMessage shows Text and Buttons, each leading to its Next step; a
	// message without buttons ends the flow (the visitor may then ask).
	KindMessage = "message"
	// KindAsk shows Text, stores what the visitor types next as Label's
	// answer (it lands in the transcript) and goes on to Next.
	KindAsk = "ask"
	// KindHandover shows Text and hands the chat to GroupID (the chat's
	// own group when 0).
	KindHandover = "handover"
	// KindArticles shows Text and the articles found for Query.
	KindArticles = "articles"
)

// Limits on a flow.
const (
	MaxFlows     = 50
	MaxSteps     = 50
	MaxButtons   = 6
	MaxName      = 100
	MaxText      = 1000
	MaxLabel     = 60
	MaxAnswer    = 500
	maxDefinBody = 256 * 1024
)

var stepIDRe = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// Texts are one text per locale ("en", "pl"); the default locale's is
// required, the others fall back to it.
type Texts map[string]string

// FlowButton is a choice in a message step.
type FlowButton struct {
	Label Texts  `json:"label"`
	Next  string `json:"next"`
}

// Step is one node of a flow's decision tree.
type Step struct {
	ID      string       `json:"id"`
	Kind    string       `json:"kind"`
	Text    Texts        `json:"text,omitempty"`
	Buttons []FlowButton `json:"buttons,omitempty"`
	// Next follows an ask step.
	Next string `json:"next,omitempty"`
	// Label names an ask step's answer ("Order number").
	Label Texts `json:"label,omitempty"`
	// GroupID routes a handover step.
	GroupID int64 `json:"group_id,omitempty"`
	// Query is what an articles step searches for, per locale.
	Query Texts `json:"query,omitempty"`
}

// Flow is one admin-defined flow at one version; Steps[0] is where it
// starts.
type Flow struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	Version   int       `json:"version"`
	Steps     []Step    `json:"steps"`
	CreatedAt desk.Time `json:"created_at"`
	UpdatedAt desk.Time `json:"updated_at"`
}

// FlowInput creates a flow or saves a new version of it.
type FlowInput struct {
	Name  *string `json:"name"`
	Steps *[]Step `json:"steps"`
}

// FlowVersion is one saved version of a flow.
type FlowVersion struct {
	Version   int       `json:"version"`
	AuthorID  int64     `json:"author_id"`
	Steps     []Step    `json:"steps"`
	CreatedAt desk.Time `json:"created_at"`
}

func (f *Flow) step(id string) *Step {
	for i := range f.Steps {
		if f.Steps[i].ID == id {
			return &f.Steps[i]
		}
	}
	return nil
}

// invalid collects field problems into one EINVALID error.
type invalid map[string][]desk.FieldError

func (v invalid) add(field, format string, args ...any) {
	v[field] = append(v[field], desk.FieldError{Description: fmt.Sprintf(format, args...), Error: "InvalidValue"})
}

func (v invalid) err() error {
	if len(v) == 0 {
		return nil
	}
	return &desk.Error{Code: desk.EINVALID, Message: "Record validation errors", Details: v}
}

// checkTexts validates a per-locale text: known locales only, the default
// one present when required, each at most max characters.
func (s *Service) checkTexts(v invalid, field string, t Texts, required bool, max int) {
	if required && strings.TrimSpace(t[s.defaultLocale()]) == "" {
		v.add(field, "needs a text in %s, the default language", s.defaultLocale())
	}
	for loc, x := range t {
		if !slices.Contains(s.locales(), loc) {
			v.add(field, "%q is not a language of this help desk", loc)
			continue
		}
		if !utf8.ValidString(x) || utf8.RuneCountInString(x) > max {
			v.add(field, "%s text is longer than %d characters", loc, max)
		}
	}
}

// Validate checks a flow's steps: at least one, each with a unique id and
// the fields its kind needs, no next step that does not exist, every step
// reachable from the first and able to reach an end (so no cycle traps a
// visitor), within the size limits. Group ids are checked by the caller.
func (s *Service) Validate(name string, steps []Step) error {
	v := invalid{}
	if strings.TrimSpace(name) == "" {
		v.add("name", "cannot be blank")
	} else if utf8.RuneCountInString(name) > MaxName {
		v.add("name", "is longer than %d characters", MaxName)
	}
	if len(steps) == 0 {
		v.add("steps", "a flow needs at least one step")
		return v.err()
	}
	if len(steps) > MaxSteps {
		v.add("steps", "a flow has at most %d steps", MaxSteps)
		return v.err()
	}
	ids := map[string]int{}
	for i, st := range steps {
		f := fmt.Sprintf("steps[%d]", i)
		if !stepIDRe.MatchString(st.ID) {
			v.add(f+".id", "must be 1-32 of a-z, 0-9, _ and -")
		} else if _, dup := ids[st.ID]; dup {
			v.add(f+".id", "%q is used by another step", st.ID)
		} else {
			ids[st.ID] = i
		}
	}
	exists := func(field, next string) {
		if next == "" {
			v.add(field, "names no step")
		} else if _, ok := ids[next]; !ok {
			v.add(field, "%q is not a step of this flow", next)
		}
	}
	for i, st := range steps {
		f := fmt.Sprintf("steps[%d]", i)
		switch st.Kind {
		case KindMessage:
			s.checkTexts(v, f+".text", st.Text, true, MaxText)
			if len(st.Buttons) > MaxButtons {
				v.add(f+".buttons", "at most %d buttons", MaxButtons)
			}
			for j, b := range st.Buttons {
				bf := fmt.Sprintf("%s.buttons[%d]", f, j)
				s.checkTexts(v, bf+".label", b.Label, true, MaxLabel)
				exists(bf+".next", b.Next)
			}
		case KindAsk:
			s.checkTexts(v, f+".text", st.Text, true, MaxText)
			s.checkTexts(v, f+".label", st.Label, true, MaxLabel)
			exists(f+".next", st.Next)
		case KindHandover:
			s.checkTexts(v, f+".text", st.Text, false, MaxText)
			if st.GroupID < 0 {
				v.add(f+".group_id", "is not a group")
			}
		case KindArticles:
			s.checkTexts(v, f+".text", st.Text, false, MaxText)
			s.checkTexts(v, f+".query", st.Query, true, MaxLabel*4)
		default:
			v.add(f+".kind", "must be message, ask, handover or articles")
		}
		if st.Kind != KindAsk && st.Next != "" {
			v.add(f+".next", "only ask steps have a next step")
		}
		if st.Kind != KindMessage && len(st.Buttons) > 0 {
			v.add(f+".buttons", "only message steps have buttons")
		}
	}
	if len(v) > 0 {
		return v.err()
	}
	// Graph checks, on a well-formed flow: reachable from the first step,
	// and able to reach an end.
	next := func(st Step) []string {
		switch st.Kind {
		case KindMessage:
			out := make([]string, len(st.Buttons))
			for i, b := range st.Buttons {
				out[i] = b.Next
			}
			return out
		case KindAsk:
			return []string{st.Next}
		}
		return nil
	}
	reach := map[string]bool{steps[0].ID: true}
	queue := []string{steps[0].ID}
	for len(queue) > 0 {
		cur := steps[ids[queue[0]]]
		queue = queue[1:]
		for _, n := range next(cur) {
			if !reach[n] {
				reach[n] = true
				queue = append(queue, n)
			}
		}
	}
	ends := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, st := range steps {
			if ends[st.ID] {
				continue
			}
			ns := next(st)
			ok := len(ns) == 0
			for _, n := range ns {
				ok = ok || ends[n]
			}
			if ok {
				ends[st.ID], changed = true, true
			}
		}
	}
	for i, st := range steps {
		f := fmt.Sprintf("steps[%d]", i)
		if !reach[st.ID] {
			v.add(f, "step %q cannot be reached from the first step", st.ID)
		}
		if !ends[st.ID] {
			v.add(f, "step %q only leads round a cycle that never reaches an end", st.ID)
		}
	}
	return v.err()
}

func (s *Service) requireAdmin(ctx context.Context, change bool) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, desk.Forbidden("Only admins manage the answer bot")
	}
	if change && p.ReadOnly {
		return nil, desk.Forbidden("This token is read-only")
	}
	return p, nil
}

// checkGroups refuses handover steps naming a group that does not exist.
func checkGroups(ctx context.Context, q store.Querier, steps []Step) error {
	v := invalid{}
	for i, st := range steps {
		if st.Kind != KindHandover || st.GroupID == 0 {
			continue
		}
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND deleted = FALSE`, st.GroupID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			v.add(fmt.Sprintf("steps[%d].group_id", i), "group %d does not exist", st.GroupID)
		}
	}
	return v.err()
}

func (s *Service) apply(ctx context.Context, q store.Querier, cur *Flow, in FlowInput) error {
	if in.Name != nil {
		cur.Name = strings.TrimSpace(*in.Name)
	}
	if in.Steps != nil {
		cur.Steps = *in.Steps
	}
	if cur.Steps == nil {
		cur.Steps = []Step{}
	}
	if err := s.Validate(cur.Name, cur.Steps); err != nil {
		return err
	}
	return checkGroups(ctx, q, cur.Steps)
}

const flowCols = `f.id, f.name, f.active, f.version, f.created_at, f.updated_at, v.definition`

func scanFlow(sc interface{ Scan(...any) error }) (*Flow, error) {
	var f Flow
	var created, updated int64
	var def string
	if err := sc.Scan(&f.ID, &f.Name, &f.Active, &f.Version, &created, &updated, &def); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(def), &f.Steps); err != nil {
		return nil, fmt.Errorf("answerbot: flow %d version %d: %w", f.ID, f.Version, err)
	}
	f.CreatedAt, f.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &f, nil
}

func getFlow(ctx context.Context, q store.Querier, id int64) (*Flow, error) {
	f, err := scanFlow(q.QueryRow(ctx, `SELECT `+flowCols+` FROM answer_bot_flows f
		JOIN answer_bot_flow_versions v ON v.flow_id = f.id AND v.version = f.version WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	return f, err
}

// flowVersion loads version ver of flow id (for a running chat), whether
// or not the flow is still active.
func (s *Service) flowVersion(ctx context.Context, id int64, ver int) (*Flow, error) {
	f, err := scanFlow(s.DB.QueryRow(ctx, `SELECT f.id, f.name, f.active, v.version, f.created_at, v.created_at, v.definition FROM answer_bot_flows f
		JOIN answer_bot_flow_versions v ON v.flow_id = f.id WHERE f.id = ? AND v.version = ?`, id, ver))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return f, err
}

// activeFlow is the flow new chats start, at its newest version, or nil.
func (s *Service) activeFlow(ctx context.Context) (*Flow, error) {
	f, err := scanFlow(s.DB.QueryRow(ctx, `SELECT `+flowCols+` FROM answer_bot_flows f
		JOIN answer_bot_flow_versions v ON v.flow_id = f.id AND v.version = f.version WHERE f.active = TRUE ORDER BY f.id LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return f, err
}

// Flows lists every flow at its newest version.
func (s *Service) Flows(ctx context.Context) ([]*Flow, error) {
	if _, err := s.requireAdmin(ctx, false); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+flowCols+` FROM answer_bot_flows f
		JOIN answer_bot_flow_versions v ON v.flow_id = f.id AND v.version = f.version ORDER BY f.name, f.id`)
	if err != nil {
		return nil, fmt.Errorf("answerbot: flows: %w", err)
	}
	defer rows.Close()
	out := []*Flow{}
	for rows.Next() {
		f, err := scanFlow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Flow returns flow id at its newest version.
func (s *Service) Flow(ctx context.Context, id int64) (*Flow, error) {
	if _, err := s.requireAdmin(ctx, false); err != nil {
		return nil, err
	}
	return getFlow(ctx, s.DB, id)
}

// Versions lists every saved version of flow id, newest first.
func (s *Service) Versions(ctx context.Context, id int64) ([]FlowVersion, error) {
	if _, err := s.Flow(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT version, author_id, definition, created_at FROM answer_bot_flow_versions WHERE flow_id = ? ORDER BY version DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("answerbot: versions: %w", err)
	}
	defer rows.Close()
	out := []FlowVersion{}
	for rows.Next() {
		var fv FlowVersion
		var def string
		var created int64
		if err := rows.Scan(&fv.Version, &fv.AuthorID, &def, &created); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(def), &fv.Steps); err != nil {
			return nil, fmt.Errorf("answerbot: flow %d version %d: %w", id, fv.Version, err)
		}
		fv.CreatedAt = desk.TimeFromMicros(created)
		out = append(out, fv)
	}
	return out, rows.Err()
}

// The audit log's actions for flows (the entry's data names the flow and
// its version).
const (
	AuditFlowCreated     = "answer_bot_flow.created"
	AuditFlowUpdated     = "answer_bot_flow.updated"
	AuditFlowActivated   = "answer_bot_flow.activated"
	AuditFlowDeactivated = "answer_bot_flow.deactivated"
	AuditFlowDeleted     = "answer_bot_flow.deleted"
)

func auditFlow(ctx context.Context, tx *store.Tx, action string, f *Flow) error {
	return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: "answer_bot_flow", TargetID: f.ID,
		Data: map[string]any{"name": f.Name, "version": f.Version}})
}

// CreateFlow saves a new, inactive flow as its version 1.
func (s *Service) CreateFlow(ctx context.Context, in FlowInput) (*Flow, error) {
	p, err := s.requireAdmin(ctx, true)
	if err != nil {
		return nil, err
	}
	var out *Flow
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM answer_bot_flows`).Scan(&n); err != nil {
			return err
		}
		if n >= MaxFlows {
			return desk.Invalid("base", fmt.Sprintf("at most %d flows", MaxFlows))
		}
		f := &Flow{}
		if err := s.apply(ctx, tx, f, in); err != nil {
			return err
		}
		def, err := json.Marshal(f.Steps)
		if err != nil {
			return err
		}
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO answer_bot_flows (name, active, version, created_at, updated_at) VALUES (?, FALSE, 1, ?, ?)`, f.Name, now, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO answer_bot_flow_versions (flow_id, version, definition, author_id, created_at) VALUES (?, 1, ?, ?, ?)`,
			id, string(def), p.UserID, now); err != nil {
			return err
		}
		if out, err = getFlow(ctx, tx, id); err != nil {
			return err
		}
		return auditFlow(ctx, tx, AuditFlowCreated, out)
	})
	return out, wrap(err, "create flow")
}

// UpdateFlow saves a new version of flow id; chats already running keep
// the version they started with.
func (s *Service) UpdateFlow(ctx context.Context, id int64, in FlowInput) (*Flow, error) {
	p, err := s.requireAdmin(ctx, true)
	if err != nil {
		return nil, err
	}
	var out *Flow
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		f, err := getFlow(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.apply(ctx, tx, f, in); err != nil {
			return err
		}
		def, err := json.Marshal(f.Steps)
		if err != nil {
			return err
		}
		now := store.Now()
		ver := f.Version + 1
		if _, err := tx.Exec(ctx, `INSERT INTO answer_bot_flow_versions (flow_id, version, definition, author_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, ver, string(def), p.UserID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE answer_bot_flows SET name = ?, version = ?, updated_at = ? WHERE id = ?`, f.Name, ver, now, id); err != nil {
			return err
		}
		if out, err = getFlow(ctx, tx, id); err != nil {
			return err
		}
		return auditFlow(ctx, tx, AuditFlowUpdated, out)
	})
	return out, wrap(err, "update flow")
}

// Activate makes flow id the one new chats start (active=false: none).
func (s *Service) Activate(ctx context.Context, id int64, active bool) (*Flow, error) {
	if _, err := s.requireAdmin(ctx, true); err != nil {
		return nil, err
	}
	var out *Flow
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := getFlow(ctx, tx, id); err != nil {
			return err
		}
		now := store.Now()
		if active {
			if _, err := tx.Exec(ctx, `UPDATE answer_bot_flows SET active = FALSE, updated_at = ? WHERE active = TRUE AND id <> ?`, now, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE answer_bot_flows SET active = ?, updated_at = ? WHERE id = ?`, active, now, id); err != nil {
			return err
		}
		var err error
		if out, err = getFlow(ctx, tx, id); err != nil {
			return err
		}
		action := AuditFlowActivated
		if !active {
			action = AuditFlowDeactivated
		}
		return auditFlow(ctx, tx, action, out)
	})
	return out, wrap(err, "activate flow")
}

// DeleteFlow removes flow id and its versions; chats inside it hand over
// to a person on their next turn.
func (s *Service) DeleteFlow(ctx context.Context, id int64) error {
	if _, err := s.requireAdmin(ctx, true); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		f, err := getFlow(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM answer_bot_flows WHERE id = ?`, id); err != nil {
			return err
		}
		return auditFlow(ctx, tx, AuditFlowDeleted, f)
	})
	return wrap(err, "delete flow")
}

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *desk.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("answerbot: %s: %w", what, err)
}
