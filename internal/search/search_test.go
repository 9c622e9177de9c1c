package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/textfold"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// now is the fixed clock of every test: 2025-06-15 12:00 UTC.
var now = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func day(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 9, 30, 0, 0, time.UTC).UnixMicro()
}

// The seeded principals.
var (
	admin = &desk.Principal{UserID: 1, Role: desk.RoleAdmin, Via: "api"}
	agent = &desk.Principal{UserID: 2, Role: desk.RoleAgent, Via: "api"}
	eve   = &desk.Principal{UserID: 4, Role: desk.RoleEndUser, OrgID: 1, Via: "api"}
	hans  = &desk.Principal{UserID: 3, Role: desk.RoleEndUser, OrgID: 2, Via: "api"}
)

type seedTicket struct {
	id                        int64
	subject, status, priority string
	typ                       string
	requester                 int64
	assignee, group, org      int64
	tags                      []string
	created, solved, deleted  int64
	via, externalID           string
	comments                  []seedComment
}

type seedComment struct {
	author int64
	body   string
	public bool
}

var seedTickets = []seedTicket{
	{id: 1, subject: "Zgłoszenie: drukarka nie działa", status: "open", priority: "high", typ: "incident",
		requester: 4, assignee: 2, group: 2, org: 1, tags: []string{"printer", "hardware"}, created: day(2025, 6, 1), via: "email",
		externalID: "EXT-1",
		comments:   []seedComment{{4, "Drukarka w biurze nie drukuje", true}, {2, "Sprawdzę to jutro", true}}},
	{id: 2, subject: "Invoice question for MÜLLER", status: "pending", priority: "low", typ: "question",
		requester: 3, group: 1, org: 2, tags: []string{"billing", "vip"}, created: day(2025, 6, 10), via: "web",
		comments: []seedComment{{3, "Please send the invoice again", true}}},
	{id: 3, subject: "Printer on fire", status: "solved", priority: "urgent", typ: "incident",
		requester: 4, assignee: 1, org: 1, tags: []string{"printer"}, created: day(2025, 5, 1), solved: day(2025, 5, 2), via: "web",
		comments: []seedComment{{4, "The office printer is literally on fire", true}, {2, "customer seems suspicious, possible fraud", false}}},
	{id: 4, subject: "Password reset", status: "new", requester: 3, org: 2, created: day(2025, 6, 14), via: "email",
		comments: []seedComment{{3, "I forgot my password, 100% sure_thing; write to hans.alt@mueller.de", true}}},
	{id: 5, subject: "Deleted printer ticket", status: "open", priority: "normal", requester: 4, org: 1,
		created: day(2025, 6, 2), deleted: day(2025, 6, 3), via: "web", tags: []string{"printer"},
		comments: []seedComment{{4, "printer printer", true}}},
	{id: 6, subject: "Closed billing issue", status: "closed", priority: "normal", typ: "task",
		requester: 3, assignee: 2, group: 1, org: 2, tags: []string{"billing"}, created: day(2025, 4, 1), solved: day(2025, 4, 2), via: "api",
		comments: []seedComment{{3, "Refund please", true}, {2, "Refunded", true}}},
}

// doc mirrors how the people package builds its documents: folded text
// plus the words of tokens holding punctuation.
func doc(parts ...string) string {
	d := textfold.Fold(strings.Join(parts, " "))
	var extra []string
	for _, tok := range strings.Fields(d) {
		if ws := textfold.Words(tok); len(ws) != 1 || ws[0] != tok {
			extra = append(extra, ws...)
		}
	}
	return strings.TrimSpace(d + " " + strings.Join(extra, " "))
}

func nullable(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// seed fills db with a small helpdesk through plain SQL.
func seed(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	ts := day(2025, 1, 1)
	err := db.InTx(ctx, func(tx *store.Tx) error {
		exec := func(q string, args ...any) {
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		for _, o := range []struct {
			id                 int64
			name, domain, tags string
		}{{1, "Acme Sp. z o.o.", "acme.pl", "partner"}, {2, "Müller GmbH", "mueller.de", "vip german"}} {
			exec(`INSERT INTO organizations (id, name, name_key, tags, external_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				o.id, o.name, strings.ToLower(o.name), o.tags, fmt.Sprintf("org-%d", o.id), ts+o.id, ts+o.id)
			exec(`INSERT INTO organization_domains (domain, organization_id) VALUES (?, ?)`, o.domain, o.id)
			if err := tx.SetSearchDoc(ctx, "organization_search", o.id, doc(o.name, o.domain, o.tags)); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO agent_groups (id, name, created_at, updated_at) VALUES (1, 'Billing', ?, ?), (2, 'Wsparcie Techniczne', ?, ?)`, ts, ts, ts, ts)
		for _, u := range []struct {
			id                       int64
			name, email, role, phone string
			org                      int64
			tags                     string
			active                   bool
		}{
			{1, "Ada Admin", "admin@example.com", "admin", "", 0, "", true},
			{2, "Jan Kowalski", "jan@example.com", "agent", "+48 600 100 200", 0, "", true},
			{3, "Hans Müller", "hans@mueller.de", "end-user", "", 2, "vip german", true},
			{4, "Eve Enduser", "eve@example.com", "end-user", "", 1, "", true},
			{5, "Inactive Ian", "ian@example.com", "end-user", "", 0, "", false},
		} {
			exec(`INSERT INTO users (id, name, email, role, organization_id, phone, tags, external_id, active, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				u.id, u.name, u.email, u.role, nullable(u.org), u.phone, u.tags, fmt.Sprintf("user-%d", u.id), u.active, ts+u.id*1e6, ts+u.id*1e6)
			exec(`INSERT INTO user_identities (user_id, type, value, is_primary, created_at, updated_at) VALUES (?, 'email', ?, TRUE, ?, ?)`,
				u.id, u.email, ts, ts)
			if u.org != 0 { // the default membership, which organization_id mirrors
				exec(`INSERT INTO organization_memberships (user_id, organization_id, is_default, created_at, updated_at) VALUES (?, ?, TRUE, ?, ?)`,
					u.id, u.org, ts, ts)
			}
			if err := tx.SetSearchDoc(ctx, "user_search", u.id, doc(u.name, u.email, u.phone, u.tags)); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO group_memberships (user_id, group_id, created_at, updated_at) VALUES (2, 2, ?, ?)`, ts, ts)
		for _, st := range seedTickets {
			prio := desk.PriorityRank(st.priority)
			exec(`INSERT INTO tickets (id, external_id, type, subject, description, priority, status, status_rank, priority_rank,
				requester_id, submitter_id, assignee_id, organization_id, group_id, via_channel, tags, created_at, updated_at, solved_at, deleted_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				st.id, nullStr(st.externalID), nullStr(st.typ), st.subject, st.comments[0].body, nullStr(st.priority), st.status,
				desk.StatusRank(st.status), prio, st.requester, st.requester, nullable(st.assignee), nullable(st.org), nullable(st.group),
				st.via, strings.Join(st.tags, " "), st.created, st.created+1e6, st.solved, st.deleted)
			var bodies []string
			for i, c := range st.comments {
				exec(`INSERT INTO ticket_comments (ticket_id, audit_id, author_id, body, html_body, public, via_channel, created_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, st.id, i+1, c.author, c.body, c.body, c.public, st.via, st.created+int64(i))
				bodies = append(bodies, c.body)
			}
			for _, tag := range st.tags {
				exec(`INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`, st.id, tag)
			}
			d := textfold.Fold(st.subject + "\n" + strings.Join(st.tags, " ") + "\n" + strings.Join(bodies, "\n"))
			if err := tx.SetSearchDoc(ctx, "ticket_search", st.id, d); err != nil {
				t.Fatal(err)
			}
		}
		// A collaborator, and an attachment on ticket 1's first comment.
		exec(`INSERT INTO ticket_collaborators (ticket_id, user_id, kind) VALUES (4, 1, 'email_cc')`)
		var cid int64
		if err := tx.QueryRow(ctx, `SELECT MIN(id) FROM ticket_comments WHERE ticket_id = 1`).Scan(&cid); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO attachments (ticket_id, comment_id, uploader_id, file_name, content_type, size, storage_key, created_at)
			VALUES (1, ?, 4, 'photo.jpg', 'image/jpeg', 10, 'k1', ?)`, cid, ts)
		// A private attachment on ticket 3.
		if err := tx.QueryRow(ctx, `SELECT MAX(id) FROM ticket_comments WHERE ticket_id = 3`).Scan(&cid); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO attachments (ticket_id, comment_id, uploader_id, file_name, content_type, size, storage_key, created_at)
			VALUES (3, ?, 2, 'note.txt', 'text/plain', 10, 'k2', ?)`, cid, ts)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if db.Dialect == store.Postgres {
		// Explicit ids leave the identity sequences behind; nothing here
		// inserts without ids afterwards, but keep the store consistent.
		for _, tbl := range []string{"organizations", "users", "tickets", "agent_groups"} {
			if _, err := db.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+tbl+`', 'id'), (SELECT MAX(id) FROM `+tbl+`))`); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func newService(db *store.DB) *Service {
	s := New(db, ticket.New(db, nil, nil), people.New(db, nil))
	s.Now = func() time.Time { return now }
	return s
}

func as(p *desk.Principal) context.Context {
	return desk.WithPrincipal(context.Background(), p)
}

// hits renders results as "t1 u3 o2" for compact comparisons.
func hits(rs []Result) string {
	var b []string
	for _, r := range rs {
		b = append(b, fmt.Sprintf("%c%d", r.Type[0], r.ID))
		switch r.Type {
		case "ticket":
			if r.Ticket == nil || r.Ticket.ID != r.ID {
				return "bad ticket result"
			}
		case "user":
			if r.User == nil || r.User.ID != r.ID {
				return "bad user result"
			}
		case "organization":
			if r.Organization == nil || r.Organization.ID != r.ID {
				return "bad organization result"
			}
		}
	}
	return strings.Join(b, " ")
}

// sorted is hits with the items sorted, for cases where order is not the point.
func sorted(rs []Result) string {
	f := strings.Fields(hits(rs))
	slices.Sort(f)
	return strings.Join(f, " ")
}

type searchCase struct {
	q     string
	as    *desk.Principal
	want  string
	order bool // compare in result order rather than as a set
}

func runCases(t *testing.T, s *Service, cases []searchCase) {
	t.Helper()
	for _, c := range cases {
		p := c.as
		if p == nil {
			p = admin
		}
		ctx := as(p)
		rs, n, err := s.Search(ctx, c.q, 1, 100)
		if err != nil {
			t.Errorf("Search(%q) as user %d: %v", c.q, p.UserID, err)
			continue
		}
		got := sorted(rs)
		if c.order {
			got = hits(rs)
		}
		if got != c.want {
			t.Errorf("Search(%q) as user %d = [%s], want [%s]", c.q, p.UserID, got, c.want)
		}
		if n != len(rs) {
			t.Errorf("Search(%q) count = %d, want %d", c.q, n, len(rs))
		}
		if cn, err := s.Count(ctx, c.q); err != nil || cn != n {
			t.Errorf("Count(%q) = %d, %v; want %d", c.q, cn, err, n)
		}
	}
}

func TestSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		runCases(t, s, []searchCase{
			// Folding works whichever side has the diacritics.
			{q: "zgloszenie", want: "t1"},
			{q: "Zgłoszenie", want: "t1"},
			{q: "ZGŁOSZENIE dzIała", want: "t1"},
			{q: "muller type:ticket", want: "t2"},
			{q: "Muller type:user", want: "u3"},
			{q: "Müller type:user", want: "u3"},
			{q: "MÜLLER type:organization", want: "o2"},
			{q: "muller", want: "t2 u3 o2", order: true},
			// Phrases, prefixes and negation.
			{q: `"printer on fire"`, want: "t3"},
			{q: `"fire on printer"`, want: ""},
			{q: "print* type:ticket", want: "t1 t3"},
			{q: "printer -fire", want: "t1"},
			{q: "-printer type:ticket", want: "t2 t4 t6"},
			{q: "-printer -billing type:ticket", want: "t4"},
			{q: "printer -fire -zzz", want: "t1"},
			{q: "subject:printer", want: "t1 t3"},
			{q: "sure_thing", want: "t4"},
			{q: "hans.alt@mueller.de", want: "t4"},
			// Status and priority.
			{q: "status<solved", want: "t1 t2 t4"},
			{q: "status:open", want: "t1"},
			{q: "status>=solved", want: "t3 t6"},
			{q: "-status:open type:ticket", want: "t2 t3 t4 t6"},
			{q: "priority>normal", want: "t1 t3"},
			{q: "priority<=normal", want: "t2 t6"},
			{q: "priority:none", want: "t4"},
			{q: "ticket_type:incident", want: "t1 t3"},
			{q: "ticket_type:none", want: "t4"},
			{q: "-ticket_type:incident type:ticket", want: "t2 t4 t6"},
			// People.
			{q: "assignee:me", as: agent, want: "t1 t6"},
			{q: "-assignee:me type:ticket", as: agent, want: "t2 t3 t4"},
			{q: "assignee:none", want: "t2 t4"},
			{q: "-assignee:none type:ticket", want: "t1 t3 t6"},
			{q: "assignee:2", want: "t1 t6"},
			{q: "assignee:jan@example.com", want: "t1 t6"},
			{q: "assignee:JAN@example.com", want: "t1 t6"},
			{q: `assignee:"Jan Kowalski"`, want: "t1 t6"},
			{q: `assignee:"jan kowalski"`, want: "t1 t6"},
			{q: `assignee:"jan kow*"`, want: ""}, // a quoted star is text
			{q: "assignee:jan*", want: "t1 t6"},
			{q: "assignee:kow*", want: ""},
			{q: "assignee:jan@*", want: "t1 t6"},
			{q: "assignee:jan", want: ""},
			{q: "requester:hans@mueller.de", want: "t2 t4 t6"},
			{q: `requester:"hans muller"`, want: "t2 t4 t6"},
			{q: "submitter:4", want: "t1 t3"},
			{q: "commenter:jan@example.com", want: "t1 t3 t6"},
			{q: "commenter:none", want: ""},
			{q: "cc:admin@example.com", want: "t4"},
			{q: "cc:none type:ticket", want: "t1 t2 t3 t6"},
			{q: "group:billing", want: "t2 t6"},
			{q: `group:"wsparcie techniczne" type:ticket`, want: "t1"},
			{q: `group:"wsparcie techniczne"`, want: "t1 u2", order: true},
			{q: "group:none type:ticket", want: "t3 t4"},
			{q: "group:none", want: "t4 t3 u4 u3 u1 o2 o1", order: true},
			{q: "organization:2 type:ticket", want: "t2 t4 t6"},
			{q: `organization:"muller gmbh" type:ticket`, want: "t2 t4 t6"},
			{q: "organization:none type:ticket", want: ""},
			// Tags, via, external id, attachments.
			{q: "tags:billing", want: "t2 t6"},
			{q: "tags:bill*", want: "t2 t6"},
			{q: "tags:vip type:ticket", want: "t2"},
			{q: "tags:vip", want: "t2 u3 o2", order: true},
			{q: "-tags:printer type:ticket", want: "t2 t4 t6"},
			{q: "tags:none type:ticket", want: "t4"},
			{q: "via:email", want: "t1 t4"},
			{q: "external_id:EXT-1", want: "t1"},
			{q: "external_id:ext-1", want: ""},
			{q: "has_attachment:true", want: "t1 t3"},
			{q: "has_attachment:false", want: "t2 t4 t6"},
			// Dates.
			{q: "created>2025-06-01", want: "t2 t4"},
			{q: "created:2025-06-01", want: "t1"},
			{q: "created>=2025-06-01", want: "t1 t2 t4"},
			{q: "created<=2025-06-01 type:ticket", want: "t1 t3 t6"},
			{q: "created<2025-05-01 type:ticket", want: "t6"},
			{q: "created>2days type:ticket", want: "t4"},
			{q: "created:1day type:ticket", want: "t4"},
			{q: "created>2025-06-14T00:00:00Z type:ticket", want: "t4"},
			{q: "solved<2025-06-01", want: "t3 t6"},
			{q: "-solved<2025-06-01 type:ticket", want: "t1 t2 t4"},
			{q: "due_date>2000-01-01", want: ""},
			{q: "updated>1000000years type:ticket", want: "t1 t2 t3 t4 t6"},
			// Ordering.
			{q: "type:ticket order_by:created_at sort:asc", want: "t6 t3 t1 t2 t4", order: true},
			{q: "type:ticket order_by:created_at", want: "t4 t2 t1 t3 t6", order: true},
			{q: "type:ticket order_by:priority", want: "t3 t1 t6 t2 t4", order: true},
			{q: "type:ticket order_by:status sort:asc", want: "t4 t1 t2 t3 t6", order: true},
			{q: "type:ticket order_by:ticket_type sort:asc", want: "t4 t1 t3 t2 t6", order: true},
			{q: "printer order_by:created_at sort:desc", want: "t1 t3", order: true},
			{q: "type:ticket", want: "t6 t4 t3 t2 t1", order: true},
			// Users.
			{q: "email:hans@mueller.de", want: "u3"},
			{q: "email:HANS@*", want: "u3"},
			{q: "role:agent", want: "u2"},
			{q: "role:end-user", want: "u3 u4"},
			{q: "name:hans", want: "u3"},
			{q: "name:müll*", want: "u3 o2", order: true},
			{q: "name:kowalski type:user", want: "u2"},
			{q: `organization:"Müller GmbH" type:user`, want: "u3"},
			{q: "organization:none type:user", want: "u1 u2"},
			{q: "group:2 type:user", want: "u2"},
			{q: "phone:+48*", want: "u2"},
			{q: "external_id:user-3", want: "u3"},
			{q: "created>=2025-01-01T09:30:03Z type:user", want: "u3 u4"},
			{q: "created>2025-01-01T09:30:03Z type:user", want: "u4"},
			{q: "ian", want: ""}, // inactive users never appear
			{q: "example type:user", want: "u1 u2 u4"},
			// Organizations.
			{q: "name:acme", want: "o1"},
			{q: "mueller type:organization", want: "o2"},
			{q: "tags:partner", want: "o1"},
			{q: "external_id:org-2", want: "o2"},
			// Fields of another type leave that type out.
			{q: "status:open type:user", want: ""},
			{q: "email:hans@mueller.de type:ticket", want: ""},
		})
	})
}

func TestRelevance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		// Ticket 3 mentions printer three times, ticket 1 once.
		rs, _, err := s.Search(as(admin), "printer type:ticket", 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := hits(rs); got != "t3 t1" {
			t.Errorf("relevance order = %s, want t3 t1", got)
		}
	})
}

func TestEndUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		runCases(t, s, []searchCase{
			{q: "printer", as: eve, want: "t1 t3"},
			{q: "type:ticket", as: eve, want: "t3 t1", order: true},
			{q: "status:pending", as: eve, want: ""},
			{q: "invoice", as: eve, want: ""},
			{q: "invoice", as: hans, want: "t2"},
			{q: "muller", as: hans, want: "t2"}, // no users or organizations for end-users
			{q: "type:user", as: hans, want: ""},
			{q: "type:organization", as: hans, want: ""},
			{q: "hans", as: eve, want: ""},
			// Internal notes are not searchable by end-users, either way.
			{q: "fraud", as: admin, want: "t3"},
			{q: "fraud", as: eve, want: ""},
			{q: "suspicious", as: eve, want: ""},
			{q: "printer -fraud", as: eve, want: "t1 t3"},
			{q: "printer -fraud", as: admin, want: "t1"},
			{q: "commenter:jan@example.com", as: eve, want: "t1"},
			{q: "has_attachment:true", as: eve, want: "t1"},
			{q: "print* order_by:created_at sort:asc", as: eve, want: "t3 t1", order: true},
		})
	})
}

func TestMetacharacters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		var cases []searchCase
		for _, v := range []string{`"' OR 1=1 --"`, `%`, `_`, `\"`, `\\`, `"%"`, `"_"`, `"\\"`, `"\""`, `'`, `';`, `%%*`, `_*`, `\*`} {
			for _, f := range []string{"", "tags:", "assignee:", "requester:", "organization:", "group:", "external_id:", "via:",
				"email:", "name:", "phone:", "role:", "status:", "priority:", "ticket_type:", "commenter:", "cc:", "subject:"} {
				cases = append(cases, searchCase{q: f + v, want: ""})
				cases = append(cases, searchCase{q: f + v + " type:ticket", want: "", as: eve})
			}
		}
		runCases(t, s, cases)
		// Negating a metacharacter value keeps every row, no more.
		runCases(t, s, []searchCase{
			{q: `-tags:% type:ticket`, want: "t1 t2 t3 t4 t6"},
			{q: `-assignee:"' OR 1=1 --" type:ticket`, want: "t1 t2 t3 t4 t6"},
			{q: `' OR 1=1 --`, want: ""},
			{q: `printer ' OR 1=1 --`, want: ""},
			{q: `status:open OR 1=1`, want: ""},
			{q: "-- status:open", want: "t1"},
			{q: "tags:bill_*", want: ""},
			{q: "tags:bil%*", want: ""},
			{q: "email:%*", want: ""},
			{q: "email:_*", want: ""},
			{q: "name:%", want: ""},
			{q: "external_id:%", want: ""},
			{q: "100% sure_thing", want: "t4"},
			{q: "status:open \x00", want: "t1"},
			{q: "\x00", want: ""},
			{q: "tags:\x00printer", want: "t1 t3"},
			{q: "!!!", want: ""},
			{q: "-!!!", want: ""},
			{q: "!!! status:open", want: "t1"},
			{q: `NOT OR AND NEAR`, want: ""},
			{q: `printer NOT`, want: ""},
			{q: `"printer" "fire"`, want: "t3"},
		})
	})
}

func TestErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		ctx := as(admin)
		for _, c := range []struct {
			q             string
			page, perPage int
			code          string
		}{
			{"printer", 11, 100, desk.EINVALID},
			{"printer", 10, 100, ""},
			{"printer", 1001, 1, desk.EINVALID},
			{"printer", 1000, 1, ""},
			{"printer", 51, 20, desk.EINVALID},
			{"printer", 1 << 62, 100, desk.EINVALID},
			{"printer", 11, 0, desk.EINVALID}, // 0 means 100
			{"printer", 0, 0, ""},
			{"printer", 1, 1000, ""},   // clamped to 100
			{"stauts:open", 1, 10, ""}, // an unknown keyword is text, as in Zendesk
			{"", 1, 10, desk.EINVALID},
			{`"unterminated`, 1, 10, desk.EINVALID},
			{"order_by:bogus", 1, 10, desk.EINVALID},
			{"has_attachment:maybe", 1, 10, desk.EINVALID},
			{"status<bogus", 1, 10, desk.EINVALID},
			{strings.Repeat("word ", 49), 1, 10, ""},
			{strings.Repeat("a-b-c ", 40), 1, 10, desk.EINVALID},
			{strings.Repeat("x", 1001), 1, 10, desk.EINVALID},
			{"\xff", 1, 10, desk.EINVALID},
		} {
			_, _, err := s.Search(ctx, c.q, c.page, c.perPage)
			if got := codeOf(err); got != c.code {
				t.Errorf("Search(%.30q, %d, %d) error = %v, want code %q", c.q, c.page, c.perPage, err, c.code)
			}
		}
		_, _, err := s.Search(ctx, "status<bogus", 1, 10)
		var de *desk.Error
		if !asDeskError(err, &de) || !strings.HasPrefix(de.Message, "Invalid search: ") ||
			len(de.Details["query"]) != 1 || de.Details["query"][0].Error != "InvalidValue" || de.Details["query"][0].Description == "" {
			t.Errorf("parse error = %#v", err)
		}
		if _, _, err := s.Search(context.Background(), "printer", 1, 10); codeOf(err) != desk.EUNAUTHORIZED {
			t.Errorf("anonymous search: %v", err)
		}
		if _, err := s.Count(context.Background(), "printer"); codeOf(err) != desk.EUNAUTHORIZED {
			t.Errorf("anonymous count: %v", err)
		}
		if _, err := s.Count(ctx, "status<bogus"); codeOf(err) != desk.EINVALID {
			t.Errorf("count of bad query: %v", err)
		}
	})
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return desk.ErrorCode(err)
}

func asDeskError(err error, out **desk.Error) bool {
	e, ok := err.(*desk.Error)
	if ok {
		*out = e
	}
	return ok
}

func TestPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		ctx := as(admin)
		// Merged types page across the type boundaries.
		var all []string
		for page := 1; page <= 4; page++ {
			rs, n, err := s.Search(ctx, "muller", page, 1)
			if err != nil {
				t.Fatal(err)
			}
			if n != 3 {
				t.Errorf("page %d count = %d, want 3", page, n)
			}
			if page == 4 && len(rs) != 0 {
				t.Errorf("page 4 = %s, want nothing", hits(rs))
			}
			all = append(all, hits(rs))
		}
		if got := strings.Join(all, "|"); got != "t2|u3|o2|" {
			t.Errorf("pages = %s", got)
		}
		rs, n, err := s.Search(ctx, "type:ticket order_by:created_at sort:asc", 2, 2)
		if err != nil || hits(rs) != "t1 t2" || n != 5 {
			t.Errorf("page 2 of tickets = %s (%d), %v", hits(rs), n, err)
		}
		rs, n, err = s.Search(ctx, "tags:vip", 2, 2)
		if err != nil || hits(rs) != "o2" || n != 3 {
			t.Errorf("page 2 of tags:vip = %s (%d), %v", hits(rs), n, err)
		}
		// End-users page over the checked results.
		rs, n, err = s.Search(as(eve), "print* order_by:created_at", 2, 1)
		if err != nil || hits(rs) != "t3" || n != 2 {
			t.Errorf("end-user page 2 = %s (%d), %v", hits(rs), n, err)
		}
	})
}

// nastyQueries seeds the fuzzer and TestNastyQueries.
var nastyQueries = []string{
	`' OR 1=1 --`,
	`"; DROP TABLE tickets; --"`,
	`status:open' OR '1'='1`,
	`tags:%`, `tags:_*`, `\`, `"\\"`, `"\""`, `%`, `*`, `-`, `--`, `"`, `""`,
	`NEAR(a b)`, `a OR b NOT c`, `"a" AND "b"`, `doc:x`, `{a b}:c`, `^a`, `a:* & !b`, `'a' <-> 'b'`, `!(a|b)`,
	`created>99999999years`, `created<1000000years`, `due_date:1970-01-01`, `created>0001-01-01`, `updated<9999-12-31T23:59:59Z`,
	`assignee:99999999999999999999999`, `requester:-1`, `organization:0`, `group:none*`, `assignee:@`, `email:@*`,
	"x\x00y", "\x00", `type:user name:*`, `order_by:status sort:asc -printer`, `a* b* c* d*`,
	`"zgłoszenie drukarka"`, `ŁÓDŹ`, `日本語 テスト`, `ﬁle`, `İstanbul`, `ǅ`, `x²`, `١٢٣`, `🙂`, `𞤀`, `printer -𞤀`, `-𞤀 -printer`, "a\u0301", "\u200b", "x\x00*",
}

func TestNastyQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		for _, p := range []*desk.Principal{admin, eve} {
			for _, q := range nastyQueries {
				for _, variant := range []string{q, "-" + q, "subject:" + q, "name:" + q, "tags:" + q, "type:user " + q, "type:organization " + q} {
					if _, _, err := s.Search(as(p), variant, 1, 10); err != nil && codeOf(err) != desk.EINVALID {
						t.Errorf("Search(%q): %v", variant, err)
					}
					if _, err := s.Count(as(p), variant); err != nil && codeOf(err) != desk.EINVALID {
						t.Errorf("Count(%q): %v", variant, err)
					}
				}
			}
		}
	})
}

func FuzzSearch(f *testing.F) {
	db := storetest.SQLite(f)
	seed(f, db)
	seedCustom(f, db)
	s := newService(db)
	for _, q := range nastyQueries {
		f.Add(q, false)
	}
	f.Add("printer -fraud", true)
	f.Add("status<solved assignee:me", false)
	f.Add(`custom_field_10:"warszawa centrum" -custom_field_11:true custom_field_12:vip*`, true)
	f.Add(`custom_field_13:2.5 custom_field_10:100%* custom_field_999:'`, false)
	f.Fuzz(func(t *testing.T, q string, endUser bool) {
		p := admin
		if endUser {
			p = eve
		}
		_, _, err := s.Search(as(p), q, 1, 25)
		if err != nil && codeOf(err) != desk.EINVALID {
			t.Fatalf("Search(%q): %v", q, err)
		}
	})
}

// TestWindowBoundsCommonWords checks that a free-text search only considers
// the window of most recent matching documents: a word in most tickets must
// not make a search rank and count all of them.
func TestWindowBoundsCommonWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		full := newService(db)
		_, all, err := full.Search(as(admin), "printer", 1, 100)
		if err != nil || all < 2 {
			t.Fatalf("unbounded: %d %v", all, err)
		}
		small := newService(db)
		small.Window = 1
		res, n, err := small.Search(as(admin), "printer", 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n > 1 || len(res) > 1 {
			t.Fatalf("window of 1 gave %d results (count %d)", len(res), n)
		}
		// The window holds the newest matching document; if that ticket is
		// live it is the one found.
		var newest int64
		col := "rowid"
		if db.Dialect == store.Postgres {
			col = "id"
		}
		m := "ticket_search MATCH 'printer'"
		if db.Dialect == store.Postgres {
			m = "tsv @@ to_tsquery('simple', 'printer')"
		}
		db.QueryRow(context.Background(), `SELECT MAX(`+col+`) FROM ticket_search WHERE `+m).Scan(&newest)
		for _, r := range res {
			if r.ID != newest {
				t.Fatalf("found %d, want only the newest match %d", r.ID, newest)
			}
		}
	})
}

// Issue 7, item 7: a staff member whose role lacks view_end_users must not
// learn that an end-user exists from a count: counts and results come from
// the people service's one user visibility, and paging agrees with them.
func TestUserCountsFollowViewEndUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		blind := &desk.Principal{UserID: 2, Role: desk.RoleAgent, Via: "api",
			Perms: &desk.Permissions{TicketAccess: desk.TicketAccessAll}} // no view_end_users
		for _, c := range []struct {
			q    string
			as   *desk.Principal
			want string
		}{
			{"type:user eve", blind, ""},
			{"type:user hans", blind, ""},
			{"type:user email:eve@example.com", blind, ""},
			{"type:user role:end-user", blind, ""},
			{"type:user", blind, "u1 u2"},
			{"type:user jan", blind, "u2"},
			{"type:user eve", agent, "u4"},
			{"type:user role:end-user", agent, "u3 u4"},
		} {
			rs, n, err := s.Search(as(c.as), c.q, 1, 100)
			if err != nil {
				t.Fatalf("%q: %v", c.q, err)
			}
			if got := sorted(rs); got != c.want || n != len(rs) {
				t.Errorf("%q as %d: results %q count %d, want %q and a count that matches", c.q, c.as.UserID, got, n, c.want)
			}
			cnt, err := s.Count(as(c.as), c.q)
			if err != nil || cnt != len(rs) {
				t.Errorf("Count(%q) as %d = %d %v, want %d", c.q, c.as.UserID, cnt, err, len(rs))
			}
		}
		// Paging over a filtered list: page 2 of one holds the second
		// visible user, not a hidden one.
		rs, n, err := s.Search(as(blind), "type:user order_by:created_at sort:asc", 2, 1)
		if err != nil || n != 2 || hits(rs) != "u2" {
			t.Errorf("page 2: %q of %d, %v", hits(rs), n, err)
		}
	})
}

// A keyword Zendesk does not know is searched as text, as Zendesk does:
// its words (keyword and value, next to each other) must appear in the
// record, negation and phrases work as for any text, and a query made of
// such terms is never refused.
func TestUnknownKeywordIsText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		runCases(t, s, []searchCase{
			{q: "zgłoszenie:drukarka", want: "t1"},
			{q: "Zgloszenie:DRUKARKA type:ticket", want: "t1"},
			{q: `zgłoszenie:"drukarka nie"`, want: "t1"},
			{q: "on:fire", want: "t3"},
			{q: "on:fire status:open", want: ""},
			{q: "-zgłoszenie:drukarka type:ticket", want: "t2 t3 t4 t6"},
			{q: "nosuchkeyword:printer", want: ""},
			{q: "fire:on", want: ""}, // the words in the order typed
		})
	})
}
