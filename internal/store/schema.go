package store

// Times are BIGINT microseconds since the Unix epoch (0 = unset) on both
// stores: one representation, cheap comparisons, no time-zone surprises.
// Tag lists are also kept as a space-separated column for cheap display; the
// ticket_tags table is what searches use.
var migrations = []migration{{
	Version: 1,
	SQL: `
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE organizations (
	id {{pk}},
	name TEXT NOT NULL,
	name_key TEXT NOT NULL UNIQUE,
	details TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	group_id BIGINT,
	shared_tickets BOOLEAN NOT NULL DEFAULT FALSE,
	shared_comments BOOLEAN NOT NULL DEFAULT FALSE,
	external_id TEXT UNIQUE,
	tags TEXT NOT NULL DEFAULT '',
	fields TEXT NOT NULL DEFAULT '{}',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE organization_domains (
	domain TEXT PRIMARY KEY,
	organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE
);
CREATE INDEX organization_domains_org ON organization_domains(organization_id);

CREATE TABLE agent_groups (
	id {{pk}},
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	is_default BOOLEAN NOT NULL DEFAULT FALSE,
	is_public BOOLEAN NOT NULL DEFAULT TRUE,
	deleted BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE users (
	id {{pk}},
	name TEXT NOT NULL,
	email TEXT UNIQUE,
	role TEXT NOT NULL,
	organization_id BIGINT REFERENCES organizations(id) ON DELETE SET NULL,
	default_group_id BIGINT REFERENCES agent_groups(id) ON DELETE SET NULL,
	phone TEXT NOT NULL DEFAULT '',
	locale TEXT NOT NULL DEFAULT 'en-US',
	time_zone TEXT NOT NULL DEFAULT 'UTC',
	tags TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	details TEXT NOT NULL DEFAULT '',
	external_id TEXT UNIQUE,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	suspended BOOLEAN NOT NULL DEFAULT FALSE,
	verified BOOLEAN NOT NULL DEFAULT FALSE,
	password_hash TEXT,
	last_login_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX users_org ON users(organization_id);
CREATE INDEX users_role ON users(role);

CREATE TABLE user_identities (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	type TEXT NOT NULL,
	value TEXT NOT NULL,
	is_primary BOOLEAN NOT NULL DEFAULT FALSE,
	verified BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (type, value)
);
CREATE INDEX user_identities_user ON user_identities(user_id);

CREATE TABLE group_memberships (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	group_id BIGINT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
	is_default BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (user_id, group_id)
);
CREATE INDEX group_memberships_group ON group_memberships(group_id);

CREATE TABLE api_tokens (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT '',
	token_hash TEXT NOT NULL UNIQUE,
	last_used_at BIGINT NOT NULL DEFAULT 0,
	last_used_ip TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE ticket_fields (
	id {{pk}},
	type TEXT NOT NULL,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL DEFAULT 0,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	required BOOLEAN NOT NULL DEFAULT FALSE,
	visible_in_portal BOOLEAN NOT NULL DEFAULT FALSE,
	editable_in_portal BOOLEAN NOT NULL DEFAULT FALSE,
	required_in_portal BOOLEAN NOT NULL DEFAULT FALSE,
	tag TEXT,
	options TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE tickets (
	id {{pk}},
	external_id TEXT,
	type TEXT,
	subject TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	priority TEXT,
	status TEXT NOT NULL,
	status_rank INTEGER NOT NULL,
	priority_rank INTEGER NOT NULL DEFAULT -1,
	recipient TEXT,
	requester_id BIGINT NOT NULL REFERENCES users(id),
	submitter_id BIGINT NOT NULL REFERENCES users(id),
	assignee_id BIGINT REFERENCES users(id),
	organization_id BIGINT REFERENCES organizations(id) ON DELETE SET NULL,
	group_id BIGINT REFERENCES agent_groups(id),
	problem_id BIGINT REFERENCES tickets(id) ON DELETE SET NULL,
	due_at BIGINT NOT NULL DEFAULT 0,
	via_channel TEXT NOT NULL,
	via_source TEXT NOT NULL DEFAULT '',
	is_public BOOLEAN NOT NULL DEFAULT TRUE,
	tags TEXT NOT NULL DEFAULT '',
	custom_fields TEXT NOT NULL DEFAULT '{}',
	version BIGINT NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	solved_at BIGINT NOT NULL DEFAULT 0,
	deleted_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tickets_requester ON tickets(requester_id);
CREATE INDEX tickets_assignee ON tickets(assignee_id);
CREATE INDEX tickets_group ON tickets(group_id);
CREATE INDEX tickets_org ON tickets(organization_id);
CREATE INDEX tickets_problem ON tickets(problem_id) WHERE problem_id IS NOT NULL;
CREATE INDEX tickets_updated ON tickets(updated_at, id);
CREATE INDEX tickets_status ON tickets(status_rank, id);
CREATE INDEX tickets_external ON tickets(external_id) WHERE external_id IS NOT NULL;

CREATE TABLE ticket_tags (
	ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
	tag TEXT NOT NULL,
	PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags(tag);

CREATE TABLE ticket_collaborators (
	ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	PRIMARY KEY (ticket_id, user_id, kind)
);
CREATE INDEX ticket_collaborators_user ON ticket_collaborators(user_id);

CREATE TABLE ticket_audits (
	id {{pk}},
	ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
	author_id BIGINT NOT NULL,
	via_channel TEXT NOT NULL,
	metadata TEXT NOT NULL DEFAULT '{}',
	events TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL
);
CREATE INDEX ticket_audits_ticket ON ticket_audits(ticket_id, id);

CREATE TABLE ticket_comments (
	id {{pk}},
	ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
	audit_id BIGINT NOT NULL,
	author_id BIGINT NOT NULL REFERENCES users(id),
	body TEXT NOT NULL,
	html_body TEXT NOT NULL,
	public BOOLEAN NOT NULL,
	via_channel TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments(ticket_id, id);

CREATE TABLE attachments (
	id {{pk}},
	upload_token TEXT UNIQUE,
	ticket_id BIGINT REFERENCES tickets(id) ON DELETE CASCADE,
	comment_id BIGINT REFERENCES ticket_comments(id) ON DELETE CASCADE,
	uploader_id BIGINT NOT NULL,
	file_name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	storage_key TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX attachments_comment ON attachments(comment_id);

CREATE TABLE jobs (
	id {{pk}},
	kind TEXT NOT NULL,
	payload TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'available',
	attempts INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL DEFAULT 10,
	run_at BIGINT NOT NULL,
	locked_until BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_ready ON jobs(state, run_at);

CREATE TABLE job_statuses (
	id TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL,
	status TEXT NOT NULL,
	total INTEGER NOT NULL,
	progress INTEGER NOT NULL DEFAULT 0,
	message TEXT NOT NULL DEFAULT '',
	results TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
`,
	SQLiteOnly: `
CREATE VIRTUAL TABLE ticket_search USING fts5(doc, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE user_search USING fts5(doc, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE organization_search USING fts5(doc, tokenize = 'unicode61 remove_diacritics 2');
`,
	PostgresOnly: `
CREATE TABLE ticket_search (id BIGINT PRIMARY KEY, doc TEXT NOT NULL, tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', doc)) STORED);
CREATE INDEX ticket_search_tsv ON ticket_search USING GIN (tsv);
CREATE TABLE user_search (id BIGINT PRIMARY KEY, doc TEXT NOT NULL, tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', doc)) STORED);
CREATE INDEX user_search_tsv ON user_search USING GIN (tsv);
CREATE TABLE organization_search (id BIGINT PRIMARY KEY, doc TEXT NOT NULL, tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', doc)) STORED);
CREATE INDEX organization_search_tsv ON organization_search USING GIN (tsv);
`,
}}
