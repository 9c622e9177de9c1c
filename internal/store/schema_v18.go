package store

// Version 18: job statuses remember their job type, so the job_statuses
// list and show_many answer Zendesk's job_type for every job, not only the
// response that queued it.
func init() {
	migrations = append(migrations, migration{
		Version: 18,
		SQL: `
ALTER TABLE job_statuses ADD COLUMN job_type TEXT NOT NULL DEFAULT '';
CREATE INDEX job_statuses_user ON job_statuses(user_id, created_at);
`,
	})
}
