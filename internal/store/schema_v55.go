package store

// Version 55: the community forums (package community). Topics hold posts;
// posts hold comments; users vote once per post or comment and follow
// topics and posts; moderators ban users from posting.
//
// moderation is approved, pending (held for a moderator: a new user's
// first contribution) or rejected (the spam queue). ticket_id links a post
// or comment escalated to a ticket (0: none). Authors, voters and followers go with
// their user (a permanent deletion erases their community content).
func init() {
	migrations = append(migrations, migration{
		Version: 55,
		SQL: `
CREATE TABLE community_topics (
	id {{pk}},
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE community_topic_translations (
	topic_id BIGINT NOT NULL REFERENCES community_topics(id) ON DELETE CASCADE,
	locale TEXT NOT NULL,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (topic_id, locale)
);

CREATE TABLE community_posts (
	id {{pk}},
	topic_id BIGINT NOT NULL REFERENCES community_topics(id) ON DELETE CASCADE,
	author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	details TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT 'discussion',
	status TEXT NOT NULL DEFAULT 'none',
	pinned BOOLEAN NOT NULL DEFAULT FALSE,
	featured BOOLEAN NOT NULL DEFAULT FALSE,
	closed BOOLEAN NOT NULL DEFAULT FALSE,
	moderation TEXT NOT NULL DEFAULT 'approved',
	ticket_id BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX community_posts_topic ON community_posts(topic_id, moderation, pinned, created_at);
CREATE INDEX community_posts_author ON community_posts(author_id);
CREATE INDEX community_posts_moderation ON community_posts(moderation, created_at);

CREATE TABLE community_comments (
	id {{pk}},
	post_id BIGINT NOT NULL REFERENCES community_posts(id) ON DELETE CASCADE,
	author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	body TEXT NOT NULL,
	official BOOLEAN NOT NULL DEFAULT FALSE,
	moderation TEXT NOT NULL DEFAULT 'approved',
	ticket_id BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX community_comments_post ON community_comments(post_id, moderation, created_at);
CREATE INDEX community_comments_author ON community_comments(author_id);

CREATE TABLE community_votes (
	id {{pk}},
	post_id BIGINT NOT NULL REFERENCES community_posts(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	value INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (post_id, user_id)
);

CREATE TABLE community_subscriptions (
	id {{pk}},
	content_type TEXT NOT NULL,
	content_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	UNIQUE (content_type, content_id, user_id)
);
CREATE INDEX community_subscriptions_user ON community_subscriptions(user_id);

CREATE TABLE community_bans (
	user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	reason TEXT NOT NULL DEFAULT '',
	banned_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
`,
	})
}
