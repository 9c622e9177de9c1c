package store

// Version 73: live chat transcripts by email (package chat).
//
// chat_conversations.visitor_email is the address the visitor gave in the
// pre-chat form (or the one the host site's identity token signed): the
// only address a transcript of that chat is ever mailed to. "" for chats
// started before this version, which cannot be mailed.
//
// transcript_at is when the chat's transcript was last queued (unix
// microseconds, 0 = never): a chat's transcript goes out at most once in a
// while, checked and set in one UPDATE so two requests at once send one.
func init() {
	migrations = append(migrations, migration{
		Version: 73,
		SQL: `
ALTER TABLE chat_conversations ADD COLUMN visitor_email TEXT NOT NULL DEFAULT '';
ALTER TABLE chat_conversations ADD COLUMN transcript_at BIGINT NOT NULL DEFAULT 0;
`,
	})
}
