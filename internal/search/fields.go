package search

import (
	"context"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/search/query"
)

// Every condition built here is NULL-free (nullable columns are tested
// with IS NULL / IS NOT NULL first), so wrapping it in NOT (…) for a negated term keeps
// exactly the rows the positive form drops. Values are always bound.

// ticketCond is the condition for one ticket field term (alias t).
func (r *run) ticketCond(ctx context.Context, t query.Term) (string, []any, error) {
	v := stripNUL(t.Value)
	lv := strings.ToLower(v)
	switch t.Field {
	case "status":
		if t.Op == query.OpEq {
			if rank := desk.StatusRank(lv); rank >= 0 && !t.Prefix {
				return "t.status_rank = ?", []any{rank}, nil // indexed
			}
			return textEq("t.status", lv, t.Prefix, false)
		}
		op, err := sqlOp(t.Op)
		if err != nil {
			return "", nil, err
		}
		return "t.status_rank " + op + " ?", []any{desk.StatusRank(lv)}, nil
	case "priority":
		if t.Op == query.OpEq {
			if lv == "none" && !t.Prefix {
				return "t.priority IS NULL", nil, nil
			}
			return textEq("t.priority", lv, t.Prefix, true)
		}
		// Tickets without a priority are neither above nor below one.
		op, err := sqlOp(t.Op)
		if err != nil {
			return "", nil, err
		}
		return "t.priority_rank >= 0 AND t.priority_rank " + op + " ?", []any{desk.PriorityRank(lv)}, nil
	case "ticket_type":
		if lv == "none" && !t.Prefix {
			return "t.type IS NULL", nil, nil
		}
		return textEq("t.type", lv, t.Prefix, true)
	case "via":
		return textEq("t.via_channel", lv, t.Prefix, false)
	case "external_id":
		return textEq("t.external_id", v, t.Prefix, true)
	case "assignee", "requester", "submitter":
		set, err := r.userRef(ctx, t)
		if err != nil {
			return "", nil, err
		}
		c, a := set.in("t."+t.Field+"_id", t.Field == "assignee")
		return c, a, nil
	case "organization":
		set, err := r.orgRef(ctx, t)
		if err != nil {
			return "", nil, err
		}
		c, a := set.in("t.organization_id", true)
		return c, a, nil
	case "group":
		set, err := r.groupRef(ctx, t)
		if err != nil {
			return "", nil, err
		}
		c, a := set.in("t.group_id", true)
		return c, a, nil
	case "commenter":
		set, err := r.userRef(ctx, t)
		if err != nil {
			return "", nil, err
		}
		// End-users only learn about public comments, so internal notes
		// cannot be probed for their authors.
		base := "SELECT 1 FROM ticket_comments cm WHERE cm.ticket_id = t.id"
		var args []any
		if !r.p.IsStaff() {
			base += " AND cm.public = ?"
			args = append(args, true)
		}
		return existsIn(base, "cm.author_id", set, args)
	case "cc":
		set, err := r.userRef(ctx, t)
		if err != nil {
			return "", nil, err
		}
		return existsIn("SELECT 1 FROM ticket_collaborators cl WHERE cl.ticket_id = t.id", "cl.user_id", set, nil)
	case "tags":
		if lv == "none" && !t.Prefix {
			return "NOT EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id)", nil, nil
		}
		c, a, _ := textEq("tt.tag", lv, t.Prefix, false)
		return "EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND " + c + ")", a, nil
	case "has_attachment":
		var want bool
		switch lv {
		case "true", "yes", "1":
			want = true
		case "false", "no", "0":
		default:
			return "", nil, invalidSearch("has_attachment must be true or false")
		}
		c := "EXISTS (SELECT 1 FROM attachments at JOIN ticket_comments ac ON ac.id = at.comment_id WHERE at.ticket_id = t.id"
		var args []any
		if !r.p.IsStaff() {
			c += " AND ac.public = ?"
			args = append(args, true)
		}
		c += ")"
		if !want {
			c = "NOT " + c
		}
		return c, args, nil
	case "created":
		return r.dateCond("t.created_at", t, false)
	case "updated":
		return r.dateCond("t.updated_at", t, false)
	case "solved":
		return r.dateCond("t.solved_at", t, true)
	case "due_date":
		return r.dateCond("t.due_at", t, true)
	}
	if id, ok := query.CustomFieldID(t.Field); ok {
		return r.customFieldCond(ctx, id, t)
	}
	return "", nil, errNotApplicable
}

// userCond is the condition for one user field term (alias u).
func (r *run) userCond(ctx context.Context, t query.Term) (string, []any, error) {
	v := stripNUL(t.Value)
	lv := strings.ToLower(v)
	switch t.Field {
	case "email":
		set := emailSet(strings.TrimSpace(lv), t.Prefix)
		c, a := set.in("u.id", false)
		return c, a, nil
	case "name":
		ids, err := r.names(ctx, "users", "user_search", v, t.Prefix, false)
		if err != nil {
			return "", nil, err
		}
		c, a := idList(r.db.Dialect, ids).in("u.id", false)
		return c, a, nil
	case "role":
		return textEq("u.role", lv, t.Prefix, false)
	case "organization":
		set, err := r.orgRef(ctx, t)
		if err != nil {
			return "", nil, err
		}
		// Any membership counts, not only the default one.
		if set.none {
			return "NOT EXISTS (SELECT 1 FROM organization_memberships om WHERE om.user_id = u.id)", nil, nil
		}
		return existsIn("SELECT 1 FROM organization_memberships om WHERE om.user_id = u.id", "om.organization_id", set, nil)
	case "group":
		set, err := r.groupRef(ctx, t)
		if err != nil {
			return "", nil, err
		}
		if set.none {
			return "NOT EXISTS (SELECT 1 FROM group_memberships gm WHERE gm.user_id = u.id)", nil, nil
		}
		return existsIn("SELECT 1 FROM group_memberships gm WHERE gm.user_id = u.id", "gm.group_id", set, nil)
	case "tags":
		return listTag("u.tags", lv, t.Prefix)
	case "phone":
		c, a, _ := textEq("u.phone", v, t.Prefix, false)
		ic, ia, _ := textEq("ph.value", v, t.Prefix, false)
		return "(" + c + " OR u.id IN (SELECT ph.user_id FROM user_identities ph WHERE ph.type = ? AND " + ic + "))",
			append(append(a, "phone_number"), ia...), nil
	case "external_id":
		return textEq("u.external_id", v, t.Prefix, true)
	case "created":
		return r.dateCond("u.created_at", t, false)
	case "updated":
		return r.dateCond("u.updated_at", t, false)
	}
	return r.personFieldCond(ctx, "user", "u.user_fields", t)
}

// orgCond is the condition for one organization field term (alias o).
func (r *run) orgCond(ctx context.Context, t query.Term) (string, []any, error) {
	v := stripNUL(t.Value)
	lv := strings.ToLower(v)
	switch t.Field {
	case "name":
		ids, err := r.names(ctx, "organizations", "organization_search", v, t.Prefix, false)
		if err != nil {
			return "", nil, err
		}
		c, a := idList(r.db.Dialect, ids).in("o.id", false)
		return c, a, nil
	case "tags":
		return listTag("o.tags", lv, t.Prefix)
	case "external_id":
		return textEq("o.external_id", v, t.Prefix, true)
	case "group":
		set, err := r.groupRef(ctx, t)
		if err != nil {
			return "", nil, err
		}
		c, a := set.in("o.group_id", true)
		return c, a, nil
	case "created":
		return r.dateCond("o.created_at", t, false)
	case "updated":
		return r.dateCond("o.updated_at", t, false)
	}
	return r.personFieldCond(ctx, "organization", "o.fields", t)
}

// sqlOp maps a comparison onto SQL from a fixed list, so nothing from the
// query text is ever spliced into a statement.
func sqlOp(op query.Op) (string, error) {
	switch op {
	case query.OpLT:
		return "<", nil
	case query.OpLE:
		return "<=", nil
	case query.OpGT:
		return ">", nil
	case query.OpGE:
		return ">=", nil
	}
	return "", invalidSearch("unsupported comparison")
}

// textEq compares a text column with v, or with v as a prefix through
// LIKE with its wildcards escaped. A nullable column is tested with IS NOT
// NULL first rather than wrapped in COALESCE, so indexes stay usable.
func textEq(col, v string, prefix, nullable bool) (string, []any, error) {
	c, arg := col+" = ?", any(v)
	if prefix {
		c, arg = col+` LIKE ? ESCAPE '\'`, escapeLike(v)+"%"
	}
	if nullable {
		c = col + " IS NOT NULL AND " + c
	}
	return c, []any{arg}, nil
}

// listTag matches one tag of a space-separated tag column.
func listTag(col, tag string, prefix bool) (string, []any, error) {
	if tag == "none" && !prefix {
		return col + " = ''", nil, nil
	}
	pat := "% " + escapeLike(tag)
	if prefix {
		pat += "%"
	} else {
		pat += " %"
	}
	return "(' ' || " + col + " || ' ') LIKE ? ESCAPE '\\'", []any{pat}, nil
}

// existsIn is EXISTS (base AND col IN set), or NOT EXISTS (base) for none.
func existsIn(base, col string, set idSet, args []any) (string, []any, error) {
	switch {
	case set.none:
		return "NOT EXISTS (" + base + ")", args, nil
	case set.empty:
		return "1=0", nil, nil
	}
	return "EXISTS (" + base + " AND " + col + " IN " + set.sql + ")", append(args, set.args...), nil
}

// dateCond compares a microsecond column with a date term. A date without
// a time stands for that whole day (in the clock's location), a timestamp
// for its second and "field:2days" for the day two days ago; <, <=, > and
// >= compare with the start or the end of that span. optional columns use
// 0 for "unset", which never matches.
func (r *run) dateCond(col string, t query.Term, optional bool) (string, []any, error) {
	tm, err := t.Time(r.now)
	if err != nil {
		return "", nil, invalidSearch(t.Field + " needs a date like 2025-01-31, 2025-01-31T15:04:05Z or 4hours")
	}
	var lo, hi time.Time
	switch {
	case isDateOnly(t.Value):
		lo, hi = tm, tm.AddDate(0, 0, 1)
	case isTimestamp(t.Value):
		lo = tm.Truncate(time.Second)
		hi = lo.Add(time.Second)
	case t.Op == query.OpEq:
		y, m, d := tm.In(r.now.Location()).Date()
		lo = time.Date(y, m, d, 0, 0, 0, 0, r.now.Location())
		hi = lo.AddDate(0, 0, 1)
	default:
		lo, hi = tm, tm.Add(time.Microsecond)
	}
	var c string
	var args []any
	switch t.Op {
	case query.OpEq:
		c, args = col+" >= ? AND "+col+" < ?", []any{micros(lo), micros(hi)}
	case query.OpLT:
		c, args = col+" < ?", []any{micros(lo)}
	case query.OpLE:
		c, args = col+" < ?", []any{micros(hi)}
	case query.OpGT:
		c, args = col+" >= ?", []any{micros(hi)}
	case query.OpGE:
		c, args = col+" >= ?", []any{micros(lo)}
	default:
		return "", nil, invalidSearch("unsupported operator")
	}
	if optional {
		c = col + " > 0 AND " + c
	}
	return c, args, nil
}

func isDateOnly(v string) bool {
	_, err := time.Parse(time.DateOnly, v)
	return err == nil
}

func isTimestamp(v string) bool {
	_, err := time.Parse(time.RFC3339, v)
	return err == nil
}

// micros converts to the stores' microseconds, clamped so that relative
// values far in the past ("1000000years") cannot overflow int64.
func micros(t time.Time) int64 {
	const limit = 9_000_000_000_000 // seconds (±285,000 years); limit*1e6 still fits int64
	sec := t.Unix()
	switch {
	case sec > limit:
		return limit * 1e6
	case sec < -limit:
		return -limit * 1e6
	}
	return sec*1e6 + int64(t.Nanosecond()/1000)
}
