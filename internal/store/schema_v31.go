package store

// Version 31: attachments.inline marks an image a received e-mail showed in
// its body (a cid: part), which the comment's HTML displays from its
// attachment URL: Zendesk's attachment "inline".
func init() {
	migrations = append(migrations, migration{
		Version: 31,
		SQL:     `ALTER TABLE attachments ADD COLUMN inline BOOLEAN NOT NULL DEFAULT FALSE;`,
	})
}
