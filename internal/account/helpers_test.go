package account_test

import (
	"context"
	"crypto/rand"
	"errors"
	"github.com/frontdesk/frontdesk/internal/testkit"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

func TestMain(m *testing.M) {
	// Cheap password hashes keep the suite fast (especially under -race);
	// the flows under test do not depend on the cost parameters.
	testkit.CheapPasswordHashes()
	os.Exit(m.Run())
}

var bg = context.Background()

const base = "https://help.example.com"

func ptr[T any](v T) *T { return &v }

func sysCtx() context.Context { return desk.SystemContext(bg) }

type env struct {
	db    *store.DB
	ppl   *people.Service
	ob    *outbox.Outbox
	svc   *account.Service
	clock *testkit.Clock
}

func newEnv(t testing.TB, db *store.DB) *env {
	ppl := people.New(db, events.New())
	key := make([]byte, secrets.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	ob := outbox.New(db, box)
	svc := account.New(db, ppl, ob)
	c := testkit.NewClock(time.Now().Truncate(time.Microsecond))
	svc.Now = c.Now
	return &env{db: db, ppl: ppl, ob: ob, svc: svc, clock: c}
}

// mkUser creates a user as the system; password "" leaves it without one.
func (e *env) mkUser(t testing.TB, email string, role desk.Role, password string, verified bool) *desk.User {
	t.Helper()
	in := people.UserInput{Name: ptr("User " + email), Email: &email, Role: &role, Verified: &verified}
	if password != "" {
		in.Password = &password
	}
	u, err := e.ppl.CreateUser(sysCtx(), in)
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func (e *env) signIn(t testing.TB, email, password string) string {
	t.Helper()
	tok, _, err := e.svc.SignIn(bg, email, password, "192.0.2.1", "test-agent")
	if err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	return tok
}

// alive reports whether token still authenticates.
func (e *env) alive(t testing.TB, token string) bool {
	t.Helper()
	_, _, err := e.svc.Authenticate(bg, token, "192.0.2.1")
	if err != nil && desk.ErrorCode(err) != desk.EUNAUTHORIZED {
		t.Fatalf("authenticate: %v", err)
	}
	return err == nil
}

// countOutbox counts all queued emails.
func (e *env) countOutbox(t testing.TB) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(bg, `SELECT COUNT(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var linkRE = regexp.MustCompile(`(https?://[^\s"<>]+)\?token=([A-Za-z0-9_-]+)`)

// mailLink returns the newest email to addr, checking its kind, and the
// token of the first link to path in its text part.
func (e *env) mailLink(t testing.TB, addr, kind, path string) (*outbox.Message, string) {
	t.Helper()
	m, err := e.ob.Latest(sysCtx(), addr)
	if err != nil {
		t.Fatalf("no mail to %s: %v", addr, err)
	}
	if m.Kind != kind {
		t.Fatalf("mail to %s is %q, want %q:\n%s", addr, m.Kind, kind, m.Text)
	}
	for _, sm := range linkRE.FindAllStringSubmatch(m.Text, -1) {
		if sm[1] == base+path {
			if !strings.Contains(m.HTML, `href="`+base+path+"?token="+sm[2]+`"`) {
				t.Fatalf("HTML part lacks the link:\n%s", m.HTML)
			}
			return m, sm[2]
		}
	}
	t.Fatalf("no %s link in mail to %s:\n%s", path, addr, m.Text)
	return nil, ""
}

func wantCode(t testing.TB, err error, want string) {
	t.Helper()
	if got := desk.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func wantField(t testing.TB, err error, field string) {
	t.Helper()
	var de *desk.Error
	if !errors.As(err, &de) || de.Code != desk.EINVALID || len(de.Details[field]) == 0 {
		t.Fatalf("want invalid %s, got %v (%+v)", field, err, de)
	}
}

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(bg, p) }

func userCtx(u *desk.User) context.Context {
	return as(&desk.Principal{UserID: u.ID, Role: u.Role, Email: u.Email, Via: "web"})
}
