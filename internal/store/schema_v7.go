package store

// Version 7: recurring jobs (package jobs, Scheduler).
//
//   - schedules: one row per recurring task. next_run_at (microseconds) is
//     the tick an instance may claim: it advances the row with a
//     conditional UPDATE … WHERE next_run_at = <the value it read> and
//     enqueues the task's job in the same transaction, so exactly one
//     instance runs each tick and the job queue's lease covers a crash.
func init() {
	migrations = append(migrations, migration{
		Version: 7,
		SQL: `
CREATE TABLE schedules (
	name TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	interval_us BIGINT NOT NULL,
	next_run_at BIGINT NOT NULL,
	last_run_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
`,
	})
}
