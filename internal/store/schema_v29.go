package store

// Version 29: a comment remembers the addresses of the channel it came
// through (ticket_comments.via_source, the JSON of Zendesk's
// via.source: an email's from and to), as the ticket already does.
func init() {
	migrations = append(migrations, migration{
		Version: 29,
		SQL:     `ALTER TABLE ticket_comments ADD COLUMN via_source TEXT NOT NULL DEFAULT '';`,
	})
}
