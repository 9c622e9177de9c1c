package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/search/query"
	"github.com/frontdesk/frontdesk/internal/store"
)

// customFieldCond is the condition for Zendesk's custom_field_{id}:value
// term on tickets (alias t): the ticket's value of custom ticket field id,
// compared as text without regard to case (a dropdown's value is its tag,
// a checkbox's true or false, a date's YYYY-MM-DD), or by prefix with '*'.
// An unchecked checkbox (no value) matches false.
//
// A field that does not exist, or that end-users may not see
// (visible_in_portal off) when an end-user searches, matches no ticket, so
// its values cannot be probed; negated, it then excludes none, which tells
// nothing either.
func (r *run) customFieldCond(ctx context.Context, id int64, t query.Term) (string, []any, error) {
	var typ string
	var visible bool
	err := r.db.QueryRow(ctx, `SELECT type, visible_in_portal FROM ticket_fields WHERE id = ?`, id).Scan(&typ, &visible)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !visible && !r.p.IsStaff()) {
		return "1=0", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("custom field %d: %w", id, err)
	}
	key := strconv.FormatInt(id, 10)
	// The value as lower-case text, '' when unset, on both stores: JSON
	// booleans read as true/false and numbers in their shortest form.
	var val string
	var args []any
	if r.db.Dialect == store.Postgres {
		val = `COALESCE(LOWER(CAST(t.custom_fields AS JSONB) ->> CAST(? AS TEXT)), '')`
		args = []any{key}
	} else {
		path := `$."` + key + `"`
		val = `COALESCE(LOWER(CASE json_type(t.custom_fields, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ` +
			`ELSE CAST(json_extract(t.custom_fields, ?) AS TEXT) END), '')`
		args = []any{path, path}
	}
	lv := strings.ToLower(stripNUL(t.Value))
	if typ == "checkbox" && !t.Prefix {
		switch lv {
		case "true", "yes", "1":
			return val + " = ?", append(args, "true"), nil
		case "false", "no", "0":
			return val + " IN ('', ?)", append(args, "false"), nil
		}
	}
	c, a, _ := textEq(val, lv, t.Prefix, false)
	return c, append(args, a...), nil
}
