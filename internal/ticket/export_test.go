package ticket

// SetLargeCountForTest lowers the count worth caching so tests can reach
// the cache with a few tickets; it returns a function restoring it.
func SetLargeCountForTest(n int) (restore func()) {
	old := largeCount
	largeCount = n
	return func() { largeCount = old }
}

// TicketColumns is the column list of every ticket read (for plan tests).
const TicketColumns = ticketColumns

// RelationsQuery is the statement that reads a page's collaborators and
// incidents (for plan tests).
func RelationsQuery(n int) string { return relationsQuery(n) }
