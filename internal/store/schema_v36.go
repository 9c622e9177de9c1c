package store

// Version 36: business hours and SLAs (package sla).
//
//   - business_schedules: a time zone and weekly intervals (JSON list of
//     {start_time, end_time} minutes from Sunday 00:00); the one with the
//     lowest id is the default schedule.
//   - business_holidays: whole local dates of a schedule without hours.
//   - sla_policies: ordered policies, a filter in the rules' condition
//     language and targets per priority (JSON).
//   - ticket_slas: one row per ticket and metric of its policy, the live
//     timer: stage, the business (or calendar) time counted before
//     resumed_at, and breach_at while it runs. Times are microseconds.
//   - sla_metric_events: what reports read: every activation, pause,
//     achievement and breach of a ticket's metric, append-only.
func init() {
	migrations = append(migrations, migration{
		Version: 36,
		SQL: `
CREATE TABLE business_schedules (
	id {{pk}},
	name TEXT NOT NULL,
	time_zone TEXT NOT NULL,
	intervals TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE business_holidays (
	id {{pk}},
	schedule_id BIGINT NOT NULL REFERENCES business_schedules(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	start_date TEXT NOT NULL,
	end_date TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX business_holidays_schedule ON business_holidays(schedule_id, start_date);

CREATE TABLE sla_policies (
	id {{pk}},
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL DEFAULT 0,
	filter TEXT NOT NULL DEFAULT '{}',
	policy_metrics TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE ticket_slas (
	ticket_id BIGINT NOT NULL,
	metric TEXT NOT NULL,
	policy_id BIGINT NOT NULL,
	target_minutes INTEGER NOT NULL,
	business_hours BOOLEAN NOT NULL,
	stage TEXT NOT NULL,
	started_at BIGINT NOT NULL,
	resumed_at BIGINT NOT NULL DEFAULT 0,
	elapsed BIGINT NOT NULL DEFAULT 0,
	breach_at BIGINT NOT NULL DEFAULT 0,
	achieved_at BIGINT NOT NULL DEFAULT 0,
	warned_at BIGINT NOT NULL DEFAULT 0,
	breached_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (ticket_id, metric)
);
CREATE INDEX ticket_slas_due ON ticket_slas(stage, breach_at);

CREATE TABLE sla_metric_events (
	id {{pk}},
	ticket_id BIGINT NOT NULL,
	policy_id BIGINT NOT NULL,
	metric TEXT NOT NULL,
	kind TEXT NOT NULL,
	target_minutes INTEGER NOT NULL,
	business_hours BOOLEAN NOT NULL,
	elapsed BIGINT NOT NULL DEFAULT 0,
	breached BOOLEAN NOT NULL DEFAULT FALSE,
	at BIGINT NOT NULL
);
CREATE INDEX sla_metric_events_ticket ON sla_metric_events(ticket_id, id);
CREATE INDEX sla_metric_events_kind ON sla_metric_events(kind, at);
`,
	})
}
