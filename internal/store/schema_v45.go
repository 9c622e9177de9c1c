package store

// Version 45: shareable ticket links (package ticket, share.go; issue P9).
// Off by default (setting tickets.shareable_links). Each row is one link
// to one ticket: token_hash is the hex SHA-256 of a 256-bit random token,
// which is shown once to the agent who made it and never stored;
// revoked_at is 0 while the link works. A permanent delete of the ticket
// removes its links.
func init() {
	migrations = append(migrations, migration{
		Version: 45,
		SQL: `
CREATE TABLE ticket_share_links (
	id {{pk}},
	ticket_id BIGINT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ticket_share_links_ticket ON ticket_share_links (ticket_id);
`,
	})
}
