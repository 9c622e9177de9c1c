package store

// Version 21: Zendesk's system ticket fields and ticket forms (package ticket).
//
//   - ticket_fields gains title_in_portal (the title end-users see) and the
//     seven system fields Zendesk lists before custom ones (subject,
//     description, status, tickettype, priority, group, assignee). They are
//     rows like any other so their portal settings can be changed; the
//     ticket service refuses to delete them or change their type. The
//     subject is not required in the portal (Frontdesk takes the first line
//     of the description when it is left out) until an admin requires it.
//     last_option_id is the highest option id a field ever gave, so the id
//     of a deleted option is never given again.
//   - ticket_forms: a named, ordered set of fields with conditions (which
//     child fields a parent field's value shows or requires), for agents and
//     for the portal. Exactly one form is the default once any exists.
//   - tickets.ticket_form_id: the form a ticket was raised with.
func init() {
	seed := func(now string) string {
		return `
INSERT INTO ticket_fields (type, title, description, position, active, required, visible_in_portal, editable_in_portal, required_in_portal, title_in_portal, options, created_at, updated_at) VALUES
	('subject', 'Subject', 'Please enter a brief description of the issue.', 1, TRUE, FALSE, TRUE, TRUE, FALSE, 'Subject', '[]', ` + now + `, ` + now + `),
	('description', 'Description', 'Please enter the details of your request.', 2, TRUE, FALSE, TRUE, TRUE, TRUE, 'Description', '[]', ` + now + `, ` + now + `),
	('status', 'Status', 'Request status', 3, TRUE, FALSE, FALSE, FALSE, FALSE, 'Status', '[]', ` + now + `, ` + now + `),
	('tickettype', 'Type', 'Request type', 4, TRUE, FALSE, FALSE, FALSE, FALSE, 'Type', '[]', ` + now + `, ` + now + `),
	('priority', 'Priority', 'Request priority', 5, TRUE, FALSE, FALSE, FALSE, FALSE, 'Priority', '[]', ` + now + `, ` + now + `),
	('group', 'Group', 'Request group', 6, TRUE, FALSE, FALSE, FALSE, FALSE, 'Group', '[]', ` + now + `, ` + now + `),
	('assignee', 'Assignee', 'Agent assigned to your request', 7, TRUE, TRUE, FALSE, FALSE, FALSE, 'Assignee', '[]', ` + now + `, ` + now + `);
`
	}
	migrations = append(migrations, migration{
		Version: 21,
		SQL: `
ALTER TABLE ticket_fields ADD COLUMN title_in_portal TEXT NOT NULL DEFAULT '';
ALTER TABLE ticket_fields ADD COLUMN last_option_id BIGINT NOT NULL DEFAULT 0;
CREATE TABLE ticket_forms (
	id {{pk}},
	name TEXT NOT NULL,
	display_name TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL DEFAULT 0,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	end_user_visible BOOLEAN NOT NULL DEFAULT TRUE,
	is_default BOOLEAN NOT NULL DEFAULT FALSE,
	in_all_brands BOOLEAN NOT NULL DEFAULT TRUE,
	field_ids TEXT NOT NULL DEFAULT '[]',
	agent_conditions TEXT NOT NULL DEFAULT '[]',
	end_user_conditions TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
ALTER TABLE tickets ADD COLUMN ticket_form_id BIGINT;
CREATE INDEX tickets_form ON tickets(ticket_form_id) WHERE ticket_form_id IS NOT NULL;
`,
		SQLiteOnly:   seed(`CAST(strftime('%s','now') AS BIGINT) * 1000000`),
		PostgresOnly: seed(`CAST(EXTRACT(EPOCH FROM now()) * 1000000 AS BIGINT)`),
	})
}
