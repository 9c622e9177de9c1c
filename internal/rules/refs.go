package rules

import (
	"context"
	"errors"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Checks of condition values and actions (ConditionSpec.Check,
// ActionSpec.Check) get a context. When a rule is saved, the saving
// service puts its transaction in the context (WithDB), so a check can
// refuse a reference to a user, group, webhook or SLA policy that does not
// exist. Without one (a check of the shape alone, as fuzz tests run) the
// references are not looked up; actions check them again when they fire.

type dbKey struct{}

// WithDB returns ctx carrying q for the reference checks of Validate.
func WithDB(ctx context.Context, q store.Querier) context.Context {
	return context.WithValue(ctx, dbKey{}, q)
}

// DB is the querier WithDB put in ctx, or nil.
func DB(ctx context.Context) store.Querier {
	q, _ := ctx.Value(dbKey{}).(store.Querier)
	return q
}

// errNoUser and errNoGroup are the reasons given for references to
// records that do not exist.
var (
	errNoUser  = errors.New("names no user")
	errNoGroup = errors.New("names no group")
)

// exists runs a COUNT query (its first argument an id) against the DB in ctx;
// true when there is none to ask.
func exists(ctx context.Context, query string, args ...any) (bool, error) {
	q := DB(ctx)
	if q == nil {
		return true, nil
	}
	var n int
	if err := q.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return false, &lookupError{fmt.Errorf("rules: check reference %v: %w", args[0], err)}
	}
	return n > 0, nil
}

// CheckUserRef refuses a user id that does not exist (or was purged).
func CheckUserRef(ctx context.Context, id int64) error {
	ok, err := exists(ctx, `SELECT COUNT(*) FROM users WHERE id = ? AND purged_at = 0`, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w %d", errNoUser, id)
	}
	return nil
}

// CheckGroupRef refuses a group id that does not exist (or was deleted).
func CheckGroupRef(ctx context.Context, id int64) error {
	ok, err := exists(ctx, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND deleted = ?`, id, false)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w %d", errNoGroup, id)
	}
	return nil
}

// lookupError is a failed look-up of a reference (the store did not
// answer), as opposed to a reference found missing: Validate returns it
// as it is rather than as a problem with the rule.
type lookupError struct{ err error }

func (e *lookupError) Error() string { return e.err.Error() }
func (e *lookupError) Unwrap() error { return e.err }

// LookupError marks err (from a reference check's own store query) as a
// failed look-up, so Validate returns it instead of refusing the rule.
func LookupError(err error) error {
	if err == nil {
		return nil
	}
	return &lookupError{err}
}

// RulesUsing lists the triggers and automations, active or not, with an
// action on field whose value match accepts, triggers first, each by
// position. Another package that owns what the actions name (webhooks)
// asks it before deleting.
func RulesUsing(ctx context.Context, q store.Querier, field string, match func(v any) bool) ([]Ref, error) {
	var out []Ref
	for _, k := range []struct {
		kind  Kind
		table string
	}{{KindTrigger, "triggers"}, {KindAutomation, "automations"}} {
		rows, err := q.Query(ctx, `SELECT id, title, actions FROM `+k.table+` WHERE actions LIKE ? ESCAPE '!' ORDER BY position, id`,
			"%"+likeEscape(field)+"%")
		if err != nil {
			return nil, fmt.Errorf("rules: %s using %s: %w", k.table, field, err)
		}
		for rows.Next() {
			var ref Ref
			var raw string
			if err := rows.Scan(&ref.ID, &ref.Title, &raw); err != nil {
				rows.Close()
				return nil, fmt.Errorf("rules: %s using %s: %w", k.table, field, err)
			}
			acts, err := DecodeActions([]byte(raw))
			if err != nil {
				continue // not an action list: calls nothing
			}
			for _, a := range acts {
				if a.Field == field && match(a.Value) {
					ref.Kind = k.kind
					out = append(out, ref)
					break
				}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("rules: %s using %s: %w", k.table, field, err)
		}
	}
	return out, nil
}
