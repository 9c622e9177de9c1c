package store

// Version 38: outbound webhooks (package webhook).
//
//   - webhooks: Zendesk's webhook (name, endpoint, method, request format,
//     status, subscriptions as a JSON array, authentication). The
//     authentication secret (password or bearer token) and the signing
//     secret are sealed with the instance key (package secrets).
//     consecutive_failures counts invocations that failed for good in a
//     row; at the limit the webhook is deactivated and disabled_reason says
//     why (cleared when an admin activates it again).
//   - webhook_invocations: one delivery of one event (or rule action) to
//     one webhook, with the body as sent; message_id is the Standard
//     Webhooks webhook-id, the same on every attempt.
//   - webhook_attempts: each HTTP attempt of an invocation (status,
//     duration, truncated response), unique per (invocation, attempt) so a
//     job run twice records an attempt once. Both log tables are purged
//     after the retention period.
func init() {
	migrations = append(migrations, migration{
		Version: 38,
		SQL: `
CREATE TABLE webhooks (
	id {{pk}},
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	endpoint TEXT NOT NULL,
	http_method TEXT NOT NULL DEFAULT 'POST',
	request_format TEXT NOT NULL DEFAULT 'json',
	status TEXT NOT NULL DEFAULT 'active',
	subscriptions TEXT NOT NULL DEFAULT '[]',
	auth_type TEXT NOT NULL DEFAULT '',
	auth_username TEXT NOT NULL DEFAULT '',
	auth_secret TEXT NOT NULL DEFAULT '',
	signing_secret TEXT NOT NULL DEFAULT '',
	consecutive_failures INTEGER NOT NULL DEFAULT 0,
	disabled_reason TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL DEFAULT 0,
	updated_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE webhook_invocations (
	id {{pk}},
	webhook_id BIGINT NOT NULL,
	message_id TEXT NOT NULL,
	event_type TEXT NOT NULL,
	ticket_id BIGINT NOT NULL DEFAULT 0,
	source TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	last_status_code INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (message_id)
);
CREATE INDEX webhook_invocations_webhook ON webhook_invocations(webhook_id, id);
CREATE INDEX webhook_invocations_created ON webhook_invocations(created_at);

CREATE TABLE webhook_attempts (
	id {{pk}},
	invocation_id BIGINT NOT NULL,
	webhook_id BIGINT NOT NULL,
	attempt INTEGER NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	success BOOLEAN NOT NULL DEFAULT FALSE,
	error TEXT NOT NULL DEFAULT '',
	duration_ms BIGINT NOT NULL DEFAULT 0,
	response TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	UNIQUE (invocation_id, attempt)
);
CREATE INDEX webhook_attempts_created ON webhook_attempts(created_at);
`,
	})
}
