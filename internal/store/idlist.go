package store

import "strings"

// Placeholders is n comma-separated "?" for an IN list ("" for n <= 0).
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// AnyID returns the test that a column is one of ids — the caller writes
// the column before it — and its arguments. On PostgreSQL the test is
// ` = ANY(?)` with the ids as one array parameter: the statement's text,
// and so its prepared plan, is the same however many ids there are, and
// the driver encodes one value rather than one per id (a page's 100 ids,
// bound one by one, were a sixth of a list's allocations). On SQLite,
// which has no arrays, it is an IN list of placeholders, and the arguments
// have room for a second copy of themselves, so a statement testing two
// columns against the same ids appends them again without growing. ids
// must not be empty.
func AnyID(q Querier, ids []int64) (string, []any) {
	if dialectOf(q) == Postgres {
		return " = ANY(?)", []any{ids}
	}
	args := make([]any, len(ids), 2*len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return " IN (" + Placeholders(len(ids)) + ")", args
}

// dialectOf is the SQL flavour behind q (SQLite for a Querier of unknown
// kind, whose IN lists work on both stores).
func dialectOf(q Querier) Dialect {
	switch v := q.(type) {
	case *DB:
		return v.Dialect
	case *Tx:
		return v.db.Dialect
	case byValue:
		return v.db.Dialect
	}
	return SQLite
}
