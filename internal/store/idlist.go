package store

import "strings"

// AnyID returns a condition that col is one of ids, and its arguments. On
// PostgreSQL it is `col = ANY(?)` with the ids as one array parameter: the
// statement's text, and so its prepared plan, is the same however many ids
// there are, and the driver encodes one value rather than one per id (a
// page's 100 ids, bound one by one, were a sixth of a list's allocations).
// On SQLite, which has no arrays, it is an IN list of placeholders. The
// condition is col followed by its test. col is SQL written by the caller,
// never input. ids must not be empty.
func AnyID(q Querier, col string, ids []int64) (string, []any) {
	if dialectOf(q) == Postgres {
		return col + " = ANY(?)", []any{ids}
	}
	// Room for a second copy: a statement testing two columns against the
	// same ids (ticket.relationsQuery) appends these again without growing.
	args := make([]any, len(ids), 2*len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")", args
}

// dialectOf is the SQL flavour behind q (SQLite for a Querier of unknown
// kind, whose IN lists work on both stores).
func dialectOf(q Querier) Dialect {
	switch v := q.(type) {
	case *DB:
		return v.Dialect
	case *Tx:
		return v.db.Dialect
	}
	return SQLite
}
