package store

// Version 33: automations (package rules).
//
//   - automations: time-based rules run hourly over stored tickets, in
//     position order.
//   - automation_fires: one row per automation, ticket and condition state
//     (the ticket's status_updated_at when it fired), so an automation
//     fires on a ticket at most once while the ticket stays in that state.
func init() {
	migrations = append(migrations, migration{
		Version: 33,
		SQL: `
CREATE TABLE automations (
	id {{pk}},
	title TEXT NOT NULL,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	position INTEGER NOT NULL DEFAULT 0,
	conditions TEXT NOT NULL,
	actions TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX automations_order ON automations(position, id);

CREATE TABLE automation_fires (
	automation_id BIGINT NOT NULL,
	ticket_id BIGINT NOT NULL,
	state BIGINT NOT NULL,
	fired_at BIGINT NOT NULL,
	PRIMARY KEY (automation_id, ticket_id, state)
);
CREATE INDEX automation_fires_ticket ON automation_fires(ticket_id);
`,
	})
}
