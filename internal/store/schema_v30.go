package store

// Version 30: IMAP IDLE (package channel/email/imapin). One instance at a
// time keeps an IDLE connection to a mailbox: it holds a lease in the
// mailbox's imap_state row (watch_holder, renewed while it watches, free
// again once watch_until has passed), and idle_since is set while its IDLE
// command is running on a live connection, so the polling job can leave
// that mailbox to the push (see imapin.Watcher).
func init() {
	migrations = append(migrations, migration{
		Version: 30,
		SQL: `
ALTER TABLE imap_state ADD COLUMN watch_holder TEXT NOT NULL DEFAULT '';
ALTER TABLE imap_state ADD COLUMN watch_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE imap_state ADD COLUMN idle_since BIGINT NOT NULL DEFAULT 0;
`,
	})
}
