package community_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Comment votes: one per user (a second replaces the first), withdrawn at
// will, counted on the comment; only signed-in members vote, on approved
// comments of posts they may read; who voted is staff's to see; a
// deleted comment takes its votes; a permanent deletion and the export
// carry them.
func TestCommentVotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.approvedPost(t, f.admin, "Votes on comments")
		c, err := f.svc.CreateComment(f.agent, p.ID, community.CommentInput{Text: str("Try **this**")})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []int{1, 1, -1} {
			if _, err := f.svc.VoteComment(f.alice, p.ID, c.ID, v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.VoteComment(f.bob, p.ID, c.ID, -1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.VoteComment(f.carol, p.ID, c.ID, 1); err != nil {
			t.Fatal(err)
		}
		cs, _, err := f.svc.Comments(f.alice, p.ID, 1, 10)
		if err != nil || len(cs) != 1 || cs[0].VoteSum != -1 || cs[0].VoteCount != 3 {
			t.Fatalf("after votes: %+v %v", cs, err)
		}
		if err := f.svc.UnvoteComment(f.bob, p.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UnvoteComment(f.bob, p.ID, c.ID); err != nil {
			t.Fatalf("withdrawing twice: %v", err)
		}
		mine, err := f.svc.MyCommentVotes(f.alice, p.ID)
		if err != nil || mine[c.ID] != -1 || len(mine) != 1 {
			t.Fatalf("alice's votes: %v %v", mine, err)
		}
		if v, err := f.svc.CommentVotes(f.alice, p.ID, c.ID); err != nil || len(v) != 1 || v[0].UserID != f.aliceID || v[0].ItemType != "Comment" {
			t.Fatalf("votes as alice: %+v %v", v, err)
		}
		if v, err := f.svc.CommentVotes(f.admin, p.ID, c.ID); err != nil || len(v) != 2 {
			t.Fatalf("votes as staff: %+v %v", v, err)
		}
		for name, err := range map[string]error{
			"anonymous":    func() error { _, err := f.svc.VoteComment(context.Background(), p.ID, c.ID, 1); return err }(),
			"bad value":    func() error { _, err := f.svc.VoteComment(f.alice, p.ID, c.ID, 5); return err }(),
			"wrong post":   func() error { _, err := f.svc.VoteComment(f.alice, p.ID+1000, c.ID, 1); return err }(),
			"forged id":    func() error { _, err := f.svc.VoteComment(f.alice, p.ID, c.ID+1000, 1); return err }(),
			"negative id":  func() error { _, err := f.svc.VoteComment(f.alice, p.ID, -1, 1); return err }(),
			"anon listing": func() error { _, err := f.svc.CommentVotes(context.Background(), p.ID, c.ID); return err }(),
		} {
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		// A held comment takes no votes, and others do not see it.
		held, err := f.svc.CreateComment(f.carol, p.ID, community.CommentInput{Text: str("first words")})
		if err != nil {
			t.Fatal(err)
		}
		// Carol voted but never wrote: her first comment is held.
		if held.Moderation != community.Pending {
			t.Fatalf("carol's first comment: %s", held.Moderation)
		}
		if _, err := f.svc.VoteComment(f.carol, p.ID, held.ID, 1); code(err) != desk.EFORBIDDEN {
			t.Fatalf("vote on own held comment: %v", err)
		}
		if _, err := f.svc.VoteComment(f.alice, p.ID, held.ID, 1); code(err) != desk.ENOTFOUND {
			t.Fatalf("vote on someone's held comment: %v", err)
		}
		a, err := f.svc.AuthoredBy(f.sys, f.aliceID)
		if err != nil || len(a.Votes) != 1 || a.Votes[0].ItemType != "Comment" {
			t.Fatalf("export: %+v %v", a, err)
		}
		if err := f.svc.DeleteComment(f.admin, p.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM community_comment_votes`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("votes of a deleted comment: %d %v", n, err)
		}
	})
}

// CommentsBy and Posts by author: what a user wrote, as the caller may see
// it (held ones by their author and staff only, rejected ones by none).
func TestContentByUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.approvedPost(t, f.alice, "Alice asks")
		heldPost, err := f.svc.CreatePost(f.bob, community.PostInput{Title: str("Bob's first"), Text: str("x"), TopicID: &f.topic})
		if err != nil || heldPost.Moderation != community.Pending {
			t.Fatalf("bob's post: %+v %v", heldPost, err)
		}
		if _, err := f.svc.CreateComment(f.alice, p.ID, community.CommentInput{Text: str("Alice adds")}); err != nil {
			t.Fatal(err)
		}
		bc, err := f.svc.CreateComment(f.carol, p.ID, community.CommentInput{Text: str("Carol's first")})
		if err != nil || bc.Moderation != community.Pending {
			t.Fatalf("carol's comment: %+v %v", bc, err)
		}
		count := func(ctx context.Context, user int64) (int, int) {
			t.Helper()
			ps, pt, err := f.svc.Posts(ctx, community.PostFilter{AuthorID: user})
			if err != nil || pt != len(ps) {
				t.Fatal(err)
			}
			cs, ct, err := f.svc.CommentsBy(ctx, user, 1, 10)
			if err != nil || ct != len(cs) {
				t.Fatal(err)
			}
			return pt, ct
		}
		for _, c := range []struct {
			name           string
			ctx            context.Context
			user           int64
			posts, comment int
		}{
			{"alice as anyone", context.Background(), f.aliceID, 1, 1},
			{"bob's held post as alice", f.alice, f.bobID, 0, 0},
			{"bob's held post as bob", f.bob, f.bobID, 1, 0},
			{"bob's held post as staff", f.admin, f.bobID, 1, 0},
			{"carol's held comment as anyone", context.Background(), f.carolID, 0, 0},
			{"carol's held comment as carol", f.carol, f.carolID, 0, 1},
			{"carol's held comment as an agent", f.agent, f.carolID, 0, 1},
		} {
			if p, cm := count(c.ctx, c.user); p != c.posts || cm != c.comment {
				t.Errorf("%s: %d posts %d comments, want %d %d", c.name, p, cm, c.posts, c.comment)
			}
		}
		if err := f.svc.Moderate(f.admin, community.TypeComment, bc.ID, community.Rejected); err != nil {
			t.Fatal(err)
		}
		if _, cm := count(f.admin, f.carolID); cm != 0 {
			t.Errorf("rejected comment listed: %d", cm)
		}
		// A user id that names nobody is not found (not an empty list).
		if _, _, err := f.svc.Posts(f.admin, community.PostFilter{AuthorID: 1 << 40}); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("posts of no user: %v", err)
		}
		if _, _, err := f.svc.CommentsBy(f.admin, 1<<40, 1, 10); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("comments of no user: %v", err)
		}
	})
}

// Topics: delete is refused while a topic has posts (any state) unless
// they move to another topic first; reordering moves a topic within the
// list; both are moderators' only.
func TestTopicDeleteAndOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		other, err := f.svc.CreateTopic(f.admin, community.TopicInput{Name: str("Other"), Position: new(int)})
		if err != nil {
			t.Fatal(err)
		}
		third, err := f.svc.CreateTopic(f.admin, community.TopicInput{Name: str("Third")})
		if err != nil {
			t.Fatal(err)
		}
		held, err := f.svc.CreatePost(f.alice, community.PostInput{Title: str("Held"), Text: str("x"), TopicID: &f.topic})
		if err != nil || held.Moderation != community.Pending {
			t.Fatal(err)
		}
		if err := f.svc.DeleteTopic(f.admin, f.topic, 0); code(err) != desk.EINVALID {
			t.Fatalf("delete with a held post: %v", err)
		}
		for _, to := range []int64{f.topic, 987654} {
			if err := f.svc.DeleteTopic(f.admin, f.topic, to); code(err) != desk.EINVALID {
				t.Fatalf("move to %d: %v", to, err)
			}
		}
		if err := f.svc.DeleteTopic(f.agent, f.topic, other.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent deletes: %v", err)
		}
		if err := f.svc.DeleteTopic(f.admin, f.topic, other.ID); err != nil {
			t.Fatal(err)
		}
		moved, err := f.svc.Post(f.admin, held.ID)
		if err != nil || moved.TopicID != other.ID || moved.Moderation != community.Pending {
			t.Fatalf("moved post: %+v %v", moved, err)
		}
		if err := f.svc.DeleteTopic(f.admin, third.ID, 0); err != nil {
			t.Fatalf("empty topic: %v", err)
		}
		a, _ := f.svc.CreateTopic(f.admin, community.TopicInput{Name: str("A")})
		b, _ := f.svc.CreateTopic(f.admin, community.TopicInput{Name: str("B")})
		order := func() []string {
			ts, err := f.svc.Topics(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, t := range ts {
				out = append(out, t.Name)
			}
			return out
		}
		if err := f.svc.MoveTopic(f.admin, b.ID, -1); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MoveTopic(f.admin, other.ID, -5); err != nil {
			t.Fatal(err)
		}
		if got := order(); len(got) != 3 || got[0] != "Other" || got[1] != "B" || got[2] != "A" {
			t.Fatalf("order %v", got)
		}
		if err := f.svc.MoveTopic(f.admin, a.ID, 10); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MoveTopic(f.admin, 987654, 1); code(err) != desk.ENOTFOUND {
			t.Fatalf("move a missing topic: %v", err)
		}
		if err := f.svc.MoveTopic(f.alice, a.ID, 1); code(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user reorders: %v", err)
		}
	})
}
