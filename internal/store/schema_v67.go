package store

// Version 67: community_posts.details_source keeps the Markdown a post was
// written in (web form), so its author or a moderator edits that text
// rather than the HTML rendered from it; ” for posts written as HTML (the
// API's details) and for posts from before this version.
func init() {
	migrations = append(migrations, migration{
		Version: 67,
		SQL:     `ALTER TABLE community_posts ADD COLUMN details_source TEXT NOT NULL DEFAULT '';`,
	})
}
