package ticket_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// recorder is a hook that records every change it is shown and fails while
// fail is set.
type recorder struct {
	mu   sync.Mutex
	seen []*desk.TicketChange
	fail bool
}

func (r *recorder) hook(_ context.Context, tx *store.Tx, c *desk.TicketChange) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("hook refuses")
	}
	r.seen = append(r.seen, c)
	return nil
}

func (r *recorder) reset(fail bool) {
	r.mu.Lock()
	r.seen, r.fail = nil, fail
	r.mu.Unlock()
}

func (r *recorder) about(id int64) []*desk.TicketChange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*desk.TicketChange
	for _, c := range r.seen {
		if c.TicketID == id {
			out = append(out, c)
		}
	}
	return out
}

func (f *fixture) eventsAbout(id int64) []events.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []events.Event
	for _, e := range f.published {
		if e.TicketID == id {
			out = append(out, e)
		}
	}
	return out
}

func (f *fixture) resetEvents() {
	f.mu.Lock()
	f.published = nil
	f.mu.Unlock()
}

// snapshot is everything a rolled-back mutation must leave as it was.
func snapshot(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	ctx := context.Background()
	var tickets, audits, comments int
	var state string
	db.QueryRow(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&tickets)
	db.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_audits WHERE ticket_id = ?`, id).Scan(&audits)
	db.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_comments WHERE ticket_id = ?`, id).Scan(&comments)
	var version, deleted int64
	var status string
	var prio *string
	if err := db.QueryRow(ctx, `SELECT version, status, priority, deleted_at FROM tickets WHERE id = ?`, id).Scan(&version, &status, &prio, &deleted); err == nil {
		state = fmt.Sprintf("v%d %s %v deleted=%v", version, status, deref(prio), deleted != 0)
	}
	return fmt.Sprintf("tickets=%d audits=%d comments=%d %s", tickets, audits, comments, state)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func auditCount(db *store.DB, id int64) int {
	var n int
	db.QueryRow(context.Background(), `SELECT COUNT(*) FROM ticket_audits WHERE ticket_id = ?`, id).Scan(&n)
	return n
}

func lastAuditID(db *store.DB, id int64) int64 {
	var a int64
	db.QueryRow(context.Background(), `SELECT COALESCE(MAX(id), 0) FROM ticket_audits WHERE ticket_id = ?`, id).Scan(&a)
	return a
}

// TestEveryMutationTakesTheOneCommitPath: each kind of ticket mutation
// produces exactly one audit (none for a permanent delete, whose audits go
// with the ticket) and exactly one event whose typed change has the right
// kind, before and after; the registered hook sees that same change, so no
// mutation bypasses hooks. A failing hook rolls each of them back: the
// ticket, its audits and comments are as they were and nothing is
// published.
func TestEveryMutationTakesTheOneCommitPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rec := &recorder{}
		f.svc.AddHook("recorder", rec.hook)
		bulkSvc := &bulk.Service{DB: db, Tickets: f.svc}
		runner := jobs.NewRunner(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		bulkSvc.Register(runner)
		drain := func() {
			for {
				found, err := runner.RunOnce(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if !found {
					return
				}
			}
		}
		newTicket := func() int64 {
			return mustCreate(t, f, f.alice, ticket.Input{Subject: str("Printer"), Comment: &ticket.CommentInput{Body: "it jams"}}).ID
		}
		deleted := func() int64 {
			id := newTicket()
			if err := f.svc.Delete(as(f.admin), id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		high := desk.NullString{Set: true, Value: "high"}

		type tcase struct {
			name string
			// setup prepares the ticket the case is about (0: created by act).
			setup func() int64
			// act performs the mutation; for create it returns the new id.
			act       func(id int64) (int64, error)
			kind      desk.ChangeKind
			eventType string
			audit     bool
			check     func(t *testing.T, c *desk.TicketChange)
		}
		var mergeTarget, mergeSource int64
		cases := []tcase{
			{name: "create", setup: func() int64 { return 0 },
				act: func(int64) (int64, error) {
					tk, _, err := f.svc.Create(as(f.agent), ticket.Input{Subject: str("New"), Comment: &ticket.CommentInput{Body: "first"},
						Requester: &ticket.RequesterInput{Email: fmt.Sprintf("fresh%d@example.com", len(rec.seen))}, Priority: high})
					if err != nil {
						return 0, err
					}
					return tk.ID, nil
				},
				kind: desk.ChangeCreate, eventType: events.TicketCreated, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					if c.Before != nil || c.After == nil || c.After.Status != desk.StatusNew || deref(c.After.Priority) != "high" || c.Comment == nil || c.Comment.Body != "first" {
						t.Errorf("create change %+v", c)
					}
				}},
			{name: "update", setup: newTicket,
				act: func(id int64) (int64, error) {
					_, _, err := f.svc.Update(as(f.agent), id, ticket.Input{Priority: high})
					return id, err
				},
				kind: desk.ChangeUpdate, eventType: events.TicketUpdated, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					if c.Before.Priority != nil || deref(c.After.Priority) != "high" || c.Comment != nil || c.After.Version != c.Before.Version+1 {
						t.Errorf("update change before %+v after %+v", c.Before, c.After)
					}
					if len(c.Events) != 1 || c.Events[0].FieldName != "priority" || c.Events[0].Value != "high" {
						t.Errorf("update events %+v", c.Events)
					}
				}},
			{name: "update with comment", setup: newTicket,
				act: func(id int64) (int64, error) {
					_, _, err := f.svc.Update(as(f.agent), id, ticket.Input{Comment: &ticket.CommentInput{Body: "on it"}})
					return id, err
				},
				kind: desk.ChangeUpdate, eventType: events.TicketUpdated, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					if c.Before.Status != desk.StatusNew || c.After.Status != desk.StatusOpen || c.Comment == nil || c.Comment.Body != "on it" || !c.Comment.Public || c.Comment.AuthorID != f.agent.UserID {
						t.Errorf("reply change %+v comment %+v", c, c.Comment)
					}
				}},
			{name: "bulk update", setup: newTicket,
				act: func(id int64) (int64, error) {
					if _, err := bulkSvc.UpdateTickets(as(f.agent), []int64{id}, &ticket.Input{Priority: high}, nil); err != nil {
						return id, err
					}
					drain()
					var n int
					db.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets WHERE id = ? AND priority = 'high'`, id).Scan(&n)
					if n == 0 {
						return id, errors.New("bulk update not applied")
					}
					return id, nil
				},
				kind: desk.ChangeUpdate, eventType: events.TicketUpdated, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					if deref(c.After.Priority) != "high" || c.ActorID != f.agent.UserID {
						t.Errorf("bulk change %+v", c)
					}
				}},
			{name: "merge source", setup: func() int64 { mergeTarget, mergeSource = newTicket(), newTicket(); return mergeSource },
				act: func(id int64) (int64, error) {
					return id, f.svc.Merge(as(f.agent), mergeTarget, ticket.MergeInput{IDs: []int64{id}})
				},
				kind: desk.ChangeMergeSource, eventType: events.TicketUpdated, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					if c.Before.Status == desk.StatusClosed || c.After.Status != desk.StatusClosed || c.Comment == nil || !strings.Contains(c.Comment.Body, "merged into request") {
						t.Errorf("merge source change %+v", c)
					}
					if len(c.Events) != 1 || c.Events[0].FieldName != "status" || c.Events[0].Value != "closed" {
						t.Errorf("merge source events %+v", c.Events)
					}
				}},
			{name: "merge target", setup: func() int64 { mergeTarget, mergeSource = newTicket(), newTicket(); return mergeTarget },
				act: func(id int64) (int64, error) {
					return id, f.svc.Merge(as(f.agent), id, ticket.MergeInput{IDs: []int64{mergeSource}})
				},
				kind: desk.ChangeMergeTarget, eventType: events.TicketUpdated, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					if c.After.Status == desk.StatusClosed || c.Comment == nil || !strings.Contains(c.Comment.Body, "merged into this request") {
						t.Fatalf("merge target change %+v", c)
					}
					// The copied conversation belongs to the same audit, and
					// the audit's comment event is still the note.
					cs, _, _ := f.svc.Comments(as(f.admin), c.TicketID, 0, 100, false)
					var inAudit []string
					for _, cm := range cs {
						if cm.AuditID == c.AuditID {
							inAudit = append(inAudit, cm.Body)
						}
					}
					if want := []string{"it jams", c.Comment.Body}; !slices.Equal(inAudit, want) {
						t.Errorf("comments of the merge audit %q, want %q", inAudit, want)
					}
					audits, _, _ := f.svc.Audits(as(f.admin), c.TicketID, 0, 100)
					last := audits[len(audits)-1]
					if ev := last.Events[len(last.Events)-1]; last.ID != c.AuditID || ev.Type != "Comment" || ev.ID != c.Comment.ID {
						t.Errorf("merge audit %d's comment event %+v, want the note %d", last.ID, ev, c.Comment.ID)
					}
				}},
			// p6-tickets: CCs by address, comment privacy and spam take the same path.
			{name: "ccs by address", setup: newTicket,
				act: func(id int64) (int64, error) {
					_, _, err := f.svc.Update(as(f.agent), id, ticket.Input{
						Collaborators: &[]ticket.CollaboratorRef{{Email: fmt.Sprintf("cc%d@example.com", id)}},
						Followers:     []ticket.CCAction{{UserID: f.agent.UserID}},
					})
					return id, err
				},
				kind: desk.ChangeUpdate, eventType: events.TicketUpdated, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					var fields []string
					for _, e := range c.Events {
						fields = append(fields, e.FieldName)
					}
					if !slices.Equal(fields, []string{"follower_ids", "email_cc_ids"}) || len(c.After.EmailCCIDs) != 1 || !slices.Equal(c.After.FollowerIDs, []int64{f.agent.UserID}) {
						t.Errorf("cc change events %v after %+v", fields, c.After)
					}
				}},
			{name: "make comment private", setup: newTicket,
				act: func(id int64) (int64, error) {
					cs, _, err := f.svc.Comments(as(f.admin), id, 0, 1, false)
					if err != nil {
						return id, err
					}
					return id, f.svc.MakeCommentPrivate(as(f.agent), id, cs[0].ID)
				},
				kind: desk.ChangeUpdate, eventType: events.TicketUpdated, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					if len(c.Events) != 1 || c.Events[0].Type != "CommentPrivacyChange" || c.Events[0].CommentID == 0 {
						t.Errorf("make private events %+v", c.Events)
					}
				}},
			{name: "mark as spam", setup: func() int64 {
				f.ppl.EndSessionsTx = account.EndUserSessionsTx // suspending ends sessions
				tk, _, err := f.svc.Create(as(f.agent), ticket.Input{Subject: str("Spam"), Comment: &ticket.CommentInput{Body: "buy"},
					Requester: &ticket.RequesterInput{Email: fmt.Sprintf("spam%d@example.com", len(rec.seen))}})
				if err != nil {
					t.Fatal(err)
				}
				return tk.ID
			},
				act:  func(id int64) (int64, error) { return id, f.svc.MarkAsSpam(as(f.agent), id, f.ppl.SuspendSpammerTx) },
				kind: desk.ChangeSoftDelete, eventType: events.TicketDeleted, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					var suspended bool
					db.QueryRow(context.Background(), `SELECT suspended FROM users WHERE id = ?`, c.Before.RequesterID).Scan(&suspended)
					if c.After.DeletedAt.IsZero() || !suspended {
						t.Errorf("spam change %+v, requester suspended %v", c, suspended)
					}
				}},
			{name: "soft delete", setup: newTicket,
				act:  func(id int64) (int64, error) { return id, f.svc.Delete(as(f.admin), id) },
				kind: desk.ChangeSoftDelete, eventType: events.TicketDeleted, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					if !c.Before.DeletedAt.IsZero() || c.After.DeletedAt.IsZero() || len(c.Events) != 1 || c.Events[0].FieldName != "deleted" || c.Events[0].Value != true {
						t.Errorf("soft delete change %+v events %+v", c, c.Events)
					}
				}},
			{name: "restore", setup: deleted,
				act:  func(id int64) (int64, error) { return id, f.svc.Restore(as(f.admin), id) },
				kind: desk.ChangeRestore, eventType: events.TicketRestored, audit: true,
				check: func(t *testing.T, c *desk.TicketChange) {
					if c.Before.DeletedAt.IsZero() || !c.After.DeletedAt.IsZero() || len(c.Events) != 1 || c.Events[0].Value != false {
						t.Errorf("restore change %+v", c)
					}
				}},
			{name: "permanent delete", setup: deleted,
				act:  func(id int64) (int64, error) { return id, f.svc.Destroy(as(f.admin), id) },
				kind: desk.ChangePermanentDelete, eventType: events.TicketDeleted, audit: false,
				check: func(t *testing.T, c *desk.TicketChange) {
					if c.Before == nil || c.After != nil || c.AuditID != 0 {
						t.Errorf("permanent delete change %+v", c)
					}
				}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				id := tc.setup()

				// A failing hook rolls the mutation back and publishes nothing.
				before := snapshot(t, db, id)
				rec.reset(true)
				f.resetEvents()
				if _, err := tc.act(id); err == nil {
					t.Fatal("mutation succeeded although a hook failed")
				} else if tc.name != "bulk update" && !strings.Contains(err.Error(), "hook refuses") {
					t.Fatalf("error %v does not name the hook's failure", err)
				}
				if after := snapshot(t, db, id); after != before {
					t.Fatalf("failed hook left a change:\n before %s\n after  %s", before, after)
				}
				f.mu.Lock()
				n := len(f.published)
				f.mu.Unlock()
				if n != 0 {
					t.Fatalf("failed mutation published %d events", n)
				}

				// The same mutation with the hook passing.
				rec.reset(false)
				f.resetEvents()
				audits := auditCount(db, id)
				id, err := tc.act(id)
				if err != nil {
					t.Fatal(err)
				}
				seen := rec.about(id)
				if len(seen) != 1 {
					t.Fatalf("hook saw %d changes of ticket %d, want 1", len(seen), id)
				}
				c := seen[0]
				if c.Kind != tc.kind {
					t.Fatalf("kind %q, want %q", c.Kind, tc.kind)
				}
				evs := f.eventsAbout(id)
				if len(evs) != 1 {
					t.Fatalf("%d events about ticket %d, want 1: %+v", len(evs), id, evs)
				}
				if evs[0].Type != tc.eventType || evs[0].Change != c {
					t.Fatalf("event %s with change %p, want %s with the hook's change %p", evs[0].Type, evs[0].Change, tc.eventType, c)
				}
				if tc.audit {
					if got := auditCount(db, id) - audits; got != 1 {
						t.Fatalf("%d audits written, want 1", got)
					}
					if c.AuditID == 0 || c.AuditID != lastAuditID(db, id) {
						t.Fatalf("change names audit %d, the ticket's last is %d", c.AuditID, lastAuditID(db, id))
					}
				} else if got := auditCount(db, id); got != 0 {
					t.Fatalf("%d audits left after a permanent delete", got)
				}
				tc.check(t, c)
			})
		}
	})
}

// TestAuditsShowDeleteAndRestore: the soft-delete and restore audits render
// through the audits API as changes of the "deleted" pseudo-field.
func TestAuditsShowDeleteAndRestore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}})
		if err := f.svc.Delete(as(f.admin), tk.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Restore(as(f.admin), tk.ID); err != nil {
			t.Fatal(err)
		}
		audits, _, err := f.svc.Audits(as(f.admin), tk.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(audits) != 3 {
			t.Fatalf("%d audits, want create, delete, restore", len(audits))
		}
		var got []string
		for _, a := range audits[1:] {
			for _, e := range a.Events {
				got = append(got, fmt.Sprintf("%s %s %v→%v", e.Type, e.FieldName, e.PreviousValue, e.Value))
			}
			if a.AuthorID != f.admin.UserID || a.Events[0].ID == 0 {
				t.Errorf("audit %+v", a)
			}
		}
		if want := []string{"Change deleted false→true", "Change deleted true→false"}; !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
	})
}

// TestRequesterCreatedWithTicketIsAnnounced: a requester created together
// with a ticket is published as user.created, after commit.
func TestRequesterCreatedWithTicketIsAnnounced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.resetEvents()
		tk := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}, Requester: &ticket.RequesterInput{Email: "brand.new@example.com"}})
		mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "again"}, Requester: &ticket.RequesterInput{Email: "brand.new@example.com"}})
		f.mu.Lock()
		defer f.mu.Unlock()
		var created []int64
		for _, e := range f.published {
			if e.Type == events.UserCreated {
				created = append(created, e.UserID)
			}
		}
		if !slices.Equal(created, []int64{tk.RequesterID}) {
			t.Fatalf("user.created for %v, want once for requester %d", created, tk.RequesterID)
		}
	})
}

// TestCountCacheDropsOnTicketEvents: a cached count is dropped by a ticket
// event arriving on the bus — also one from another instance, which
// carries no change.
func TestCountCacheDropsOnTicketEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}})
		restore := ticket.SetLargeCountForTest(1)
		defer restore()
		if n, err := f.svc.Count(as(f.admin), ticket.ListFilter{}); err != nil || n != 1 {
			t.Fatalf("count %d %v", n, err)
		}
		// A row written behind the service's back (as another instance
		// would) is not seen while the count is cached …
		if _, err := db.Exec(context.Background(), `INSERT INTO tickets (subject, description, status, status_rank, priority_rank, requester_id, submitter_id,
			via_channel, via_source, is_public, tags, custom_fields, version, created_at, updated_at)
			VALUES ('other', 'other', 'new', 0, -1, ?, ?, 'api', '{}', ?, '', '{}', 1, 1, 1)`, f.alice.UserID, f.alice.UserID, true); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.svc.Count(as(f.admin), ticket.ListFilter{}); n != 1 {
			t.Fatalf("count %d before the event, want the cached 1", n)
		}
		// … until that instance's event arrives through the relay.
		f.bus.Publish(events.Event{Type: events.TicketCreated, TicketID: 999, Origin: "other"})
		if n, _ := f.svc.Count(as(f.admin), ticket.ListFilter{}); n != 2 {
			t.Fatalf("count %d after another instance's event, want 2", n)
		}
	})
}

// TestDestroyingAProblemUnlinksIncidentsThroughCommit: incidents of a
// destroyed problem lose the link by an ordinary audited update each, not
// by a silent UPDATE.
func TestDestroyingAProblemUnlinksIncidentsThroughCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		problem := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "outage"}, Requester: &ticket.RequesterInput{Email: "c@example.com"},
			Type: desk.NullString{Set: true, Value: "problem"}})
		incident := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "me too"}, Requester: &ticket.RequesterInput{Email: "c@example.com"},
			Type: desk.NullString{Set: true, Value: "incident"}, ProblemID: desk.SetID(problem.ID)})
		if err := f.svc.Delete(as(f.admin), problem.ID); err != nil {
			t.Fatal(err)
		}
		audits := auditCount(db, incident.ID)
		f.resetEvents()
		if err := f.svc.Destroy(as(f.admin), problem.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Get(as(f.admin), incident.ID)
		if err != nil || got.ProblemID != nil || got.Version != incident.Version+1 {
			t.Fatalf("incident after destroy %+v %v", got, err)
		}
		if n := auditCount(db, incident.ID) - audits; n != 1 {
			t.Fatalf("%d audits on the incident, want 1", n)
		}
		evs := f.eventsAbout(incident.ID)
		if len(evs) != 1 || evs[0].Change == nil || evs[0].Change.Kind != desk.ChangeUpdate || evs[0].Change.Events[0].FieldName != "problem_id" {
			t.Fatalf("incident events %+v", evs)
		}
	})
}

// TestEditTxRunsTheAPIsAppliers: a rule action changes a ticket through
// EditTx with the same appliers, rules and commit path as the API's update.
func TestEditTxRunsTheAPIsAppliers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rec := &recorder{}
		f.svc.AddHook("recorder", rec.hook)
		tk := mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "slow"}})
		edit := func(p *desk.Principal, fn func(*ticket.Edit) error) error {
			return db.InTx(context.Background(), func(tx *store.Tx) error {
				_, _, err := f.svc.EditTx(as(p), tx, tk.ID, fn)
				return err
			})
		}
		rec.reset(false)
		err := edit(f.agent, func(e *ticket.Edit) error {
			e.SetPriority("urgent")
			if err := e.AddTags([]string{"Escalated"}); err != nil {
				return err
			}
			return e.SetGroup(f.support)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Get(as(f.admin), tk.ID)
		if deref(got.Priority) != "urgent" || !slices.Contains(got.Tags, "escalated") || got.GroupID == nil || *got.GroupID != f.support {
			t.Fatalf("ticket after rule action %+v", got)
		}
		seen := rec.about(tk.ID)
		if len(seen) != 1 || seen[0].Kind != desk.ChangeUpdate || len(seen[0].Events) != 3 {
			t.Fatalf("hook saw %+v", seen)
		}
		// The same validation as the API: a bad value writes nothing.
		err = edit(f.agent, func(e *ticket.Edit) error { e.SetPriority("bogus"); return nil })
		if !isField(err, "priority") {
			t.Fatalf("bad priority: %v", err)
		}
		// And the same permission rule: a light agent changes no property.
		light := roleAgent(t, f, "light@desk.test", "light", f.support)
		if err := edit(light, func(e *ticket.Edit) error { e.SetPriority("low"); return nil }); code(err) != desk.EFORBIDDEN {
			t.Fatalf("light agent's rule action: %v", err)
		}
		if again, _ := f.svc.Get(as(f.admin), tk.ID); again.Version != got.Version {
			t.Fatalf("refused actions changed the ticket: v%d → v%d", got.Version, again.Version)
		}
	})
}

// TestTagRowsFollowTheTicket: the tag table (behind the tags list and
// search) follows adds and removals, however many at once.
func TestTagRowsFollowTheTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}, Requester: &ticket.RequesterInput{Email: "c@example.com"},
			Tags: &[]string{"alpha", "beta", "gamma"}})
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{RemoveTags: []string{"alpha", "beta"}, AdditionalTags: []string{"delta", "epsilon"}}); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(context.Background(), `SELECT tag FROM ticket_tags WHERE ticket_id = ? ORDER BY tag`, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var tag string
			rows.Scan(&tag)
			got = append(got, tag)
		}
		if want := []string{"delta", "epsilon", "gamma"}; !slices.Equal(got, want) {
			t.Fatalf("tag rows %v, want %v", got, want)
		}
	})
}

// TestHookErrorKeepsItsCode: a hook refusing with a desk error rolls back
// and the caller gets that error's code, with the hook named in the text.
func TestHookErrorKeepsItsCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}})
		f.svc.AddHook("sla", func(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error {
			if c.Kind == desk.ChangeUpdate {
				return desk.Forbidden("frozen")
			}
			return nil
		})
		_, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: "low"}})
		if code(err) != desk.EFORBIDDEN || desk.ErrorMessage(err) != "frozen" || !strings.Contains(err.Error(), "ticket hook sla") {
			t.Fatalf("update refused by a hook: %v (code %q)", err, code(err))
		}
		if got, _ := f.svc.Get(as(f.agent), tk.ID); got.Priority != nil || got.Version != tk.Version {
			t.Fatalf("refused update was stored: %+v", got)
		}
	})
}

// TestListDeletedNamesTheDeleter: the deleted-tickets list carries who
// deleted each ticket (Zendesk's "actor"): the last deleter after a
// restore and a second deletion, and it stays staff-only.
func TestListDeletedNamesTheDeleter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first := mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "one"}})
		second := mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "two"}})
		mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "live"}})
		for _, step := range []struct {
			who *desk.Principal
			id  int64
			fn  func(context.Context, int64) error
		}{
			{f.agent, first.ID, f.svc.Delete}, {f.admin, first.ID, f.svc.Restore}, {f.admin, first.ID, f.svc.Delete},
			{f.agent, second.ID, f.svc.Delete},
		} {
			if err := step.fn(as(step.who), step.id); err != nil {
				t.Fatal(err)
			}
		}
		got, more, err := f.svc.DeletedTickets(as(f.agent), ticket.ListFilter{})
		if err != nil || more {
			t.Fatalf("list deleted: %v more=%v", err, more)
		}
		var by []string
		for _, d := range got {
			var actor int64
			if d.Actor != nil {
				actor = d.Actor.ID
			}
			by = append(by, fmt.Sprintf("%d by %d", d.ID, actor))
			if d.DeletedAt.IsZero() {
				t.Errorf("ticket %d has no deleted_at", d.ID)
			}
		}
		want := []string{fmt.Sprintf("%d by %d", first.ID, f.admin.UserID), fmt.Sprintf("%d by %d", second.ID, f.agent.UserID)}
		if !slices.Equal(by, want) {
			t.Fatalf("deleted = %q, want %q", by, want)
		}
		if _, _, err := f.svc.DeletedTickets(as(f.alice), ticket.ListFilter{}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user lists deleted tickets: %v", err)
		}
	})
}
