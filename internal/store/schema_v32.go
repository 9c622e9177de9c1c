package store

// Version 32: triggers (package rules).
//
//   - tickets.status_updated_at: when the ticket last changed status
//     (microseconds), stamped by the ticket service's commit path; the
//     automations' "hours since pending/open/…" conditions read it.
//     Rows stored before this migration (0) take their last update time
//     from the ticket service at start-up (ticket.StampStatusSince), as
//     package ticket is the one writer of ticket rows.
//   - trigger_categories: Zendesk's trigger categories (name, position).
//   - triggers: title, description, active, position (the admin-set order
//     triggers run in), category, conditions and actions as Zendesk JSON.
func init() {
	migrations = append(migrations, migration{
		Version: 32,
		SQL: `
ALTER TABLE tickets ADD COLUMN status_updated_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tickets_status_since ON tickets(status, status_updated_at);

CREATE TABLE trigger_categories (
	id {{pk}},
	name TEXT NOT NULL,
	position INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE triggers (
	id {{pk}},
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	position INTEGER NOT NULL DEFAULT 0,
	category_id BIGINT REFERENCES trigger_categories(id),
	conditions TEXT NOT NULL,
	actions TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX triggers_order ON triggers(position, id);
`,
	})
}
