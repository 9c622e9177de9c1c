package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/privacy"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func str(s string) *string { return &s }

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }

// fixture: an admin, an agent, and two end-users (Sam, the subject, and
// Olga) in one organization that shares tickets, each with tickets,
// sessions, alerts, ratings and audit entries of their own.
type fixture struct {
	db                *store.DB
	svc               *privacy.Service
	tickets           *ticket.Service
	people            *people.Service
	sys, admin, agent context.Context
	adminU, agentU    *desk.User
	sam, olga         *desk.User
	samTicket         int64
	olgaTicket        int64
	ccTicket          int64
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{db: db, tickets: ticket.New(db, bus, blobs), people: people.New(db, bus)}
	f.svc = privacy.New(db, f.tickets, f.people)
	f.svc.TempDir = t.TempDir()
	f.sys = desk.SystemContext(context.Background())
	mk := func(name, email string, role desk.Role, in people.UserInput) *desk.User {
		in.Name, in.Email, in.Role = &name, &email, &role
		u, err := f.people.CreateUser(f.sys, in)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if _, err := f.people.SavePersonField(f.sys, desk.ScopeUser, 0, people.PersonFieldInput{Key: str("loyalty"), Title: str("Loyalty")}); err != nil {
		t.Fatal(err)
	}
	f.adminU = mk("Ada Admin", "ada@desk.test", desk.RoleAdmin, people.UserInput{})
	f.agentU = mk("Al Agent", "al@desk.test", desk.RoleAgent, people.UserInput{})
	f.sam = mk("Sam Subject", "sam@subject.test", desk.RoleEndUser, people.UserInput{Phone: str("+48 600 100 200"),
		Tags: &[]string{"gold-tier"}, Notes: str("staff-only remark about Sam"), UserFields: map[string]any{"loyalty": "platinum-sam"}})
	f.olga = mk("Olga Other", "olga@other.test", desk.RoleEndUser, people.UserInput{Phone: str("+48 700 900 900"), Tags: &[]string{"olga-tag"}})
	f.admin = as(&desk.Principal{UserID: f.adminU.ID, Role: desk.RoleAdmin, Email: f.adminU.Email, Via: "api"})
	f.agent = audit.WithClient(as(&desk.Principal{UserID: f.agentU.ID, Role: desk.RoleAgent, Email: f.agentU.Email, Via: "web"}), "192.0.2.44", "agent-browser")
	shared := true
	org, err := f.people.CreateOrganization(f.sys, people.OrganizationInput{Name: str("Shared Co"), SharedTickets: &shared, SharedComments: &shared})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*desk.User{f.sam, f.olga} {
		if _, err := f.people.CreateOrgMembership(f.sys, u.ID, org.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.people.AddIdentity(f.sys, f.sam.ID, people.IdentityEmail, "sam.alt@subject.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.people.AddIdentity(f.sys, f.olga.ID, people.IdentityEmail, "olga.alt@other.test"); err != nil {
		t.Fatal(err)
	}

	// Sam's ticket: Sam's message with a file, the agent's public reply
	// and internal note; Olga is copied on it.
	up, err := f.tickets.CreateUpload(f.agent, "receipt.txt", strings.NewReader("bytes of sam's receipt"))
	if err != nil {
		t.Fatal(err)
	}
	tk, _, err := f.tickets.Create(f.agent, ticket.Input{Subject: str("Sam's printer jams"), RequesterID: desk.SetID(f.sam.ID),
		EmailCCIDs: &[]int64{f.olga.ID},
		Comment:    &ticket.CommentInput{Body: "My printer jams on page two", AuthorID: desk.SetID(f.sam.ID), Uploads: []string{up.Token}}})
	if err != nil {
		t.Fatal(err)
	}
	f.samTicket = tk.ID
	pub, priv := true, false
	for _, c := range []ticket.CommentInput{{Body: "Please try the rear tray", Public: &pub}, {Body: "warranty check pending internally", Public: &priv}} {
		if _, _, err := f.tickets.Update(f.agent, tk.ID, ticket.Input{Comment: &c}); err != nil {
			t.Fatal(err)
		}
	}
	// Olga's own ticket, which Sam has nothing to do with.
	tk, _, err = f.tickets.Create(f.agent, ticket.Input{Subject: str("Olga's invoice dispute"), RequesterID: desk.SetID(f.olga.ID),
		Comment: &ticket.CommentInput{Body: "Olga disputes invoice 77", AuthorID: desk.SetID(f.olga.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	f.olgaTicket = tk.ID
	// A ticket of Olga's organization the agent opened with Sam copied.
	tk, _, err = f.tickets.Create(f.agent, ticket.Input{Subject: str("Office move schedule"), RequesterID: desk.SetID(f.olga.ID),
		EmailCCIDs: &[]int64{f.sam.ID}, Comment: &ticket.CommentInput{Body: "The move is on Friday"}})
	if err != nil {
		t.Fatal(err)
	}
	f.ccTicket = tk.ID

	// What other packages keep about each of them.
	ctx := context.Background()
	for _, x := range []struct {
		u              *desk.User
		ip, ua, rating string
		tk             int64
	}{{f.sam, "203.0.113.7", "SamBrowser/1.0", "sam says great help", f.samTicket}, {f.olga, "198.51.100.9", "OlgaBrowser/9.9", "olga complains", f.olgaTicket}} {
		now := store.Now()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				[]any{x.u.ID, "hash-" + x.ip, now, now, now + 1e9, x.ip, x.ua}},
			{`INSERT INTO signin_networks (user_id, network, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)`, []any{x.u.ID, x.ip + "/24", now, now}},
			{`INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?)`, []any{"dev-" + x.ip, x.u.ID, now, now, now + 1e9}},
			{`INSERT INTO security_alerts (user_id, reasons, ip, network, user_agent, created_at, token_hash, token_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				[]any{x.u.ID, "new_device,new_network", x.ip, x.ip + "/24", x.ua, now, "alert-" + x.ip, now + 1e9}},
			{`INSERT INTO satisfaction_ratings (ticket_id, solved_at, requester_id, score, comment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				[]any{x.tk, now, x.u.ID, "good", x.rating, now, now}},
		} {
			if _, err := db.Exec(ctx, q.sql, q.args...); err != nil {
				t.Fatalf("%s: %v", q.sql, err)
			}
		}
	}
	// Audit entries: the admin suspends Sam (about Sam); Sam, signed in,
	// did something about Olga's account (shown without Olga); the agent
	// changed Olga (not about Sam at all).
	record := func(ctx context.Context, e audit.Entry) {
		if err := db.InTx(ctx, func(tx *store.Tx) error { return audit.RecordTx(ctx, tx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	record(audit.WithClient(f.admin, "192.0.2.99", "admin-browser"), audit.Entry{Action: "user.suspended", TargetType: "user", TargetID: f.sam.ID,
		Changes: map[string]audit.Change{"suspended": {Before: false, After: true}}})
	record(audit.WithClient(as(&desk.Principal{UserID: f.sam.ID, Role: desk.RoleEndUser, Via: "web"}), "203.0.113.7", "SamBrowser/1.0"),
		audit.Entry{Action: "user.looked_up", TargetType: "user", TargetID: f.olga.ID, Data: map[string]any{"email": "olga@other.test"}})
	record(f.agent, audit.Entry{Action: "user.updated", TargetType: "user", TargetID: f.olga.ID,
		Changes: map[string]audit.Change{"name": {Before: "Olga Other", After: "Olga Other"}}})
	return f
}

// unzip reads every file of an archive: its names and uncompressed bytes.
func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = data
	}
	return out
}

// all is every name and every uncompressed byte of the archive, plus its
// raw bytes: what "the archive contains" means for the assertions.
func all(raw []byte, files map[string][]byte) string {
	var b strings.Builder
	b.Write(raw)
	for name, data := range files {
		b.WriteString("\n" + name + "\n")
		b.Write(data)
	}
	return b.String()
}

func export(t *testing.T, f *fixture, ctx context.Context, id int64, opts privacy.Options) (string, map[string][]byte, *privacy.Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := f.svc.Export(ctx, id, opts, &buf)
	if err != nil {
		t.Fatal(err)
	}
	files := unzip(t, buf.Bytes())
	return all(buf.Bytes(), files), files, m
}

// TestExportHoldsThePersonAndNobodyElse: the archive an agent makes of Sam
// holds everything of Sam and nothing of Olga, who shares Sam's
// organization (and is even copied on Sam's ticket).
func TestExportHoldsThePersonAndNobodyElse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		text, files, m := export(t, f, f.agent, f.sam.ID, privacy.Options{})

		for _, want := range []string{"Sam Subject", "sam@subject.test", "sam.alt@subject.test", "+48 600 100 200", "gold-tier", "platinum-sam",
			"Shared Co", "Sam's printer jams", "My printer jams on page two", "Please try the rear tray", "bytes of sam's receipt",
			"Office move schedule", "The move is on Friday", "sam says great help", "203.0.113.7", "SamBrowser/1.0", "new_device",
			"user.suspended", "user.looked_up", "Al Agent"} {
			if !strings.Contains(text, want) {
				t.Errorf("the export lacks %q", want)
			}
		}
		for _, never := range []string{"Olga Other", "olga@other.test", "olga.alt@other.test", "+48 700 900 900", "olga-tag",
			"Olga's invoice dispute", "Olga disputes invoice 77", "olga complains", "198.51.100.9", "OlgaBrowser",
			// Internal notes and staff notes are for admins who ask.
			"warranty check pending internally", "staff-only remark about Sam",
			// Staff addresses, the admin's client, stored secrets.
			"ada@desk.test", "al@desk.test", "192.0.2.99", "admin-browser", "hash-203.0.113.7", "dev-203.0.113.7", "alert-203.0.113.7"} {
			if strings.Contains(text, never) {
				t.Errorf("the export holds %q", never)
			}
		}

		// The manifest names every part with its count.
		var mf privacy.Manifest
		if err := json.Unmarshal(files[privacy.ManifestFile], &mf); err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, p := range mf.Parts {
			counts[p.Name] = p.Count
			for _, file := range p.Files {
				if _, ok := files[file]; !ok {
					t.Errorf("manifest lists %s, which is not in the archive", file)
				}
			}
		}
		want := map[string]int{"profile": 1, "identities": 2, "sign_ins": 3, "tickets": 2, "satisfaction_ratings": 1, "audit_log": 3, "security_alerts": 1} // audit: created, suspended, looked up
		for k, v := range want {
			if counts[k] != v {
				t.Errorf("manifest count of %s = %d, want %d (%v)", k, counts[k], v, counts)
			}
		}
		if !slices.Equal(f.svc.Parts(), partNames(mf.Parts)) || mf.Subject.ID != f.sam.ID || len(m.Parts) != len(mf.Parts) {
			t.Errorf("manifest parts %v, subject %v", partNames(mf.Parts), mf.Subject)
		}

		// Comments by others show a name and role, never an id or address.
		var tk struct {
			Relations []string `json:"relations"`
			Comments  []struct {
				Author      map[string]any   `json:"author"`
				Attachments []map[string]any `json:"attachments"`
			} `json:"comments"`
		}
		if err := json.Unmarshal(files["tickets/"+itoa(f.samTicket)+".json"], &tk); err != nil {
			t.Fatal(err)
		}
		if len(tk.Comments) != 2 || tk.Comments[1].Author["name"] != "Al Agent" || tk.Comments[1].Author["role"] != "agent" || len(tk.Comments[1].Author) != 3 {
			t.Fatalf("comments %+v", tk.Comments)
		}
		if tk.Comments[0].Author["self"] != true || len(tk.Comments[0].Attachments) != 1 || !slices.Equal(tk.Relations, []string{"requester"}) {
			t.Fatalf("Sam's comment %+v, relations %v", tk.Comments[0], tk.Relations)
		}
		if path, _ := tk.Comments[0].Attachments[0]["path"].(string); string(files[path]) != "bytes of sam's receipt" {
			t.Fatalf("attachment %q holds %q", path, files[path])
		}
		if _, ok := files["tickets/"+itoa(f.olgaTicket)+".json"]; ok {
			t.Fatal("Olga's ticket is in Sam's export")
		}

		// The export is audited: the agent, Sam, the agent's address and
		// the counts.
		es, err := audit.List(f.admin, db, audit.Filter{Action: privacy.ActionDataExported})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].ActorID != f.agentU.ID || es[0].TargetID != f.sam.ID || es[0].IP != "192.0.2.44" {
			t.Fatalf("audit entries %+v", es)
		}
		if c, _ := es[0].Data["counts"].(map[string]any); c["tickets"] != float64(2) || c["audit_log"] != float64(3) {
			t.Fatalf("audited counts %v", es[0].Data)
		}
	})
}

func partNames(ps []privacy.PartInfo) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestExportInternalForAdmins: an admin who asks gets internal notes and
// the staff notes; nobody else may ask.
func TestExportInternalForAdmins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		text, _, _ := export(t, f, f.admin, f.sam.ID, privacy.Options{IncludeInternal: true})
		for _, want := range []string{"warranty check pending internally", "staff-only remark about Sam"} {
			if !strings.Contains(text, want) {
				t.Errorf("the admin's export lacks %q", want)
			}
		}
		if strings.Contains(text, "Olga disputes invoice 77") || strings.Contains(text, "olga@other.test") {
			t.Error("the admin's export holds Olga's data")
		}
		text, _, _ = export(t, f, f.admin, f.sam.ID, privacy.Options{})
		if strings.Contains(text, "warranty check pending internally") {
			t.Error("internal notes without asking")
		}
	})
}

// TestExportAuthorization: who may export whom; a refusal writes nothing
// and records nothing.
func TestExportAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		light := desk.LightAgentPermissions()
		noEnds := desk.AgentPermissions()
		noEnds.ViewEndUsers = false
		cases := []struct {
			name string
			ctx  context.Context
			id   int64
			opts privacy.Options
			code string
		}{
			{"end-user, themselves", as(&desk.Principal{UserID: f.sam.ID, Role: desk.RoleEndUser}), f.sam.ID, privacy.Options{}, desk.EFORBIDDEN},
			{"end-user, another", as(&desk.Principal{UserID: f.sam.ID, Role: desk.RoleEndUser}), f.olga.ID, privacy.Options{}, desk.EFORBIDDEN},
			{"light agent", as(&desk.Principal{UserID: f.agentU.ID, Role: desk.RoleAgent, Perms: &light}), f.sam.ID, privacy.Options{}, desk.EFORBIDDEN},
			{"agent exporting an admin", f.agent, f.adminU.ID, privacy.Options{}, desk.EFORBIDDEN},
			{"agent asking for internal notes", f.agent, f.sam.ID, privacy.Options{IncludeInternal: true}, desk.EFORBIDDEN},
			{"agent who cannot see end-users", as(&desk.Principal{UserID: f.agentU.ID, Role: desk.RoleAgent, Perms: &noEnds}), f.sam.ID, privacy.Options{}, desk.ENOTFOUND},
			{"no such user", f.admin, f.sam.ID + 1000, privacy.Options{}, desk.ENOTFOUND},
			{"nobody", context.Background(), f.sam.ID, privacy.Options{}, desk.EUNAUTHORIZED},
		}
		for _, c := range cases {
			var buf bytes.Buffer
			_, err := f.svc.Export(c.ctx, c.id, c.opts, &buf)
			if desk.ErrorCode(err) != c.code || buf.Len() != 0 {
				t.Errorf("%s: %v (%d bytes), want %s", c.name, err, buf.Len(), c.code)
			}
		}
		if n, err := audit.Count(f.admin, db, audit.Filter{Action: privacy.ActionDataExported}); err != nil || n != 0 {
			t.Fatalf("refused exports recorded: %d %v", n, err)
		}
		// An admin may export staff.
		if text, _, _ := export(t, f, f.admin, f.agentU.ID, privacy.Options{}); !strings.Contains(text, "al@desk.test") {
			t.Fatal("the agent's export lacks their address")
		}
	})
}

// TestRegisteredPart: a part registered later (a forum, a chat) runs with
// the exporter's principal, is listed in the manifest, and cannot write
// outside its own name.
func TestRegisteredPart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.svc.Register("forum_posts", func(ctx context.Context, w *privacy.PartWriter) (int, error) {
			if desk.PrincipalFrom(ctx).UserID != f.agentU.ID {
				t.Errorf("the part runs as %v", desk.PrincipalFrom(ctx))
			}
			if _, err := w.Create("profile.json"); err == nil {
				t.Error("a part wrote another part's file")
			}
			if _, err := w.Create("forum_posts/../x"); err == nil {
				t.Error("a part wrote outside its folder")
			}
			return 1, w.JSON("forum_posts/"+privacy.SafeName("../My first post?.json"), map[string]string{"title": "Hello from " + w.Subject.Name})
		})
		_, files, m := export(t, f, f.agent, f.sam.ID, privacy.Options{})
		last := m.Parts[len(m.Parts)-1]
		if last.Name != "forum_posts" || last.Count != 1 || len(last.Files) != 1 || !strings.Contains(string(files[last.Files[0]]), "Hello from Sam Subject") {
			t.Fatalf("registered part: %+v", last)
		}
		for _, bad := range []string{"", "Forum", "manifest", "forum_posts", "a/b"} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("Register(%q) did not panic", bad)
					}
				}()
				f.svc.Register(bad, func(context.Context, *privacy.PartWriter) (int, error) { return 0, nil })
			}()
		}
	})
}
