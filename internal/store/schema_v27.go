package store

// Version 27: the admin side of outbound email.
//
//   - email_templates: admins' overrides of the built-in notification
//     templates (package channel/email/notify), one row per template kind
//     and language; no row means the built-in text. Each row was parsed
//     and rendered against a sample ticket before it was saved.
//   - jobs_finished: the recurring purge of finished jobs (package jobs)
//     finds them by state and finish time.
func init() {
	migrations = append(migrations, migration{
		Version: 27,
		SQL: `
CREATE TABLE email_templates (
	kind TEXT NOT NULL,
	locale TEXT NOT NULL,
	subject TEXT NOT NULL,
	text_body TEXT NOT NULL,
	html_body TEXT NOT NULL,
	updated_by BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (kind, locale)
);
CREATE INDEX jobs_finished ON jobs(state, finished_at);
`})
}
