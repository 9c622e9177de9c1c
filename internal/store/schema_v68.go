package store

// Version 68: community_comments.body_source keeps the Markdown a comment
// was written in (web form), so its author or a moderator edits that text
// rather than the HTML rendered from it; ” for comments written as HTML
// (the API's body) and for comments from before this version.
func init() {
	migrations = append(migrations, migration{
		Version: 68,
		SQL:     `ALTER TABLE community_comments ADD COLUMN body_source TEXT NOT NULL DEFAULT '';`,
	})
}
