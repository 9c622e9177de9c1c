package audit

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Names are what a page or an API answer shows beside entries: the actors'
// names and a label per target.
type Names struct {
	Actors  map[int64]string
	Targets map[string]string // "type:id" → label
}

// Actor is the name of actor id ("System" for 0, "" when unknown).
func (n Names) Actor(id int64) string {
	if id == 0 {
		return "System"
	}
	return n.Actors[id]
}

// Label names an entry's target: its current name where the record still
// exists, else the name the entry recorded, else "type #id".
func (n Names) Label(e Entry) string {
	if l := n.Targets[targetKey(e.TargetType, e.TargetID)]; l != "" {
		return l
	}
	for _, k := range []string{"name", "email", "subject", "address", "key"} {
		if s, ok := e.Data[k].(string); ok && s != "" {
			return s
		}
	}
	if e.TargetID == 0 {
		return e.TargetType
	}
	return e.TargetType + " #" + strconv.FormatInt(e.TargetID, 10)
}

func targetKey(typ string, id int64) string { return typ + ":" + strconv.FormatInt(id, 10) }

// labelQueries read a target's label by type; the tables belong to other
// packages and are only read here.
var labelQueries = map[string]string{
	"user":         `SELECT id, name FROM users WHERE id IN `,
	"group":        `SELECT id, name FROM agent_groups WHERE id IN `,
	"organization": `SELECT id, name FROM organizations WHERE id IN `,
	"ticket":       `SELECT id, subject FROM tickets WHERE id IN `,
	"mailbox":      `SELECT id, address FROM email_mailboxes WHERE id IN `,
	"custom_role":  `SELECT id, name FROM custom_roles WHERE id IN `,
}

// Resolve looks up the names es refer to. Callers have listed es, so the
// read permission was checked.
func Resolve(ctx context.Context, q store.Querier, es []Entry) (Names, error) {
	n := Names{Actors: map[int64]string{}, Targets: map[string]string{}}
	byType := map[string][]int64{}
	var actors []int64
	for _, e := range es {
		if e.ActorID != 0 {
			actors = append(actors, e.ActorID)
		}
		if _, ok := labelQueries[e.TargetType]; ok && e.TargetID != 0 {
			byType[e.TargetType] = append(byType[e.TargetType], e.TargetID)
		}
	}
	read := func(query string, ids []int64, put func(id int64, name string)) error {
		ids = uniq(ids)
		for len(ids) > 0 {
			chunk := ids[:min(len(ids), 500)]
			ids = ids[len(chunk):]
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			rows, err := q.Query(ctx, query+"("+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+")", args...)
			if err != nil {
				return fmt.Errorf("audit: names: %w", err)
			}
			for rows.Next() {
				var id int64
				var name string
				if err := rows.Scan(&id, &name); err != nil {
					rows.Close()
					return fmt.Errorf("audit: names: %w", err)
				}
				put(id, name)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return fmt.Errorf("audit: names: %w", err)
			}
		}
		return nil
	}
	if err := read(labelQueries["user"], actors, func(id int64, name string) { n.Actors[id] = name }); err != nil {
		return n, err
	}
	for typ, ids := range byType {
		if err := read(labelQueries[typ], ids, func(id int64, name string) { n.Targets[targetKey(typ, id)] = name }); err != nil {
			return n, err
		}
	}
	return n, nil
}

func uniq(ids []int64) []int64 {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}

// Describe is the entry's change in one line: each changed field with its
// before and after value, then further context, in a stable order.
func Describe(e Entry) string {
	var parts []string
	keys := make([]string, 0, len(e.Changes))
	for k := range e.Changes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := e.Changes[k]
		parts = append(parts, fmt.Sprintf("%s: %s → %s", k, show(c.Before), show(c.After)))
	}
	keys = keys[:0]
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %s", k, show(e.Data[k])))
	}
	if c := e.Credential; c != nil {
		s := fmt.Sprintf("via %s %d", c.Type, c.TokenID)
		if c.ImpersonatorID != 0 {
			s += fmt.Sprintf(" (acting as the actor: user %d)", c.ImpersonatorID)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// show renders a JSON value briefly.
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "—"
	case string:
		if v == "" {
			return `""`
		}
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// ActingAs is the user an entry was made on behalf of, when the actor acted
// through someone else's credential (an OAuth token's impersonate scope):
// the impersonating admin; 0 otherwise.
func ActingAs(e Entry) int64 {
	if e.Credential != nil {
		return e.Credential.ImpersonatorID
	}
	return 0
}

// SafeCell neutralises spreadsheet formula injection: a cell that starts
// with = + - @, a tab or a carriage return gets a leading apostrophe, so a
// spreadsheet shows it as text instead of evaluating it.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// CSVHeader is the first row of WriteCSV.
var CSVHeader = []string{"id", "created_at", "actor_id", "actor_name", "acting_as", "via", "action", "source_type", "source_id", "source_label", "ip_address", "user_agent", "change_description", "seq", "hash"}

// CSVWriter writes entries as CSV, every cell neutralised.
type CSVWriter struct{ w *csv.Writer }

// NewCSVWriter writes the header to w.
func NewCSVWriter(w io.Writer) (*CSVWriter, error) {
	c := &CSVWriter{w: csv.NewWriter(w)}
	return c, c.w.Write(CSVHeader)
}

// Write adds es, named by n.
func (c *CSVWriter) Write(es []Entry, n Names) error {
	for _, e := range es {
		rec := []string{strconv.FormatInt(e.ID, 10), e.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), strconv.FormatInt(e.ActorID, 10),
			n.Actor(e.ActorID), strconv.FormatInt(ActingAs(e), 10), e.Via, e.Action, e.TargetType, strconv.FormatInt(e.TargetID, 10),
			n.Label(e), e.IP, e.UserAgent, Describe(e), strconv.FormatInt(e.Seq, 10), e.Hash}
		for i := range rec {
			rec[i] = SafeCell(rec[i])
		}
		if err := c.w.Write(rec); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}
