package community_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ratelimit"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func str(s string) *string { return &s }
func yes() *bool           { b := true; return &b }

type fixture struct {
	db      *store.DB
	svc     *community.Service
	tickets *ticket.Service
	ob      *outbox.Outbox
	sys     context.Context
	// Principals as contexts, with a client IP for the rate limits.
	admin, agent, light, alice, bob, carol context.Context
	aliceID, bobID, carolID, agentID       int64
	topic                                  int64
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{db: db, tickets: ticket.New(db, bus, blobs), sys: desk.SystemContext(context.Background())}
	ppl := people.New(db, bus)
	box, err := secrets.NewBox(make([]byte, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f.ob = outbox.New(db, box)
	f.svc = community.New(db, f.tickets, f.ob, "https://help.example.com")
	user := func(name string, role desk.Role) (context.Context, int64) {
		email := strings.ToLower(name) + "@example.com"
		u, err := ppl.CreateUser(f.sys, people.UserInput{Name: &name, Email: &email, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		p, err := people.PrincipalFor(f.sys, db, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Via = "api"
		return audit.WithClient(desk.WithPrincipal(context.Background(), p), "192.0.2."+name[:1], "test"), u.ID
	}
	f.admin, _ = user("Admin", desk.RoleAdmin)
	f.agent, f.agentID = user("Gent", desk.RoleAgent)
	f.alice, f.aliceID = user("Alice", desk.RoleEndUser)
	f.bob, f.bobID = user("Bob", desk.RoleEndUser)
	f.carol, f.carolID = user("Carol", desk.RoleEndUser)
	lp := &desk.Principal{UserID: f.agentID, Role: desk.RoleAgent, Perms: &desk.Permissions{}, Via: "api"}
	f.light = desk.WithPrincipal(context.Background(), lp)
	tp, err := f.svc.CreateTopic(f.admin, community.TopicInput{Name: str("General"), Description: str("Anything"),
		Translations: map[string]community.TopicText{"pl": {Name: "Ogólne", Description: "Cokolwiek"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.topic = tp.ID
	return f
}

func code(err error) string { return desk.ErrorCode(err) }

// approvedPost makes an approved post by ctx's user (approving it when
// held).
func (f *fixture) approvedPost(t *testing.T, ctx context.Context, title string) *community.Post {
	t.Helper()
	p, err := f.svc.CreatePost(ctx, community.PostInput{Title: &title, Text: str("Body of " + title), TopicID: &f.topic})
	if err != nil {
		t.Fatal(err)
	}
	if p.Moderation == community.Pending {
		if err := f.svc.Moderate(f.admin, community.TypePost, p.ID, community.Approved); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestFirstPostHeldAndVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		anon := context.Background()
		p, err := f.svc.CreatePost(f.alice, community.PostInput{Title: str("My first question"), Text: str("Hello"), TopicID: &f.topic, Kind: ptrKind(community.KindQuestion)})
		if err != nil {
			t.Fatal(err)
		}
		if p.Moderation != community.Pending {
			t.Fatalf("first post of a new user: %s, want pending", p.Moderation)
		}
		// Held: the author and staff see it; nobody else does.
		for name, ctx := range map[string]context.Context{"anonymous": anon, "bob": f.bob} {
			if _, err := f.svc.Post(ctx, p.ID); code(err) != desk.ENOTFOUND {
				t.Errorf("%s reads a held post: %v", name, err)
			}
			list, total, err := f.svc.Posts(ctx, community.PostFilter{TopicID: f.topic})
			if err != nil || total != 0 || len(list) != 0 {
				t.Errorf("%s lists held posts: %d %v", name, total, err)
			}
		}
		for name, ctx := range map[string]context.Context{"author": f.alice, "agent": f.agent} {
			if _, err := f.svc.Post(ctx, p.ID); err != nil {
				t.Errorf("%s cannot read the held post: %v", name, err)
			}
		}
		// Bob cannot vote on or comment a held post.
		if _, err := f.svc.Vote(f.bob, p.ID, 1); code(err) != desk.ENOTFOUND {
			t.Errorf("vote on a held post: %v", err)
		}
		q, err := f.svc.ModerationQueue(f.admin)
		if err != nil || len(q.Posts) != 1 || q.Posts[0].ID != p.ID {
			t.Fatalf("queue: %+v %v", q, err)
		}
		// An agent without manage_help_center does not moderate.
		if err := f.svc.Moderate(f.agent, community.TypePost, p.ID, community.Approved); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent approves: %v", err)
		}
		if err := f.svc.Moderate(f.admin, community.TypePost, p.ID, community.Approved); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Post(anon, p.ID); err != nil {
			t.Fatalf("approved post hidden: %v", err)
		}
		// Once approved, the user's next post is published at once.
		p2, err := f.svc.CreatePost(f.alice, community.PostInput{Title: str("Second"), Text: str("x"), TopicID: &f.topic})
		if err != nil || p2.Moderation != community.Approved {
			t.Fatalf("second post: %+v %v", p2, err)
		}
		// Rejected content leaves every list, even the author's.
		if err := f.svc.Moderate(f.admin, community.TypePost, p2.ID, community.Rejected); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Post(f.alice, p2.ID); code(err) != desk.ENOTFOUND {
			t.Errorf("author reads a rejected post: %v", err)
		}
		_, total, _ := f.svc.Posts(f.alice, community.PostFilter{})
		if total != 1 {
			t.Errorf("alice's list: %d posts, want 1", total)
		}
	})
}

func ptrKind(k community.Kind) *community.Kind { return &k }

func TestModerationActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.approvedPost(t, f.alice, "Feature request")
		other, err := f.svc.CreateTopic(f.admin, community.TopicInput{Name: str("Ideas")})
		if err != nil {
			t.Fatal(err)
		}
		// The author edits text but not moderation fields.
		if _, err := f.svc.UpdatePost(f.alice, p.ID, community.PostInput{Pinned: yes()}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("author pins: %v", err)
		}
		if _, err := f.svc.UpdatePost(f.bob, p.ID, community.PostInput{Title: str("Hijacked")}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("another user edits: %v", err)
		}
		planned := community.StatusPlanned
		up, err := f.svc.UpdatePost(f.admin, p.ID, community.PostInput{Pinned: yes(), Featured: yes(), Closed: yes(), Status: &planned, TopicID: &other.ID})
		if err != nil {
			t.Fatal(err)
		}
		if !up.Pinned || !up.Featured || !up.Closed || up.Status != planned || up.TopicID != other.ID {
			t.Fatalf("moderated post: %+v", up)
		}
		// Closed: the author can neither edit nor comment; a moderator can.
		if _, err := f.svc.UpdatePost(f.alice, p.ID, community.PostInput{Title: str("x")}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("edit closed: %v", err)
		}
		if _, err := f.svc.CreateComment(f.alice, p.ID, community.CommentInput{Text: str("hi")}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("comment closed: %v", err)
		}
		if _, err := f.svc.CreateComment(f.admin, p.ID, community.CommentInput{Text: str("Closing note")}); err != nil {
			t.Fatal(err)
		}
		bad := community.Status("maybe")
		if _, err := f.svc.UpdatePost(f.admin, p.ID, community.PostInput{Status: &bad}); code(err) != desk.EINVALID {
			t.Fatalf("bad status: %v", err)
		}
		missing := int64(999999)
		if _, err := f.svc.UpdatePost(f.admin, p.ID, community.PostInput{TopicID: &missing}); code(err) != desk.EINVALID {
			t.Fatalf("move to no topic: %v", err)
		}
		// Pinned posts come first.
		f.approvedPost(t, f.bob, "Later post")
		list, _, err := f.svc.Posts(context.Background(), community.PostFilter{TopicID: other.ID})
		if err != nil || len(list) != 1 || list[0].ID != p.ID {
			t.Fatalf("moved post: %v %v", list, err)
		}
		// Delete: not by others; by a moderator, audited.
		if err := f.svc.DeletePost(f.bob, p.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("other deletes: %v", err)
		}
		if err := f.svc.DeletePost(f.admin, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Post(f.admin, p.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("deleted post: %v", err)
		}
	})
}

func TestBan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.approvedPost(t, f.alice, "Topic starter")
		held, err := f.svc.CreatePost(f.bob, community.PostInput{Title: str("Buy cheap pills"), Text: str("spam"), TopicID: &f.topic})
		if err != nil || held.Moderation != community.Pending {
			t.Fatalf("held: %+v %v", held, err)
		}
		if err := f.svc.Ban(f.agent, f.bobID, "spam"); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent bans: %v", err)
		}
		if err := f.svc.Ban(f.admin, f.agentID, "x"); code(err) != desk.EINVALID {
			t.Fatalf("ban staff: %v", err)
		}
		if err := f.svc.Ban(f.admin, f.bobID, "spam"); err != nil {
			t.Fatal(err)
		}
		q, err := f.svc.ModerationQueue(f.admin)
		if err != nil || len(q.Posts) != 1 || q.Posts[0].Moderation != community.Rejected {
			t.Fatalf("banned user's held post not in the spam queue: %+v %v", q, err)
		}
		if _, err := f.svc.CreatePost(f.bob, community.PostInput{Title: str("Again"), Text: str("x"), TopicID: &f.topic}); code(err) != desk.EFORBIDDEN {
			t.Errorf("banned user posts: %v", err)
		}
		if _, err := f.svc.CreateComment(f.bob, p.ID, community.CommentInput{Text: str("x")}); code(err) != desk.EFORBIDDEN {
			t.Errorf("banned user comments: %v", err)
		}
		if _, err := f.svc.Vote(f.bob, p.ID, 1); code(err) != desk.EFORBIDDEN {
			t.Errorf("banned user votes: %v", err)
		}
		bans, err := f.svc.Bans(f.admin)
		if err != nil || len(bans) != 1 || bans[0].UserID != f.bobID || bans[0].Reason != "spam" {
			t.Fatalf("bans: %+v %v", bans, err)
		}
		if err := f.svc.Unban(f.admin, f.bobID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vote(f.bob, p.ID, 1); err != nil {
			t.Errorf("unbanned user votes: %v", err)
		}
	})
}

func TestOneVotePerUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.approvedPost(t, f.alice, "Vote on me")
		for range 3 {
			if _, err := f.svc.Vote(f.bob, p.ID, 1); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := f.svc.Post(f.bob, p.ID)
		if got.VoteCount != 1 || got.VoteSum != 1 {
			t.Fatalf("three up-votes by one user: count %d sum %d", got.VoteCount, got.VoteSum)
		}
		if _, err := f.svc.Vote(f.bob, p.ID, -1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vote(f.carol, p.ID, -1); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.Post(f.bob, p.ID)
		if got.VoteCount != 2 || got.VoteSum != -2 {
			t.Fatalf("after changing to down: count %d sum %d", got.VoteCount, got.VoteSum)
		}
		if _, err := f.svc.Vote(f.bob, p.ID, 5); code(err) != desk.EINVALID {
			t.Fatalf("vote 5: %v", err)
		}
		if _, err := f.svc.Vote(context.Background(), p.ID, 1); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("anonymous vote: %v", err)
		}
		// Who voted is the voter's own business.
		mine, err := f.svc.Votes(f.bob, p.ID)
		if err != nil || len(mine) != 1 || mine[0].UserID != f.bobID {
			t.Fatalf("bob's votes: %+v %v", mine, err)
		}
		all, err := f.svc.Votes(f.agent, p.ID)
		if err != nil || len(all) != 2 {
			t.Fatalf("agent sees votes: %+v %v", all, err)
		}
		if err := f.svc.Unvote(f.bob, p.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.Post(f.bob, p.ID)
		if got.VoteCount != 1 {
			t.Fatalf("after unvote: %d", got.VoteCount)
		}
	})
}

func TestRateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		now := time.Now()
		clock := func() time.Time { return now }
		st := settings.Uncached(db, nil)
		f.svc.Limits = community.Limits{Budgets: ratelimit.NewBudgets(db, clock, nil), Settings: st}
		for _, c := range []struct {
			s *settings.Setting[int64]
			v int64
		}{{settings.CommunityPostsPerUser, 2}, {settings.CommunityPostsPerIP, 3}, {settings.CommunityCommentsPerUser, 1}} {
			if err := c.s.Set(f.sys, st, c.v); err != nil {
				t.Fatal(err)
			}
		}
		if err := settings.CommunityPostsPerUser.Set(f.sys, st, -1); code(err) != desk.EINVALID {
			t.Fatalf("negative limit: %v", err)
		}
		post := func(ctx context.Context, n int) error {
			_, err := f.svc.CreatePost(ctx, community.PostInput{Title: str("Post " + string(rune('a'+n))), Text: str("x"), TopicID: &f.topic})
			return err
		}
		for i := range 2 {
			if err := post(f.alice, i); err != nil {
				t.Fatal(err)
			}
		}
		if err := post(f.alice, 3); code(err) != desk.ETOOMANY {
			t.Fatalf("third post in an hour: %v", err)
		}
		// The same IP for another user: the IP budget (3) is spent after
		// one more.
		bobSameIP := audit.WithClient(f.bob, "192.0.2.A", "test")
		if err := post(bobSameIP, 4); err != nil {
			t.Fatal(err)
		}
		if err := post(bobSameIP, 5); code(err) != desk.ETOOMANY {
			t.Fatalf("over the IP budget: %v", err)
		}
		// Staff are not limited.
		for i := range 4 {
			if err := post(f.admin, 10+i); err != nil {
				t.Fatalf("staff limited: %v", err)
			}
		}
		// The window is an hour: a few minutes do not help, the next
		// hour does.
		now = now.Add(10 * time.Minute)
		if err := post(f.alice, 6); code(err) != desk.ETOOMANY {
			t.Fatalf("ten minutes later: %v", err)
		}
		now = now.Add(time.Hour)
		if err := post(f.alice, 7); err != nil {
			t.Fatalf("after an hour: %v", err)
		}
		p := f.approvedPost(t, f.admin, "Comment here")
		if _, err := f.svc.CreateComment(f.carol, p.ID, community.CommentInput{Text: str("one")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateComment(f.carol, p.ID, community.CommentInput{Text: str("two")}); code(err) != desk.ETOOMANY {
			t.Fatalf("second comment in an hour: %v", err)
		}
		// An admin lifting the limit (0) lets the next comment through at
		// once.
		if err := settings.CommunityCommentsPerUser.Set(f.sys, st, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateComment(f.carol, p.ID, community.CommentInput{Text: str("three")}); err != nil {
			t.Fatalf("no limit: %v", err)
		}
	})
}

func TestCommentsOfficialAndNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.approvedPost(t, f.alice, "How do I <reset> it?")
		if _, err := f.svc.UpdatePost(f.alice, p.ID, community.PostInput{Kind: ptrKind(community.KindQuestion)}); err != nil {
			t.Fatal(err)
		}
		// Carol follows the topic; Alice follows her post by writing it.
		if _, err := f.svc.Follow(f.carol, community.TypeTopic, f.topic); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateComment(f.bob, p.ID, community.CommentInput{Text: str("Me too"), Official: yes()}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user marks official: %v", err)
		}
		// Bob is new: his first comment is held and mails nobody.
		c, err := f.svc.CreateComment(f.bob, p.ID, community.CommentInput{Body: str(`<p>Try this</p><script>alert(1)</script><img src=x onerror=alert(2)>`)})
		if err != nil {
			t.Fatal(err)
		}
		if c.Moderation != community.Pending || strings.Contains(c.Body, "script") || strings.Contains(c.Body, "onerror") {
			t.Fatalf("held, sanitised comment: %+v", c)
		}
		if n := f.mails(t); n != 0 {
			t.Fatalf("held comment mailed %d", n)
		}
		if err := f.svc.Moderate(f.admin, community.TypeComment, c.ID, community.Approved); err != nil {
			t.Fatal(err)
		}
		// Approved: Alice (post) and Carol (topic) get a mail; Bob does not.
		if n := f.mails(t); n != 2 {
			t.Fatalf("mails after approval: %d, want 2", n)
		}
		m, err := f.ob.Latest(f.sys, "alice@example.com")
		if err != nil || m == nil {
			t.Fatalf("alice's mail: %v %v", m, err)
		}
		if m.Subject != "New comment on: How do I <reset> it?" || !strings.Contains(m.Text, "Bob commented") || !strings.Contains(m.Text, "Try this") ||
			!strings.Contains(m.Text, "https://help.example.com"+p.Path("en")) || strings.Contains(m.Text, "<script") || m.Kind != community.MailKind {
			t.Fatalf("alice's mail: %q\n%s", m.Subject, m.Text)
		}
		off, err := f.svc.CreateComment(f.agent, p.ID, community.CommentInput{Text: str("Official answer"), Official: yes()})
		if err != nil || !off.Official {
			t.Fatalf("official: %+v %v", off, err)
		}
		if n := f.mails(t); n != 5 {
			t.Fatalf("mails after the agent's answer: %d, want 5 (Alice, Carol, Bob)", n)
		}
		list, total, err := f.svc.Comments(context.Background(), p.ID, 1, 10)
		if err != nil || total != 2 || list[0].ID != off.ID {
			t.Fatalf("comments, official first: %+v %d %v", list, total, err)
		}
		// The question is answered now.
		got, _ := f.svc.Post(f.alice, p.ID)
		if got.Status != community.StatusAnswered || got.CommentCount != 2 {
			t.Fatalf("post after official answer: %+v", got)
		}
		// Unfollowing stops the mail.
		if err := f.svc.Unfollow(f.carol, community.TypeTopic, f.topic); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateComment(f.agent, p.ID, community.CommentInput{Text: str("More")}); err != nil {
			t.Fatal(err)
		}
		if n := f.mails(t); n != 7 {
			t.Fatalf("mails after Carol unfollowed: %d, want 7", n)
		}
	})
}

func (f *fixture) mails(t *testing.T) int {
	t.Helper()
	list, err := f.ob.List(f.sys, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range list {
		if e.Kind == community.MailKind {
			n++
		}
	}
	return n
}

func TestEscalateOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.approvedPost(t, f.alice, "Broken invoice")
		if _, err := f.svc.Escalate(f.alice, p.ID, ""); code(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user escalates: %v", err)
		}
		if _, err := f.svc.Escalate(f.light, p.ID, ""); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent without ticket access escalates: %v", err)
		}
		// Concurrent escalations make exactly one ticket.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var made []*desk.Ticket
		var conflicts int
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk, err := f.svc.Escalate(f.agent, p.ID, "https://help.example.com/hc/en/community/posts/1")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					made = append(made, tk)
				case code(err) == desk.ECONFLICT:
					conflicts++
				default:
					t.Errorf("escalate: %v", err)
				}
			}()
		}
		wg.Wait()
		if len(made) != 1 || conflicts != 3 {
			t.Fatalf("escalations: %d tickets, %d conflicts", len(made), conflicts)
		}
		tk, err := f.tickets.Get(f.sys, made[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.RequesterID != f.aliceID || tk.Subject != "Broken invoice" || tk.Via.Channel != community.Via {
			t.Fatalf("ticket: requester %d subject %q via %q", tk.RequesterID, tk.Subject, tk.Via.Channel)
		}
		audits, _, err := f.tickets.Audits(f.sys, tk.ID, 0, 100)
		if err != nil || len(audits) != 1 {
			t.Fatalf("audits: %d %v", len(audits), err)
		}
		if !strings.Contains(tk.Description, "https://help.example.com/hc/en/community/posts/1") {
			t.Fatalf("ticket does not link the post: %q", tk.Description)
		}
		got, _ := f.svc.Post(context.Background(), p.ID)
		if got.TicketID == nil || *got.TicketID != tk.ID {
			t.Fatalf("post does not link the ticket: %+v", got.TicketID)
		}
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("tickets in the store: %d %v", n, err)
		}
		// A comment becomes a ticket of its own, once, requested by its
		// author.
		c, err := f.svc.CreateComment(f.agent, p.ID, community.CommentInput{Text: str("Same here, charged twice")})
		if err != nil {
			t.Fatal(err)
		}
		ct, err := f.svc.EscalateComment(f.agent, p.ID, c.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if ct.ID == tk.ID || ct.RequesterID != f.agentID || ct.Subject != "Re: Broken invoice" {
			t.Fatalf("comment ticket: %+v", ct)
		}
		if _, err := f.svc.EscalateComment(f.agent, p.ID, c.ID, ""); code(err) != desk.ECONFLICT {
			t.Fatalf("second comment escalation: %v", err)
		}
		if _, err := f.svc.EscalateComment(f.agent, p.ID+1000, c.ID, ""); code(err) != desk.ENOTFOUND {
			t.Fatalf("comment of another post: %v", err)
		}
		cs, _, _ := f.svc.Comments(f.alice, p.ID, 1, 10)
		if len(cs) != 1 || cs[0].TicketID == nil || *cs[0].TicketID != ct.ID {
			t.Fatalf("comment's ticket: %+v", cs)
		}
	})
}

func TestTopicsTranslatedAndModeratorsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if _, err := f.svc.CreateTopic(f.agent, community.TopicInput{Name: str("x")}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent creates a topic: %v", err)
		}
		if _, err := f.svc.CreateTopic(f.admin, community.TopicInput{Name: str("")}); code(err) != desk.EINVALID {
			t.Fatalf("blank topic: %v", err)
		}
		if _, err := f.svc.CreateTopic(f.admin, community.TopicInput{Name: str("x"), Translations: map[string]community.TopicText{"../etc": {Name: "x"}}}); code(err) != desk.EINVALID {
			t.Fatalf("bad locale: %v", err)
		}
		pl, err := f.svc.Topic(context.Background(), f.topic, "pl")
		if err != nil || pl.Name != "Ogólne" || pl.Description != "Cokolwiek" {
			t.Fatalf("polish topic: %+v %v", pl, err)
		}
		en, err := f.svc.Topic(context.Background(), f.topic, "en")
		if err != nil || en.Name != "General" {
			t.Fatalf("english topic: %+v %v", en, err)
		}
		if err := f.svc.DeleteTopic(f.admin, f.topic, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Topic(context.Background(), f.topic, ""); code(err) != desk.ENOTFOUND {
			t.Fatalf("deleted topic: %v", err)
		}
	})
}

func TestSlugAndRef(t *testing.T) {
	for in, want := range map[string]string{"Jak zresetować hasło?": "jak-zresetowac-haslo", "  <script>  ": "script", "!!!": "post", "Ünïcödé & more": "unicode-more"} {
		if got := community.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	for ref, want := range map[string]int64{"12": 12, "12-abc-def": 12, "012": 0, "12-": 0, "12-ABC": 0, "12-a/b": 0, "-1": 0, "x": 0, "99999999999999999999": 0, "12-..": 0} {
		id, _, ok := community.ParseRef(ref)
		if (want != 0) != ok || id != want {
			t.Errorf("ParseRef(%q) = %d %v, want %d", ref, id, ok, want)
		}
	}
}

func TestEraseUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mine := f.approvedPost(t, f.alice, "Alice's secret plan")
		theirs := f.approvedPost(t, f.bob, "Bob's post")
		if _, err := f.svc.CreateComment(f.alice, theirs.ID, community.CommentInput{Text: str("Alice was here")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vote(f.alice, theirs.ID, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vote(f.bob, mine.ID, 1); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(f.sys, func(tx *store.Tx) error { return community.EraseUserTx(f.sys, tx, f.aliceID) }); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Post(f.admin, mine.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("erased user's post: %v", err)
		}
		got, err := f.svc.Post(f.admin, theirs.ID)
		if err != nil || got.CommentCount != 0 || got.VoteCount != 0 || got.FollowerCount != 1 {
			t.Fatalf("other post after erasure: %+v %v", got, err)
		}
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM community_subscriptions WHERE content_type = 'post' AND content_id = ?`, mine.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("subscriptions of the erased post: %d %v", n, err)
		}
	})
}
