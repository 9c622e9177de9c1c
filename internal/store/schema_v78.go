package store

// Version 78 (p12-cover): a narrow covering index of the ticket columns that
// staff searches check, SQLite only.
//
// A search with free text reads up to the window's 5,000 most recent
// matching documents and checks each one's ticket (deleted_at, the
// visibility's group_id, the query's status or priority…) to count the
// matches and pick the page. On SQLite each check was a descent into the
// wide ticket rows (subject and description inline): at 1,000,000 tickets
// those rows fill gigabytes, so the 5,000 checks touched thousands of
// distinct pages, most outside the memory map — 40 % of a 4-client search
// load's CPU. This index holds one short entry per ticket in id order, so
// the same checks read a B-tree of tens of megabytes that stays in the page
// cache. Package search names it with INDEXED BY when every ticket column
// its query reads is here (SQLite without statistics would otherwise always
// pick the primary key); searchCoverColumns in package search must list
// exactly these columns.
//
// PostgreSQL plans the same checks differently (see pgWindowSQL in package
// search) and was not measured with such an index, so it gets none.
func init() {
	migrations = append(migrations, migration{
		Version: 78,
		SQLiteOnly: `
CREATE INDEX tickets_search_cover ON tickets(id, deleted_at, group_id, status_rank, priority_rank, assignee_id, requester_id, organization_id, type);
`,
	})
}
