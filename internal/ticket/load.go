package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// ticketColumns is the column list every ticket read uses (alias t). A
// ticket's collaborators and whether it has incidents are read for a whole
// page at once by loadRelations, not here: on PostgreSQL a subquery per row
// (has_incidents was one) costs about a microsecond a row, and several on
// a table of a few rows (a sequential scan, with a system call to size the
// table, on each) — more than the one extra statement that reads them for
// all the page's tickets by index (BENCHMARKS.md, "P12: statements of a
// page").
const ticketColumns = `t.id, t.external_id, t.type, t.subject, t.description, t.priority, t.status, t.recipient,
	t.requester_id, t.submitter_id, t.assignee_id, t.organization_id, t.group_id, t.problem_id, t.due_at,
	t.via_channel, t.via_source, t.is_public, t.tags, t.custom_fields, t.version, t.created_at, t.updated_at, t.deleted_at, t.ticket_form_id, t.solved_at`

type scanner interface{ Scan(dest ...any) error }

// ticketRow receives one row of ticketColumns. Scan's destinations escape
// to the heap, so as locals of scanTicket they were 18 allocations per
// ticket (17 variables and the argument list); a query reuses one ticketRow,
// and its argument list, for all its rows. Every field is set by each Scan
// (a NULL resets the Null types).
type ticketRow struct {
	id, requester, submitter, version         int64
	subject, description, status              string
	extID, typ, prio, recipient               sql.NullString
	assignee, org, group, problem, form       sql.NullInt64
	dueAt, created, updated, deleted, solved  int64
	viaChannel, viaSource, tags, customFields string
	public                                    bool
	dest                                      []any
}

func scanTicket(row scanner) (*desk.Ticket, error) {
	return new(ticketRow).scan(row)
}

func (r *ticketRow) scan(row scanner) (*desk.Ticket, error) {
	if r.dest == nil {
		r.dest = []any{&r.id, &r.extID, &r.typ, &r.subject, &r.description, &r.prio, &r.status, &r.recipient,
			&r.requester, &r.submitter, &r.assignee, &r.org, &r.group, &r.problem, &r.dueAt,
			&r.viaChannel, &r.viaSource, &r.public, &r.tags, &r.customFields, &r.version, &r.created, &r.updated, &r.deleted,
			&r.form, &r.solved}
	}
	if err := row.Scan(r.dest...); err != nil {
		return nil, err
	}
	t := &desk.Ticket{ID: r.id, Subject: r.subject, RawSubject: r.subject, Description: r.description,
		Status: desk.Status(r.status), RequesterID: r.requester, SubmitterID: r.submitter, IsPublic: r.public,
		Version: r.version}
	t.ExternalID = nullStr(r.extID)
	t.Type = nullStr(r.typ)
	t.Priority = nullStr(r.prio)
	t.Recipient = nullStr(r.recipient)
	t.AssigneeID = nullInt(r.assignee)
	t.OrganizationID = nullInt(r.org)
	t.GroupID = nullInt(r.group)
	t.ProblemID = nullInt(r.problem)
	t.TicketFormID = nullInt(r.form)
	t.DueAt = desk.NullTimeFromMicros(r.dueAt)
	t.CreatedAt = desk.TimeFromMicros(r.created)
	t.UpdatedAt = desk.TimeFromMicros(r.updated)
	t.DeletedAt = desk.NullTimeFromMicros(r.deleted)
	t.SolvedAt = desk.NullTimeFromMicros(r.solved)
	t.Via = desk.NewVia(r.viaChannel)
	// The empty source is what most tickets (API, web, chat) store: no
	// decoding for it, the maps are filled below as for any other.
	if r.viaSource != "" && r.viaSource != emptyViaSource {
		_ = json.Unmarshal([]byte(r.viaSource), &t.Via.Source)
	}
	if r.viaSource != "" {
		if t.Via.Source.From == nil {
			t.Via.Source.From = map[string]any{}
		}
		if t.Via.Source.To == nil {
			t.Via.Source.To = map[string]any{}
		}
	}
	t.Tags = splitTags(r.tags)
	t.CustomFields = decodeCustomFields(r.customFields)
	t.Fields = t.CustomFields
	t.CollaboratorIDs, t.FollowerIDs, t.EmailCCIDs = []int64{}, []int64{}, []int64{}
	t.AllowAttachments = true
	t.AllowChannelback = false
	return t, nil
}

func splitTags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, " ")
}

// emptyViaSource is how an empty desk.ViaSource is stored.
const emptyViaSource = `{"from":{},"to":{},"rel":null}`

func decodeCustomFields(s string) []desk.CustomFieldValue {
	if s == "" || s == "{}" {
		return []desk.CustomFieldValue{}
	}
	m := map[string]any{}
	_ = json.Unmarshal([]byte(s), &m)
	out := make([]desk.CustomFieldValue, 0, len(m))
	for k, v := range m {
		id, _ := strconv.ParseInt(k, 10, 64)
		out = append(out, desk.CustomFieldValue{ID: id, Value: v})
	}
	slices.SortFunc(out, func(a, b desk.CustomFieldValue) int { return int(a.ID - b.ID) })
	return out
}

func encodeCustomFields(v []desk.CustomFieldValue) string {
	m := make(map[string]any, len(v))
	for _, f := range v {
		if f.Value != nil {
			m[strconv.FormatInt(f.ID, 10)] = f.Value
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// nullStr and nullInt allocate only for a value: their copy of it is made
// in the branch that returns it (a pointer to the parameter itself would
// move the parameter to the heap on every call, NULL or not).
func nullStr(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	s := v.String
	return &s
}

func nullInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	n := v.Int64
	return &n
}

// loadTx reads one ticket with its collaborators; deleted tickets only when
// asked. It applies no authorization: callers check visibility.
func loadTx(ctx context.Context, q store.Querier, id int64, withDeleted bool) (*desk.Ticket, error) {
	return loadOneTx(ctx, q, id, withDeleted, "")
}

// loadOneTx reads ticket id with its collaborators, live only unless
// withDeleted, under the further SQL condition where (with its args) when
// not empty. No row is "not found"; a database error stays an error.
func loadOneTx(ctx context.Context, q store.Querier, id int64, withDeleted bool, where string, args ...any) (*desk.Ticket, error) {
	cond := " AND t.deleted_at = 0"
	if withDeleted {
		cond = ""
	}
	if where != "" {
		cond += ` AND ` + where
	}
	t, err := scanTicket(q.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.id = ?`+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, err
	}
	if err := loadRelations(ctx, q, []*desk.Ticket{t}); err != nil {
		return nil, err
	}
	return t, nil
}

// loadRelations fills, for a page of tickets in one statement, their CCs,
// followers and collaborators (each in ascending user order) and whether
// any ticket, deleted or not, names one of them as its problem.
func loadRelations(ctx context.Context, q store.Querier, ts []*desk.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	byID := make(map[int64]*desk.Ticket, len(ts))
	ids := make([]int64, len(ts))
	for i, t := range ts {
		byID[t.ID] = t
		ids[i] = t.ID
	}
	query, args := relationsQuery(q, ids)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var tid, uid int64 // declared once: Scan's destinations escape to the heap
	var kind string
	for rows.Next() {
		if err := rows.Scan(&tid, &uid, &kind); err != nil {
			return err
		}
		t := byID[tid]
		switch kind {
		case incidentsKind:
			t.HasIncidents = true
			continue
		case "follower":
			t.FollowerIDs = append(t.FollowerIDs, uid)
		case "email_cc":
			t.EmailCCIDs = append(t.EmailCCIDs, uid)
		}
		if !slices.Contains(t.CollaboratorIDs, uid) {
			t.CollaboratorIDs = append(t.CollaboratorIDs, uid)
		}
	}
	return rows.Err()
}

// relationsQuery is loadRelations' statement for the tickets of ids, and
// its arguments: the collaborators' rows, then a row of kind incidentsKind
// for each of them that is some ticket's problem (by the partial index
// tickets_problem: a probe per id, not a scan).
func relationsQuery(q store.Querier, ids []int64) (string, []any) {
	in, args := store.AnyID(q, ids)
	return `SELECT ticket_id, user_id, kind FROM ticket_collaborators WHERE ticket_id` + in + `
		UNION ALL SELECT DISTINCT problem_id, 0, '` + incidentsKind + `' FROM tickets WHERE problem_id` + in + `
		ORDER BY 1, 2`, append(args, args...)
}

// incidentsKind marks loadRelations' row for a problem's incidents; no
// collaborator has it (collaborators.go).
const incidentsKind = "incidents"

// loadVisibleTx reads one ticket p may see, with its collaborators; deleted
// tickets only when asked. The visibility rule is the SQL one (visibility),
// applied in the same query: a ticket p may not see is "not found", and a
// database error stays an error.
func loadVisibleTx(ctx context.Context, q store.Querier, p *desk.Principal, id int64, withDeleted bool) (*desk.Ticket, error) {
	vis, args := visibility(p)
	return loadOneTx(ctx, q, id, withDeleted, vis, args...)
}

// canSeeTx reports whether p may see live ticket id, by the one visibility
// rule in SQL. A database error is returned, never read as "no".
func canSeeTx(ctx context.Context, q store.Querier, p *desk.Principal, id int64) (bool, error) {
	vis, args := visibility(p)
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM tickets t WHERE t.id = ? AND t.deleted_at = 0 AND `+vis, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
