package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
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
	val, args := r.jsonValueText("t.custom_fields", strconv.FormatInt(id, 10))
	return jsonValueCond(val, args, typ, t)
}

// jsonValueText is an SQL expression for the value under key of the JSON
// object in col, as lower-case text, ” when unset, on both stores: JSON
// booleans read as true/false and numbers in their shortest form. key is
// passed as an argument, never spliced into the statement.
func (r *run) jsonValueText(col, key string) (string, []any) {
	if r.db.Dialect == store.Postgres {
		return `COALESCE(LOWER(CAST(` + col + ` AS JSONB) ->> CAST(? AS TEXT)), '')`, []any{key}
	}
	path := `$."` + key + `"`
	return `COALESCE(LOWER(CASE json_type(` + col + `, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ` +
		`ELSE CAST(json_extract(` + col + `, ?) AS TEXT) END), '')`, []any{path, path}
}

// jsonValueCond compares val (from jsonValueText) with the term's value:
// as text without regard to case, by prefix with '*'; an unchecked
// checkbox (no value) matches false.
func jsonValueCond(val string, args []any, typ string, t query.Term) (string, []any, error) {
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

// personFieldCond is the condition for a term on a user or organization
// field, named by its key (Zendesk's "type:user plan:gold"): scope is
// "user" or "organization", col the record's JSON values column. A term
// naming no field of scope is not applicable (errNotApplicable). Field
// values are for staff: when an end-user searches, such a term matches
// nothing, so values cannot be probed.
func (r *run) personFieldCond(ctx context.Context, scope, col string, t query.Term) (string, []any, error) {
	var typ, key string
	err := r.db.QueryRow(ctx, `SELECT type, field_key FROM person_fields WHERE scope = ? AND LOWER(field_key) = ? ORDER BY id LIMIT 1`,
		scope, strings.ToLower(stripNUL(t.Field))).Scan(&typ, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, errNotApplicable
	}
	if err != nil {
		return "", nil, fmt.Errorf("%s field %q: %w", scope, t.Field, err)
	}
	if !r.p.IsStaff() {
		return "1=0", nil, nil
	}
	val, args := r.jsonValueText(col, key)
	return jsonValueCond(val, args, typ, t)
}

// personFieldKeys returns the keys of user and organization fields, lower
// case, which staff may search by ("plan:gold"); end-users search tickets
// only, so they get none.
func (s *Service) personFieldKeys(ctx context.Context, p *desk.Principal) (map[string]bool, error) {
	keys := map[string]bool{}
	if !p.IsStaff() {
		return keys, nil
	}
	rows, err := s.DB.Query(ctx, `SELECT field_key FROM person_fields`)
	if err != nil {
		return nil, fmt.Errorf("person field keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys[strings.ToLower(k)] = true
	}
	return keys, rows.Err()
}

// Parse parses q as Search would for the acting principal: with the keys
// of user and organization fields known to staff.
func (s *Service) Parse(ctx context.Context, q string) (*query.Query, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	return s.parse(ctx, p, q)
}

func (s *Service) parse(ctx context.Context, p *desk.Principal, q string) (*query.Query, error) {
	keys, err := s.personFieldKeys(ctx, p)
	if err != nil {
		return nil, err
	}
	return query.ParseWith(q, func(name string) bool { return keys[name] })
}
