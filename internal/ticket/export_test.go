package ticket

import "github.com/frontdesk/frontdesk/internal/store"

// SetLargeCountForTest lowers the count worth caching so tests can reach
// the cache with a few tickets; it returns a function restoring it.
func SetLargeCountForTest(n int) (restore func()) {
	old := largeCount
	largeCount = n
	return func() { largeCount = old }
}

// TicketColumns is the column list of every ticket read (for plan tests).
const TicketColumns = ticketColumns

// RelationsQuery is the statement that reads the collaborators and
// incidents of the tickets of ids, and its arguments (for plan tests).
func RelationsQuery(q store.Querier, ids []int64) (string, []any) { return relationsQuery(q, ids) }
