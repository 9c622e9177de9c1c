package password_test

import (
	"context"
	"errors"
	"github.com/frontdesk/frontdesk/internal/testkit"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/password"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestMain(m *testing.M) {
	// Cheap hashes keep the reuse tests fast; the rules do not depend on them.
	testkit.CheapPasswordHashes()
	os.Exit(m.Run())
}

var bg = context.Background()

func ptr[T any](v T) *T { return &v }

func sysCtx() context.Context { return desk.SystemContext(bg) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	db    *store.DB
	svc   *password.Service
	ppl   *people.Service
	clock *testkit.Clock
}

func newEnv(db *store.DB) *env {
	c := testkit.NewClock(time.Now().Truncate(time.Microsecond))
	svc := &password.Service{DB: db, Now: c.Now}
	ppl := people.New(db, nil)
	ppl.Passwords = svc
	return &env{db: db, svc: svc, ppl: ppl, clock: c}
}

func (e *env) setPolicy(t testing.TB, audience string, p password.Policy) {
	t.Helper()
	if err := e.svc.SetPolicy(sysCtx(), audience, p); err != nil {
		t.Fatalf("set %s policy: %v", audience, err)
	}
}

func (e *env) mkUser(t testing.TB, name, email string, role desk.Role, pw string) *desk.User {
	t.Helper()
	in := people.UserInput{Name: &name, Email: &email, Role: &role}
	if pw != "" {
		in.Password = &pw
	}
	u, err := e.ppl.CreateUser(sysCtx(), in)
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// codes returns the rule codes of a Check error on "password" (nil for
// nil), failing on any other error.
func codes(t testing.TB, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var de *desk.Error
	if !errors.As(err, &de) || de.Code != desk.EINVALID || len(de.Details) != 1 || len(de.Details["password"]) == 0 {
		t.Fatalf("want invalid password, got %v (%+v)", err, de)
	}
	var out []string
	for _, fe := range de.Details["password"] {
		if fe.Description == "" {
			t.Fatalf("code %s without a description", fe.Error)
		}
		out = append(out, fe.Error)
	}
	return out
}

func wantCodes(t testing.TB, err error, want ...string) {
	t.Helper()
	if got := codes(t, err); !slices.Equal(got, want) {
		t.Fatalf("codes %v (%v), want %v", got, err, want)
	}
}

func TestRecommendedPolicy(t *testing.T) {
	const (
		TooShort = password.CodeTooShort
		TooLong  = password.CodeTooLong
		Breached = password.CodeBreached
		Personal = password.CodeContainsPersonalInfo
		Invalid  = password.CodeInvalidCharacters
	)
	tests := []struct {
		name, pw, uname, email string
		want                   []string
	}{
		{"ordinary passphrase", "a long enough passphrase", "Carol Smith", "carol@example.com", nil},
		{"exactly 12", "tw3lve chars", "", "", nil},
		{"11 characters", "eleven char", "", "", []string{TooShort}},
		{"12 characters counted as runes", "zażółć gęśl", "", "", []string{TooShort}},
		{"no composition rules", "just lowercase words here", "", "", nil},
		{"256 characters", strings.Repeat("abc ", 64), "", "", nil},
		{"257 characters", strings.Repeat("abc ", 64) + "d", "", "", []string{TooLong}},
		{"128 multibyte characters", strings.Repeat("ł", 128), "", "", nil},
		{"breached and short: password1", "password1", "", "", []string{TooShort, Breached}},
		{"breached and short: iloveyou", "iloveyou", "", "", []string{TooShort, Breached}},
		{"breached: qwertyuiop123", "qwertyuiop123", "", "", []string{Breached}},
		{"breached whatever the case", "PasswordPassword", "", "", []string{Breached}},
		{"breached: 1q2w3e4r5t6y", "1q2w3e4r5t6y", "", "", []string{Breached}},
		{"contains first name", "carol loves the sea", "Carol Smith", "cs@example.com", []string{Personal}},
		{"contains surname in capitals", "SMITH and wesson 45", "Carol Smith", "cs@example.com", []string{Personal}},
		{"equals the email", "Carol.Smith@Example.com", "Someone", "carol.smith@example.com", []string{Personal}},
		{"contains the email local part", "my kowalska2024 rules", "Anna", "anna.kowalska@example.com", []string{Personal}},
		{"folded name", "lukasz likes rain", "Łukasz Nowak", "ln@example.com", []string{Personal}},
		{"short name parts allowed", "always a good passphrase", "Al Wu", "al@example.com", nil},
		{"domain allowed", "fabrikam helpdesk staff", "Bo", "bo@fabrikam.example", nil},
		{"NUL", "twelve chars\x00", "", "", []string{Invalid}},
		{"newline", "twelve chars\nmore", "", "", []string{Invalid}},
		{"invalid UTF-8", "twelve chars\xff", "", "", []string{Invalid}},
		{"several rules at once", "carolcarol", "Carol", "c@example.com", []string{TooShort, Personal}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		for _, role := range []desk.Role{desk.RoleEndUser, desk.RoleAgent, desk.RoleAdmin} {
			for _, tt := range tests {
				t.Run(string(role)+"/"+tt.name, func(t *testing.T) {
					wantCodes(t, e.svc.Check(bg, db, 0, tt.uname, tt.email, tt.pw, role), tt.want...)
				})
			}
		}
		p, err := e.svc.PolicyFor(bg, desk.RoleAgent)
		if err != nil || p != password.Recommended() || p.MinLength != 12 || p.MaxLength != 256 {
			t.Fatalf("default policy %+v %v", p, err)
		}
	})
}

func TestStoredPersonalInfo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		u := e.mkUser(t, "Grzegorz Brzęczyszczykiewicz", "gb@example.com", desk.RoleEndUser, "")
		if _, err := e.ppl.AddIdentity(sysCtx(), u.ID, people.IdentityEmail, "chrzaszcz@example.org"); err != nil {
			t.Fatal(err)
		}
		// The stored name and every address count, whatever the caller passes.
		for _, pw := range []string{"grzegorz the great", "brzeczyszczykiewicz", "chrzaszcz w trzcinie"} {
			wantCodes(t, e.svc.Check(bg, db, u.ID, "", "", pw, desk.RoleEndUser), password.CodeContainsPersonalInfo)
		}
		wantCodes(t, e.svc.Check(bg, db, u.ID, "", "", "a long enough passphrase", desk.RoleEndUser))
	})
}

func TestCustomPolicy(t *testing.T) {
	const (
		TooShort = password.CodeTooShort
		Missing  = password.CodeMissingClass
		Breached = password.CodeBreached
		Personal = password.CodeContainsPersonalInfo
	)
	tests := []struct {
		name   string
		policy password.Policy
		pw     string
		want   []string
	}{
		{"min 8 accepts 8", password.Policy{Level: "custom", MinLength: 8}, "xk4#pq9z", nil},
		{"min 8 refuses 7", password.Policy{Level: "custom", MinLength: 8}, "xk4#pq9", []string{TooShort}},
		{"min 20", password.Policy{Level: "custom", MinLength: 20}, "a long enough phrase", nil},
		{"min 20 refuses 19", password.Policy{Level: "custom", MinLength: 20}, "a long enough phras", []string{TooShort}},
		{"lower required", password.Policy{Level: "custom", MinLength: 8, RequireLower: true}, "XK4#PQ9Z", []string{Missing}},
		{"upper required", password.Policy{Level: "custom", MinLength: 8, RequireUpper: true}, "xk4#pq9z", []string{Missing}},
		{"upper given", password.Policy{Level: "custom", MinLength: 8, RequireUpper: true}, "xK4#pq9z", nil},
		{"non-ASCII upper", password.Policy{Level: "custom", MinLength: 8, RequireUpper: true}, "xk4#pq9Ż", nil},
		{"digit required", password.Policy{Level: "custom", MinLength: 8, RequireDigit: true}, "xkz#pqaz", []string{Missing}},
		{"symbol required", password.Policy{Level: "custom", MinLength: 8, RequireSymbol: true}, "xk4zpq9z", []string{Missing}},
		{"space is a symbol", password.Policy{Level: "custom", MinLength: 8, RequireSymbol: true}, "xk4z pq9z", nil},
		{"all four", password.Policy{Level: "custom", MinLength: 8, RequireLower: true, RequireUpper: true, RequireDigit: true,
			RequireSymbol: true}, "Xk4#pq9z", nil},
		{"all four, one message for all missing", password.Policy{Level: "custom", MinLength: 8, RequireLower: true,
			RequireUpper: true, RequireDigit: true, RequireSymbol: true}, "xkzapqaz", []string{Missing}},
		{"classes do not excuse a breached password", password.Policy{Level: "custom", MinLength: 8, RequireUpper: true,
			RequireDigit: true, RequireSymbol: true}, "Password1!", []string{Breached}},
		{"personal info still refused", password.Policy{Level: "custom", MinLength: 8}, "Carol#2024x", []string{Personal}},
		{"short, classless and breached", password.Policy{Level: "custom", MinLength: 10, RequireDigit: true},
			"iloveyou", []string{TooShort, Missing, Breached}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.setPolicy(t, password.AudienceStaff, tt.policy)
				wantCodes(t, e.svc.Check(bg, db, 0, "Carol", "carol@example.com", tt.pw, desk.RoleAgent), tt.want...)
				wantCodes(t, e.svc.Check(bg, db, 0, "Carol", "carol@example.com", tt.pw, desk.RoleAdmin), tt.want...)
			})
		}
		t.Run("audiences are separate", func(t *testing.T) {
			e.setPolicy(t, password.AudienceStaff, password.Policy{Level: "custom", MinLength: 8})
			wantCodes(t, e.svc.Check(bg, db, 0, "", "", "xk4#pq9z", desk.RoleAgent))
			wantCodes(t, e.svc.Check(bg, db, 0, "", "", "xk4#pq9z", desk.RoleEndUser), TooShort)
			e.setPolicy(t, password.AudienceEndUsers, password.Policy{Level: "custom", MinLength: 8, RequireDigit: true})
			e.setPolicy(t, password.AudienceStaff, password.Policy{Level: "recommended", MinLength: 99})
			wantCodes(t, e.svc.Check(bg, db, 0, "", "", "xkz#pqaz", desk.RoleEndUser), Missing)
			wantCodes(t, e.svc.Check(bg, db, 0, "", "", "xk4#pq9z", desk.RoleAgent), TooShort)
			if p, err := e.svc.PolicyFor(bg, desk.RoleAdmin); err != nil || p != password.Recommended() {
				t.Fatalf("staff policy %+v %v: a Recommended level ignores custom values", p, err)
			}
			want := password.Policy{Level: "custom", MinLength: 8, MaxLength: 256, RequireDigit: true}
			if p, err := e.svc.AudiencePolicy(bg, password.AudienceEndUsers); err != nil || p != want {
				t.Fatalf("end-user policy %+v %v, want %+v", p, err, want)
			}
		})
	})
}

func TestSetPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		agent := e.mkUser(t, "Agent", "agent@example.com", desk.RoleAgent, "")
		admin := e.mkUser(t, "Admin", "admin@example.com", desk.RoleAdmin, "")
		as := func(u *desk.User) context.Context {
			return desk.WithPrincipal(bg, &desk.Principal{UserID: u.ID, Role: u.Role, Email: u.Email, Via: "web"})
		}
		good := password.Policy{Level: "custom", MinLength: 10, RequireUpper: true, History: 5, ExpiryDays: 90}
		tests := []struct {
			name     string
			ctx      context.Context
			audience string
			p        password.Policy
			code     string // desk code
			field    string // for EINVALID
		}{
			{"anonymous", bg, password.AudienceStaff, good, desk.EUNAUTHORIZED, ""},
			{"agent", as(agent), password.AudienceStaff, good, desk.EFORBIDDEN, ""},
			{"bad audience", as(admin), "everyone", good, desk.EINVALID, "audience"},
			{"no level", as(admin), password.AudienceStaff, password.Policy{MinLength: 10}, desk.EINVALID, "level"},
			{"min length 7", as(admin), password.AudienceStaff, password.Policy{Level: "custom", MinLength: 7}, desk.EINVALID, "min_length"},
			{"min length 129", as(admin), password.AudienceStaff, password.Policy{Level: "custom", MinLength: 129}, desk.EINVALID, "min_length"},
			{"history 25", as(admin), password.AudienceStaff, password.Policy{Level: "custom", MinLength: 8, History: 25}, desk.EINVALID, "history"},
			{"negative history", as(admin), password.AudienceStaff, password.Policy{Level: "custom", MinLength: 8, History: -1}, desk.EINVALID, "history"},
			{"negative expiry", as(admin), password.AudienceStaff, password.Policy{Level: "custom", MinLength: 8, ExpiryDays: -1}, desk.EINVALID, "expiry_days"},
			{"admin", as(admin), password.AudienceStaff, good, "", ""},
			{"bounds", as(admin), password.AudienceEndUsers, password.Policy{Level: "custom", MinLength: 128, History: 24, ExpiryDays: 3650}, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := e.svc.SetPolicy(tt.ctx, tt.audience, tt.p)
				if got := desk.ErrorCode(err); got != tt.code {
					t.Fatalf("code %q (%v), want %q", got, err, tt.code)
				}
				if tt.field != "" {
					if de := err.(*desk.Error); len(de.Details[tt.field]) == 0 {
						t.Fatalf("no error on %s: %+v", tt.field, de.Details)
					}
				}
			})
		}
		want := good
		want.MaxLength = password.MaxLength
		if p, err := e.svc.PolicyFor(bg, desk.RoleAgent); err != nil || p != want {
			t.Fatalf("stored %+v %v, want %+v", p, err, want)
		}
		var raw string
		if err := db.QueryRow(bg, `SELECT value FROM settings WHERE key = ?`, "security.password.staff").Scan(&raw); err != nil ||
			!strings.Contains(raw, `"level":"custom"`) {
			t.Fatalf("setting %q %v", raw, err)
		}
		// A damaged setting falls back to Recommended, never to no rules.
		for _, bad := range []string{`{not json`, `{"level":"custom","min_length":3}`, `{"level":"lax"}`} {
			if _, err := db.Exec(bg, `UPDATE settings SET value = ? WHERE key = ?`, bad, "security.password.staff"); err != nil {
				t.Fatal(err)
			}
			if p, err := e.svc.PolicyFor(bg, desk.RoleAdmin); err != nil || p != password.Recommended() {
				t.Fatalf("damaged %q read as %+v %v", bad, p, err)
			}
		}
		if _, err := e.svc.AudiencePolicy(bg, "nobody"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("bad audience: %v", err)
		}
	})
}

func historyLen(t testing.TB, db *store.DB, userID int64) int {
	t.Helper()
	var n int
	if err := db.QueryRow(bg, `SELECT COUNT(*) FROM password_history WHERE user_id = ?`, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReuse(t *testing.T) {
	pws := []string{"first passphrase here", "second passphrase here", "third passphrase here", "fourth passphrase here"}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		u := e.mkUser(t, "Reuse", "reuse@example.com", desk.RoleAgent, pws[0])
		set := func(pw string) error {
			_, err := e.ppl.UpdateUser(sysCtx(), u.ID, people.UserInput{Password: &pw})
			return err
		}
		if n := historyLen(t, db, u.ID); n != 1 {
			t.Fatalf("history has %d entries after creation", n)
		}
		// Recommended: no reuse rule.
		if err := set(pws[0]); err != nil {
			t.Fatalf("same password again under Recommended: %v", err)
		}
		e.setPolicy(t, password.AudienceStaff, password.Policy{Level: "custom", MinLength: 12, History: 3})
		wantCodes(t, set(pws[0]), password.CodeReused)
		for _, pw := range pws[1:3] {
			if err := set(pw); err != nil {
				t.Fatal(err)
			}
		}
		// Last three: pws[0], pws[1], pws[2] (the current one).
		tests := []struct {
			history int
			pw      string
			reused  bool
		}{
			{3, pws[2], true},
			{3, pws[1], true},
			{3, pws[0], true},
			{3, pws[3], false},
			{2, pws[0], false},
			{2, pws[1], true},
			{1, pws[1], false},
			{1, pws[2], true},
			{0, pws[2], false},
			{24, pws[0], true},
		}
		for _, tt := range tests {
			e.setPolicy(t, password.AudienceStaff, password.Policy{Level: "custom", MinLength: 12, History: tt.history})
			err := e.svc.Check(bg, db, u.ID, "", "", tt.pw, desk.RoleAgent)
			if tt.reused {
				wantCodes(t, err, password.CodeReused)
			} else {
				wantCodes(t, err)
			}
		}
		// Another user's history is not ours; a new user has none.
		wantCodes(t, e.svc.Check(bg, db, 0, "", "", pws[2], desk.RoleAgent))
		other := e.mkUser(t, "Other", "other@example.com", desk.RoleAgent, pws[3])
		wantCodes(t, e.svc.Check(bg, db, other.ID, "", "", pws[2], desk.RoleAgent))
		// A refused password leaves everything as it was.
		e.setPolicy(t, password.AudienceStaff, password.Policy{Level: "custom", MinLength: 12, History: 3})
		wantCodes(t, set(pws[1]), password.CodeReused)
		if _, err := e.ppl.CheckPassword(bg, "reuse@example.com", pws[2]); err != nil {
			t.Fatalf("current password lost: %v", err)
		}
		// At most MaxHistory hashes are kept.
		for i := range password.MaxHistory + 5 {
			h, _ := auth.HashPassword(strings.Repeat("x", 12+i))
			if err := db.InTx(bg, func(tx *store.Tx) error { return e.svc.Record(bg, tx, u.ID, h) }); err != nil {
				t.Fatal(err)
			}
		}
		if n := historyLen(t, db, u.ID); n != password.MaxHistory {
			t.Fatalf("history has %d entries, want %d", n, password.MaxHistory)
		}
		if err := db.InTx(bg, func(tx *store.Tx) error { return e.svc.Record(bg, tx, u.ID, "") }); err != nil {
			t.Fatal(err)
		}
		var stored string
		db.QueryRow(bg, `SELECT hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT 1`, u.ID).Scan(&stored)
		if stored == "" || strings.Contains(stored, "passphrase") || !strings.HasPrefix(stored, "$argon2id$") {
			t.Fatalf("history holds %q", stored)
		}
	})
}

func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(db)
		end := e.mkUser(t, "End", "end@example.com", desk.RoleEndUser, "a long enough passphrase")
		agent := e.mkUser(t, "Agent", "agent@example.com", desk.RoleAgent, "a long enough passphrase")
		nopw := e.mkUser(t, "NoPW", "nopw@example.com", desk.RoleEndUser, "")
		expired := func(u *desk.User) bool {
			t.Helper()
			x, err := e.svc.Expired(bg, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		e.clock.Advance(400 * 24 * time.Hour)
		if expired(end) || expired(agent) {
			t.Fatal("Recommended passwords expired")
		}
		e.setPolicy(t, password.AudienceEndUsers, password.Policy{Level: "custom", MinLength: 12, ExpiryDays: 30})
		if !expired(end) || expired(agent) || expired(nopw) {
			t.Fatal("a 30-day expiry did not apply to end-users only")
		}
		// A new password starts a new period.
		pw := "a brand new passphrase"
		if _, err := e.ppl.UpdateUser(sysCtx(), end.ID, people.UserInput{Password: &pw}); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			advance time.Duration
			want    bool
		}{
			{0, false},
			{29 * 24 * time.Hour, false},
			{24*time.Hour - time.Second, false},
			{time.Second, true},
		}
		for i, s := range steps {
			e.clock.Advance(s.advance)
			if got := expired(end); got != s.want {
				t.Fatalf("step %d: expired = %v, want %v", i, got, s.want)
			}
		}
		e.setPolicy(t, password.AudienceEndUsers, password.Policy{Level: "custom", MinLength: 12, ExpiryDays: 0})
		if expired(end) {
			t.Fatal("expiry 0 expired a password")
		}
		if _, err := e.svc.Expired(bg, 999999); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	db := storetest.SQLite(b)
	svc := password.New(db)
	pws := []string{"a long enough passphrase", "qwertyuiop123", "short", "carol's secret garden"}
	svc.Check(bg, db, 0, "", "", pws[0], desk.RoleEndUser) // load the list
	b.ResetTimer()
	for i := range b.N {
		svc.Check(bg, db, 0, "Carol Smith", "carol@example.com", pws[i%len(pws)], desk.RoleEndUser)
	}
}
