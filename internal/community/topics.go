package community

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

const topicCols = `t.id, t.name, t.description, t.position, t.created_at, t.updated_at,
	(SELECT COUNT(*) FROM community_subscriptions s WHERE s.content_type = 'topic' AND s.content_id = t.id),
	(SELECT COUNT(*) FROM community_posts p WHERE p.topic_id = t.id AND p.moderation = 'approved')`

func scanTopic(sc interface{ Scan(...any) error }) (*Topic, error) {
	var t Topic
	var created, updated int64
	if err := sc.Scan(&t.ID, &t.Name, &t.Description, &t.Position, &created, &updated, &t.FollowerCount, &t.PostCount); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &t, nil
}

// translate puts the locale's texts (when any) in place of the source's and
// fills Translations.
func translate(ctx context.Context, q store.Querier, topics []*Topic, locale string) error {
	if len(topics) == 0 {
		return nil
	}
	byID := map[int64]*Topic{}
	ids := make([]string, 0, len(topics))
	args := make([]any, 0, len(topics))
	for _, t := range topics {
		byID[t.ID] = t
		ids = append(ids, "?")
		args = append(args, t.ID)
	}
	rows, err := q.Query(ctx, `SELECT topic_id, locale, name, description FROM community_topic_translations WHERE topic_id IN (`+strings.Join(ids, ",")+`) ORDER BY locale`, args...)
	if err != nil {
		return fmt.Errorf("community: topic translations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var loc string
		var tt TopicText
		if err := rows.Scan(&id, &loc, &tt.Name, &tt.Description); err != nil {
			return fmt.Errorf("community: topic translations: %w", err)
		}
		t := byID[id]
		if t.Translations == nil {
			t.Translations = map[string]TopicText{}
		}
		t.Translations[loc] = tt
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range topics {
		if tt, ok := t.Translations[locale]; ok && locale != "" {
			t.Name = tt.Name
			if tt.Description != "" {
				t.Description = tt.Description
			}
		}
	}
	return nil
}

// Topics returns every topic in order, named in locale where translated.
// Anyone may read them.
func (s *Service) Topics(ctx context.Context, locale string) ([]*Topic, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+topicCols+` FROM community_topics t ORDER BY t.position, t.id`)
	if err != nil {
		return nil, wrap(err, "list topics")
	}
	defer rows.Close()
	var out []*Topic
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, wrap(err, "list topics")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "list topics")
	}
	return out, wrap(translate(ctx, s.DB, out, locale), "list topics")
}

// Topic returns topic id, named in locale where translated.
func (s *Service) Topic(ctx context.Context, id int64, locale string) (*Topic, error) {
	t, err := getTopic(ctx, s.DB, id)
	if err != nil {
		return nil, wrap(err, "get topic")
	}
	return t, wrap(translate(ctx, s.DB, []*Topic{t}, locale), "get topic")
}

func getTopic(ctx context.Context, q store.Querier, id int64) (*Topic, error) {
	t, err := scanTopic(q.QueryRow(ctx, `SELECT `+topicCols+` FROM community_topics t WHERE t.id = ?`, id))
	return t, notFoundIf(err)
}

// validLocale accepts a language tag of letters, digits and dashes.
func validLocale(l string) bool {
	if l == "" || len(l) > 16 {
		return false
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func applyTopic(t *Topic, in TopicInput) error {
	if in.Name != nil {
		t.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		t.Description = strings.TrimSpace(*in.Description)
	}
	if in.Position != nil {
		t.Position = *in.Position
	}
	var v desk.Validation
	checkRunes(&v, "name", t.Name, 1, MaxName)
	checkRunes(&v, "description", t.Description, 0, MaxDescription)
	if t.Position < 0 || t.Position > 1_000_000 {
		v.Add("position", "must be between 0 and 1000000")
	}
	if len(in.Translations) > 50 {
		v.Add("translations", "at most 50 locales")
	}
	for loc, tt := range in.Translations {
		if !validLocale(loc) {
			v.Add("translations", fmt.Sprintf("%q is not a locale", loc))
			continue
		}
		if strings.TrimSpace(tt.Name) != "" {
			checkRunes(&v, "translations", strings.TrimSpace(tt.Name), 1, MaxName)
		}
		checkRunes(&v, "translations", strings.TrimSpace(tt.Description), 0, MaxDescription)
	}
	return v.Err()
}

func saveTranslations(ctx context.Context, tx *store.Tx, id int64, tr map[string]TopicText) error {
	locs := make([]string, 0, len(tr))
	for l := range tr {
		locs = append(locs, l)
	}
	sort.Strings(locs)
	for _, loc := range locs {
		tt := tr[loc]
		if _, err := tx.Exec(ctx, `DELETE FROM community_topic_translations WHERE topic_id = ? AND locale = ?`, id, loc); err != nil {
			return err
		}
		name := strings.TrimSpace(tt.Name)
		if name == "" {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO community_topic_translations (topic_id, locale, name, description) VALUES (?, ?, ?, ?)`,
			id, loc, name, strings.TrimSpace(tt.Description)); err != nil {
			return err
		}
	}
	return nil
}

// CreateTopic adds a topic (moderators).
func (s *Service) CreateTopic(ctx context.Context, in TopicInput) (*Topic, error) {
	if _, err := requireModerator(ctx); err != nil {
		return nil, err
	}
	t := &Topic{}
	if err := applyTopic(t, in); err != nil {
		return nil, err
	}
	var out *Topic
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		now := nowMicros()
		id, err := tx.InsertID(ctx, `INSERT INTO community_topics (name, description, position, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			t.Name, t.Description, t.Position, now, now)
		if err != nil {
			return err
		}
		if err := saveTranslations(ctx, tx, id, in.Translations); err != nil {
			return err
		}
		if out, err = getTopic(ctx, tx, id); err != nil {
			return err
		}
		return translate(ctx, tx, []*Topic{out}, "")
	})
	return out, wrap(err, "create topic")
}

// UpdateTopic changes topic id (moderators).
func (s *Service) UpdateTopic(ctx context.Context, id int64, in TopicInput) (*Topic, error) {
	if _, err := requireModerator(ctx); err != nil {
		return nil, err
	}
	var out *Topic
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, err := getTopic(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := applyTopic(t, in); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE community_topics SET name = ?, description = ?, position = ?, updated_at = ? WHERE id = ?`,
			t.Name, t.Description, t.Position, nowMicros(), id); err != nil {
			return err
		}
		if err := saveTranslations(ctx, tx, id, in.Translations); err != nil {
			return err
		}
		if out, err = getTopic(ctx, tx, id); err != nil {
			return err
		}
		return translate(ctx, tx, []*Topic{out}, "")
	})
	return out, wrap(err, "update topic")
}

// DeleteTopic removes topic id (moderators). A topic that still has posts
// (in any moderation state) is not deleted unless moveTo names another
// topic: its posts move there first, in the same transaction. Followers
// of the topic stop following it.
func (s *Service) DeleteTopic(ctx context.Context, id, moveTo int64) error {
	if _, err := requireModerator(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := getTopic(ctx, tx, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM community_posts WHERE topic_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			if moveTo == 0 {
				return desk.Invalid("move_posts_to", fmt.Sprintf("names no topic: this topic has %d posts; move them to another topic first", n))
			}
			if moveTo == id {
				return desk.Invalid("move_posts_to", "must be another topic")
			}
			if _, err := getTopic(ctx, tx, moveTo); err != nil {
				if desk.ErrorCode(err) == desk.ENOTFOUND {
					return desk.Invalid("move_posts_to", "names no topic")
				}
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE community_posts SET topic_id = ? WHERE topic_id = ?`, moveTo, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM community_subscriptions WHERE content_type = 'topic' AND content_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM community_topics WHERE id = ?`, id)
		return err
	})
	return wrap(err, "delete topic")
}

// MoveTopic moves topic id by places in the order of topics (negative:
// up), within the list, and numbers every topic's position again from 0
// (moderators).
func (s *Service) MoveTopic(ctx context.Context, id int64, by int) error {
	if _, err := requireModerator(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM community_topics ORDER BY position, id`)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var t int64
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		from := -1
		for i, t := range ids {
			if t == id {
				from = i
			}
		}
		if from < 0 {
			return desk.NotFound()
		}
		to := min(max(from+by, 0), len(ids)-1)
		ids = append(ids[:from], ids[from+1:]...)
		ids = append(ids[:to], append([]int64{id}, ids[to:]...)...)
		now := nowMicros()
		for pos, t := range ids {
			if _, err := tx.Exec(ctx, `UPDATE community_topics SET position = ?, updated_at = CASE WHEN position = ? THEN updated_at ELSE ? END WHERE id = ?`,
				pos, pos, now, t); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap(err, "move topic")
}
