package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Custom field conditions ("custom_fields_<id>"). is / is_not compare the
// value as text (checkboxes as booleans, unset counting as false) and, when the rule's value is a
// number, numerically too (so 2.0 is 2); less_than / greater_than compare
// numbers when the rule's value is a number (integer and decimal fields
// store numbers) and dates when it is a date (YYYY-MM-DD; date fields store
// such text). A stored value of another kind never matches a comparison.
// Match (in memory) and sqlCustomField (SQL on both stores) give the same
// answers; TestCustomFieldOperatorsAgree checks it.

// cmpKind says how a rule value compares.
type cmpKind int

const (
	cmpNone cmpKind = iota
	cmpNumber
	cmpDate
)

// isDate reports whether s has a date's shape: four digits, '-', two
// digits, '-', two digits (the shape SQL tests with GLOB / ~).
func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ruleNumber reads a rule value as a finite number.
func ruleNumber(v any) (float64, bool) {
	if _, ok := v.(bool); ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(String(v), 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// compareAs is how rule value v compares with stored values.
func compareAs(v any) cmpKind {
	if s := String(v); isDate(s) {
		return cmpDate
	}
	if _, ok := ruleNumber(v); ok {
		return cmpNumber
	}
	return cmpNone
}

// storedNumber reads a stored custom field value as a number: only numbers
// are (a text field holding "42" is text).
func storedNumber(v any) (float64, bool) {
	switch x := normValue(v).(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func customRaw(t *desk.Ticket, id int64) any {
	if t == nil {
		return nil
	}
	for _, f := range t.CustomFields {
		if f.ID == id {
			return f.Value
		}
	}
	return nil
}

func customValue(t *desk.Ticket, id int64) string {
	return String(customRaw(t, id))
}

// customIs is the is test of stored value raw against rule value v. A
// checkbox that was never set is false.
func customIs(raw, v any) bool {
	if want, isBool := v.(bool); isBool {
		got, ok := normValue(raw).(bool)
		if raw == nil {
			got, ok = false, true
		}
		return ok && got == want
	}
	if String(raw) == String(v) {
		return true
	}
	want, ok := ruleNumber(v)
	if !ok {
		return false
	}
	got, ok := storedNumber(raw)
	return ok && got == want
}

// customCompare is the less_than / greater_than test.
func customCompare(raw any, op string, v any) bool {
	less := op == OpLessThan
	switch compareAs(v) {
	case cmpNumber:
		want, _ := ruleNumber(v)
		got, ok := storedNumber(raw)
		if !ok {
			return false
		}
		if less {
			return got < want
		}
		return got > want
	case cmpDate:
		got, ok := raw.(string)
		if !ok || !isDate(got) {
			return false
		}
		if less {
			return got < String(v)
		}
		return got > String(v)
	}
	return false
}

func matchCustomField(s *Subject, field, op string, v any) bool {
	id := FieldID(field)
	switch op {
	case OpIs:
		return customIs(customRaw(s.After(), id), v)
	case OpIsNot:
		return !customIs(customRaw(s.After(), id), v)
	case OpLessThan, OpGreaterThan:
		return customCompare(customRaw(s.After(), id), op, v)
	}
	return matchScalar(func(t *desk.Ticket) string { return customValue(t, id) }, nil)(s, field, op, v)
}

func sqlCustomField(b *SQL, field, op string, v any) (string, error) {
	id := FieldID(field)
	if id <= 0 {
		return "", errors.New("names no field")
	}
	key := strconv.FormatInt(id, 10)
	var text, isTrue, isFalse, num, date string
	if b.Dialect == store.Postgres {
		val := "(t.custom_fields::jsonb -> '" + key + "')"
		raw := "(t.custom_fields::jsonb ->> '" + key + "')"
		text = "COALESCE(" + raw + ", '')"
		typ := "COALESCE(jsonb_typeof(" + val + "), 'null')"
		isTrue = "(" + typ + " = 'boolean' AND " + raw + " = 'true')"
		isFalse = "(" + typ + " = 'null' OR " + typ + " = 'boolean' AND " + raw + " = 'false')"
		num = "(CASE WHEN jsonb_typeof(" + val + ") = 'number' THEN " + raw + "::double precision END)"
		date = "(CASE WHEN jsonb_typeof(" + val + ") = 'string' AND " + raw + " ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN " + raw + " END) COLLATE \"C\""
	} else {
		path := "'$.\"" + key + "\"'"
		raw := "json_extract(t.custom_fields, " + path + ")"
		jt := "json_type(t.custom_fields, " + path + ")"
		text = "COALESCE(CAST(" + raw + " AS TEXT), '')"
		isTrue = "COALESCE(" + jt + ", 'null') = 'true'"
		isFalse = "COALESCE(" + jt + ", 'null') IN ('false', 'null')"
		num = "(CASE WHEN " + jt + " IN ('integer', 'real') THEN " + raw + " END)"
		date = "(CASE WHEN " + jt + " = 'text' AND " + raw + " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN " + raw + " END)"
	}
	if bv, ok := v.(bool); ok && (op == OpIs || op == OpIsNot) {
		q := isFalse
		if bv {
			q = isTrue
		}
		if op == OpIsNot {
			return "NOT (" + q + ")", nil
		}
		return q, nil
	}
	switch op {
	case OpIs, OpIsNot:
		q := text + " = " + b.Arg(String(v))
		if n, ok := ruleNumber(v); ok {
			// A NULL comparison (not a number) counts as false.
			q = "(" + q + " OR COALESCE(" + num + " = " + b.Arg(n) + ", 1 = 0))"
		}
		if op == OpIsNot {
			return "NOT " + q, nil
		}
		return q, nil
	case OpPresent:
		return text + " <> ''", nil
	case OpNotPresent:
		return text + " = ''", nil
	case OpLessThan, OpGreaterThan:
		cmp := " < "
		if op == OpGreaterThan {
			cmp = " > "
		}
		switch compareAs(v) {
		case cmpNumber:
			n, _ := ruleNumber(v)
			return "COALESCE(" + num + cmp + b.Arg(n) + ", 1 = 0)", nil
		case cmpDate:
			return "COALESCE(" + date + cmp + b.Arg(String(v)) + ", 1 = 0)", nil
		}
		return "", errors.New("needs a number or a date (YYYY-MM-DD)")
	}
	return "", ErrNotSQL
}

// checkCustomField validates a custom field condition's value. Without a
// store it checks the value's shape (less_than and greater_than take a
// number or a date); with one (a rule being saved) the field must exist
// and the value fit its type: integer fields take whole numbers, decimal
// fields numbers, date fields dates, and only those three compare.
func checkCustomField(ctx context.Context, field, op string, v any) error {
	id := FieldID(field)
	if id <= 0 {
		return errors.New("names no field")
	}
	ordered := op == OpLessThan || op == OpGreaterThan
	if ordered && compareAs(v) == cmpNone {
		return errors.New("needs a number or a date (YYYY-MM-DD)")
	}
	q := DB(ctx)
	if q == nil {
		return nil
	}
	var typ string
	err := q.QueryRow(ctx, `SELECT type FROM ticket_fields WHERE id = ?`, id).Scan(&typ)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("names no ticket field %d", id)
	}
	if err != nil {
		return LookupError(fmt.Errorf("rules: ticket field %d: %w", id, err))
	}
	if !needsValue(op) {
		return nil
	}
	s := String(v)
	switch typ {
	case desk.FieldInteger:
		if _, ok := Int(v); !ok && !(s == "" && !ordered) {
			return errors.New("must be a whole number for an integer field")
		}
	case desk.FieldDecimal:
		if _, ok := ruleNumber(v); !ok && !(s == "" && !ordered) {
			return errors.New("must be a number for a decimal field")
		}
	case desk.FieldDate:
		if _, err := time.Parse("2006-01-02", s); err != nil && !(s == "" && !ordered) {
			return errors.New("must be a date (YYYY-MM-DD) for a date field")
		}
	default:
		if ordered {
			return fmt.Errorf("%s works only on integer, decimal and date fields", op)
		}
	}
	return nil
}
