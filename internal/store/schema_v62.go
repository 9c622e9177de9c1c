package store

// Version 62: a partial index over tickets whose status_updated_at is still
// unset (0: stored before migration 32 added it). The ticket service stamps
// those rows at start-up (ticket.StampStatusSince); the index keeps that
// check free once none is left.
func init() {
	migrations = append(migrations, migration{
		Version: 62,
		SQL: `
CREATE INDEX tickets_status_since_unset ON tickets(id) WHERE status_updated_at = 0;
`,
	})
}
