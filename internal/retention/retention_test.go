package retention_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/retention"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/twofactor"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }
func str(s string) *string                 { return &s }
func num(n int) *int                       { return &n }

type fixture struct {
	db      *store.DB
	dir     string
	tickets *ticket.Service
	people  *people.Service
	search  *search.Service
	svc     *retention.Service
	runner  *jobs.Runner
	admin   context.Context
	agent   context.Context
	agentID int64
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	dir := t.TempDir()
	blobs, err := attach.New(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{db: db, dir: dir, tickets: ticket.New(db, bus, blobs), people: people.New(db, bus)}
	f.people.EndSessionsTx = account.EndUserSessionsTx // as the server wires them
	f.people.EraseAccountTx = account.EraseUserTx
	f.people.EraseTwoFactorTx = twofactor.EraseUserTx
	f.people.MoveTicketsTx = f.tickets.MoveUserTx
	f.people.EraseTicketsTx = f.tickets.EraseUserTx
	f.search = search.New(db, f.tickets, f.people)
	f.svc = &retention.Service{DB: db, Tickets: f.tickets, People: f.people,
		Suspended: &ingest.Service{DB: db, Tickets: f.tickets}, PageSize: 2}
	box, err := secrets.NewBox(make([]byte, secrets.KeySize)) // a test key
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Outbox = outbox.New(db, box)
	f.people.EraseOutboxTx = f.svc.Outbox.EraseTx
	f.people.EraseWebhooksTx = webhook.New(db, box, settings.New(db, bus), slog.New(slog.DiscardHandler)).EraseTx
	f.people.EraseRatingsTx = (&csat.Service{DB: db, Tickets: f.tickets}).EraseTx
	f.runner = jobs.NewRunner(db, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	f.runner.Handle(ticket.JobDeleteBlobs, func(ctx context.Context, p json.RawMessage) error {
		var keys []string
		if err := json.Unmarshal(p, &keys); err != nil {
			return err
		}
		for _, k := range keys {
			if err := blobs.Delete(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	sys := desk.SystemContext(context.Background())
	mk := func(name, email string, role desk.Role) *desk.User {
		u, err := f.people.CreateUser(sys, people.UserInput{Name: str(name), Email: str(email), Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	admin := mk("Ada Admin", "ada@ret.test", desk.RoleAdmin)
	agent := mk("Al Agent", "al@ret.test", desk.RoleAgent)
	f.admin = as(&desk.Principal{UserID: admin.ID, Role: desk.RoleAdmin, Email: admin.Email, Via: "api"})
	f.agent = as(&desk.Principal{UserID: agent.ID, Role: desk.RoleAgent, Email: agent.Email, Via: "api"})
	f.agentID = agent.ID
	return f
}

// files lists the attachment files on disk.
func (f *fixture) files(t *testing.T) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(f.dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// closedTicket makes a closed ticket with one attached file.
func (f *fixture) closedTicket(t *testing.T, subject string, tags []string) *desk.Ticket {
	t.Helper()
	up, err := f.tickets.CreateUpload(f.agent, subject+".txt", strings.NewReader("file of "+subject))
	if err != nil {
		t.Fatal(err)
	}
	tk, _, err := f.tickets.Create(f.agent, ticket.Input{Subject: str(subject), Tags: &tags,
		Comment:   &ticket.CommentInput{Body: "body of " + subject, Uploads: []string{up.Token}},
		Requester: &ticket.RequesterInput{Email: strings.ReplaceAll(subject, " ", "") + "@cust.test"},
		Status:    str("solved"), AssigneeID: desk.SetID(f.agentID)})
	if err != nil {
		t.Fatal(err)
	}
	if tk, _, err = f.tickets.Update(f.agent, tk.ID, ticket.Input{Status: str("closed")}); err != nil {
		t.Fatal(err)
	}
	return tk
}

// attachments counts the files a ticket's comments list.
func (f *fixture) attachments(t *testing.T, id int64) int {
	t.Helper()
	cs, _, err := f.tickets.Comments(f.agent, id, 0, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cs {
		n += len(c.Attachments)
	}
	return n
}

func (f *fixture) searchCount(t *testing.T, q string) int {
	t.Helper()
	_, n, err := f.search.Search(f.agent, q, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) drainJobs(t *testing.T) {
	t.Helper()
	for {
		ran, err := f.runner.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

// TestRetentionRun: with a pinned clock, old closed tickets (narrowed by
// tag), their attachments, old suspended tickets and inactive end-users
// without tickets go from the store, the attachments directory and the
// search results; recent and open data stays; the preview and the dry run
// count exactly what the real run then deletes; each run is audited.
func TestRetentionRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		real := store.Clock()
		defer func() { store.SetClock(real) }()
		start := time.Now()
		at := func(d time.Duration) { store.SetClock(func() int64 { return start.Add(d).UnixMicro() }) }

		// 100 days ago: three closed tickets (two tagged "purge"), one
		// open, a suspended message and an end-user who never did anything.
		at(-100 * 24 * time.Hour)
		old1 := f.closedTicket(t, "zebraword one", []string{"purge"})
		old2 := f.closedTicket(t, "zebraword two", []string{"purge"})
		keep := f.closedTicket(t, "zebraword kept", []string{"other"})
		open, _, err := f.tickets.Create(f.agent, ticket.Input{Subject: str("zebraword open"), Comment: &ticket.CommentInput{Body: "open"},
			Requester: &ticket.RequesterInput{Email: "open@cust.test"}})
		if err != nil {
			t.Fatal(err)
		}
		enduser := desk.RoleEndUser
		idle, err := f.people.CreateUser(desk.SystemContext(ctx), people.UserInput{Name: str("Idle Ida"), Email: str("ida@idle.test"), Role: &enduser})
		if err != nil {
			t.Fatal(err)
		}
		for i, age := range []time.Duration{-100 * 24 * time.Hour, -100 * 24 * time.Hour, 0} {
			if _, err := db.Exec(ctx, `INSERT INTO suspended_tickets (message_id, subject, cause, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				"<m"+string(rune('a'+i))+"@x>", "spam", "Detected as spam", start.Add(age).UnixMicro(), start.Add(age).UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		// Now: a fresh closed ticket and a fresh end-user.
		at(0)
		fresh := f.closedTicket(t, "zebraword fresh", []string{"purge"})
		if _, err := f.people.CreateUser(desk.SystemContext(ctx), people.UserInput{Name: str("New Ned"), Email: str("ned@idle.test"), Role: &enduser}); err != nil {
			t.Fatal(err)
		}
		f.drainJobs(t)
		if n := len(f.files(t)); n != 4 {
			t.Fatalf("%d files on disk before the run, want 4", n)
		}
		if n := f.searchCount(t, "zebraword"); n != 5 {
			t.Fatalf("search finds %d tickets before the run, want 5", n)
		}

		// Policies: attachments of closed tickets after 30 days (all),
		// closed tickets tagged purge after 60 days, a second overlapping
		// closed-ticket policy (same tag, 90 days), suspended after 30 days,
		// inactive end-users after 30 days.
		for _, in := range []retention.Input{
			{Kind: kind(retention.KindTicketAttachments), Days: num(30)},
			{Kind: kind(retention.KindClosedTickets), Days: num(60), Tag: str("Purge")},
			{Kind: kind(retention.KindClosedTickets), Days: num(90), Tag: str("purge")},
			{Kind: kind(retention.KindSuspendedTickets), Days: num(30)},
			{Kind: kind(retention.KindInactiveEndUsers), Days: num(30)},
		} {
			if _, err := f.svc.Create(f.admin, in); err != nil {
				t.Fatal(err)
			}
		}

		preview, err := f.svc.Preview(f.admin)
		if err != nil {
			t.Fatal(err)
		}
		want := map[retention.Kind]int64{retention.KindTicketAttachments: 3, retention.KindClosedTickets: 2,
			retention.KindSuspendedTickets: 2, retention.KindInactiveEndUsers: 1}
		for k, n := range want {
			if preview.Totals[k] != n {
				t.Errorf("preview %s = %d, want %d (%+v)", k, preview.Totals[k], n, preview.Totals)
			}
		}
		dry, err := f.svc.Run(f.admin, true)
		if err != nil {
			t.Fatal(err)
		}
		if !equalTotals(dry.Totals, preview.Totals) {
			t.Fatalf("dry run %+v, preview %+v", dry.Totals, preview.Totals)
		}
		f.drainJobs(t)
		if n := len(f.files(t)); n != 4 {
			t.Fatalf("a dry run removed files: %d left", n)
		}

		rep, err := f.svc.Run(desk.SystemContext(ctx), false)
		if err != nil {
			t.Fatal(err)
		}
		if !equalTotals(rep.Totals, preview.Totals) || rep.Failed != 0 {
			t.Fatalf("run %+v (failed %d), preview %+v", rep.Totals, rep.Failed, preview.Totals)
		}
		f.drainJobs(t)

		// Store: the tagged old tickets are gone, the others stay.
		for _, tk := range []*desk.Ticket{old1, old2} {
			var n int
			db.QueryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE id = ?`, tk.ID).Scan(&n)
			if n != 0 {
				t.Errorf("ticket %d still stored", tk.ID)
			}
			db.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_comments WHERE ticket_id = ?`, tk.ID).Scan(&n)
			if n != 0 {
				t.Errorf("comments of ticket %d still stored", tk.ID)
			}
		}
		for _, tk := range []*desk.Ticket{keep, open, fresh} {
			if _, err := f.tickets.Get(f.agent, tk.ID); err != nil {
				t.Errorf("ticket %d deleted: %v", tk.ID, err)
			}
		}
		// Disk: only the fresh ticket's file is left; the kept ticket lost
		// its (old) attachment but not its comments.
		if files := f.files(t); len(files) != 1 {
			t.Fatalf("files left on disk: %v", files)
		}
		if n := f.attachments(t, keep.ID); n != 0 {
			t.Fatalf("kept ticket lists %d attachments", n)
		}
		// The purge is in the kept ticket's history, and it does not move
		// the time the ticket closed, which the closed-ticket policies read.
		audits, _, err := f.tickets.Audits(f.agent, keep.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		last := audits[len(audits)-1]
		if len(last.Events) != 1 || last.Events[0].Type != ticket.EventAttachmentPurge {
			t.Fatalf("last audit of the kept ticket %+v, want one AttachmentPurge event", last.Events)
		}
		var closedAt int64
		db.QueryRow(ctx, `SELECT status_updated_at FROM tickets WHERE id = ?`, keep.ID).Scan(&closedAt)
		if closedAt != keep.UpdatedAt.Micros() {
			t.Fatalf("the purge moved the closing time: %d, closed at %d", closedAt, keep.UpdatedAt.Micros())
		}
		if n := f.attachments(t, fresh.ID); n != 1 {
			t.Fatalf("fresh ticket lists %d attachments", n)
		}
		// Search: the deleted tickets and user are not found any more.
		if n := f.searchCount(t, "zebraword"); n != 3 {
			t.Fatalf("search finds %d tickets after the run, want 3", n)
		}
		if n := f.searchCount(t, "ida@idle.test"); n != 0 {
			t.Fatalf("search still finds the erased user")
		}
		var email *string
		db.QueryRow(ctx, `SELECT email FROM users WHERE id = ?`, idle.ID).Scan(&email)
		if email != nil {
			t.Fatalf("idle user keeps email %q", *email)
		}
		var left int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, "ned@idle.test").Scan(&left)
		if left != 1 {
			t.Fatal("fresh end-user erased")
		}
		db.QueryRow(ctx, `SELECT COUNT(*) FROM suspended_tickets`).Scan(&left)
		if left != 1 {
			t.Fatalf("%d suspended tickets left, want the fresh one", left)
		}

		// Audit: one entry per run (the preview records none), with counts.
		entries, err := audit.List(desk.SystemContext(ctx), db, audit.Filter{Action: retention.AuditRun})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("%d retention.run entries, want 2 (dry and real)", len(entries))
		}
		var dryRuns int
		for _, e := range entries {
			if e.Data["dry_run"] == true {
				dryRuns++
			}
		}
		if dryRuns != 1 {
			t.Fatalf("entries %+v", entries)
		}

		// One summary mail, of the real run, to the account owner (no
		// security contact is set), listing the counts.
		mails, err := f.svc.Outbox.Pending(desk.SystemContext(ctx), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 1 || mails[0].Kind != retention.MailKind || mails[0].To != "ada@ret.test" ||
			!strings.Contains(mails[0].Text, "Closed tickets: 2") || !strings.Contains(mails[0].Text, "Suspended tickets: 2") {
			t.Fatalf("summary mails %+v", mails)
		}

		// The next run finds only the requesters of the deleted tickets,
		// who have no tickets left now (users are judged before tickets go,
		// so that a preview and its run agree).
		again, err := f.svc.Preview(f.admin)
		if err != nil {
			t.Fatal(err)
		}
		want = map[retention.Kind]int64{retention.KindTicketAttachments: 0, retention.KindClosedTickets: 0,
			retention.KindSuspendedTickets: 0, retention.KindInactiveEndUsers: 2}
		if !equalTotals(again.Totals, want) {
			t.Fatalf("second preview %+v, want %+v", again.Totals, want)
		}
		// With a security contact set, the summary goes there.
		f.svc.Contact = func(context.Context, store.Querier) (string, error) { return "sec@ret.test", nil }
		if rep, err := f.svc.Run(desk.SystemContext(ctx), false); err != nil || !equalTotals(rep.Totals, want) {
			t.Fatalf("second run %+v, %v", rep, err)
		}
		mails, err = f.svc.Outbox.Pending(desk.SystemContext(ctx), 10)
		if err != nil || len(mails) != 2 || mails[1].To != "sec@ret.test" || !strings.Contains(mails[1].Text, "Inactive end-users without tickets: 2") {
			t.Fatalf("summary mails %+v, %v", mails, err)
		}
	})
}

func kind(k retention.Kind) *retention.Kind { return &k }

func equalTotals(a, b map[retention.Kind]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// cancelling wraps the ticket service and cancels the run's context after
// the first permanent deletion, as a shutdown would.
type cancelling struct {
	*ticket.Service
	cancel context.CancelFunc
}

func (c cancelling) PermanentDelete(ctx context.Context, id int64) error {
	defer c.cancel()
	return c.Service.PermanentDelete(ctx, id)
}

// TestRetentionRunCutShort: a run stopped half-way (its context cancelled)
// returns the error and still records what it deleted, marked cut short;
// the next run deletes the rest.
func TestRetentionRunCutShort(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		real := store.Clock()
		defer func() { store.SetClock(real) }()
		start := time.Now()
		store.SetClock(func() int64 { return start.Add(-48 * time.Hour).UnixMicro() })
		f.closedTicket(t, "cut one", nil)
		f.closedTicket(t, "cut two", nil)
		store.SetClock(real)
		if _, err := f.svc.Create(f.admin, retention.Input{Kind: kind(retention.KindClosedTickets), Days: num(1)}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(desk.SystemContext(context.Background()))
		f.svc.Tickets = cancelling{Service: f.tickets, cancel: cancel}
		rep, err := f.svc.Run(ctx, false)
		if !errors.Is(err, context.Canceled) || rep == nil || rep.Totals[retention.KindClosedTickets] != 1 {
			t.Fatalf("cut-short run %+v, %v", rep, err)
		}
		es, err := audit.List(f.admin, db, audit.Filter{Action: retention.AuditRun})
		if err != nil || len(es) != 1 || es[0].Data["cut_short"] != true {
			t.Fatalf("entries %+v, %v", es, err)
		}
		f.svc.Tickets = f.tickets
		if rep, err := f.svc.Run(desk.SystemContext(context.Background()), false); err != nil || rep.Totals[retention.KindClosedTickets] != 1 {
			t.Fatalf("next run %+v, %v", rep, err)
		}
	})
}
