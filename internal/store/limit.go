package store

import "strconv"

// Page returns the clause that ends a query reading n rows after skipping
// offset, and the argument it needs: " LIMIT n" with n written into the
// SQL, and " OFFSET ?" only when offset is not 0.
//
// PostgreSQL plans a prepared statement anew on every execution while a
// plan for unknown parameters looks costlier than one for the values at
// hand, and with a LIMIT that is a parameter it does once the table is
// large: such a plan assumes it reads a tenth of the table (20,000 tickets
// are enough; see TestListPlannedOnce). The ticket list's visibility rule
// made that planning cost more than running the query (0.46 ms of planning
// against 0.26 ms of execution for a page of 100, at 100,000 tickets). With the
// limit in the text, a statement with no other changing value is planned
// once per connection. Offsets stay parameters: each value would be a
// statement of its own. n is an int, so writing it into the SQL cannot
// inject anything; callers bound it already (a page is at most 1,000 rows
// plus one).
func Page(n, offset int) (string, []any) {
	clause := " LIMIT " + strconv.Itoa(max(n, 0))
	if offset == 0 {
		return clause, nil
	}
	return clause + " OFFSET ?", []any{offset}
}
