package twofactor_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"github.com/frontdesk/frontdesk/internal/testkit"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/twofactor"
)

var bg = context.Background()

// t0 is the middle of a 30-second step, so ±10 s stays within it.
var t0 = time.Unix(56666667*30+15, 0).UTC()

type env struct {
	db    *store.DB
	box   *secrets.Box
	svc   *twofactor.Service
	clock *testkit.Clock
}

func newBox(t testing.TB) *secrets.Box {
	t.Helper()
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	b, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	c := testkit.NewClock(t0)
	box := newBox(t)
	return &env{db: db, box: box, clock: c,
		svc: &twofactor.Service{DB: db, Box: box, Issuer: "Acme Help", Now: c.Now}}
}

var userSeq atomic.Int64

// mkUser inserts a user directly (the people service is not under test).
func (e *env) mkUser(t testing.TB, role desk.Role) int64 {
	t.Helper()
	var id int64
	email := fmt.Sprintf("u%d@example.com", userSeq.Add(1))
	err := e.db.InTx(bg, func(tx *store.Tx) error {
		var err error
		id, err = tx.InsertID(bg, `INSERT INTO users (name, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			"User "+email, email, string(role), store.Now(), store.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// as returns a context acting as user id with role.
func as(id int64, role desk.Role) context.Context {
	return desk.WithPrincipal(bg, &desk.Principal{UserID: id, Role: role, Email: fmt.Sprintf("u%d@example.com", id), Via: "web"})
}

func sys() context.Context { return desk.SystemContext(bg) }

// codeAt is what an authenticator app shows at time at.
func codeAt(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode returns a 6-digit code that is valid for none of the steps
// around now.
func wrongCode(t testing.TB, secret string, now time.Time) string {
	t.Helper()
	bad := map[string]bool{}
	for i := -3; i <= 3; i++ {
		bad[codeAt(t, secret, now.Add(time.Duration(i)*twofactor.Period))] = true
	}
	for _, c := range []string{"000000", "123456", "999999", "314159"} {
		if !bad[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

// enrol turns 2FA on for user id and moves the clock on two steps, so the
// confirming code's step is outside the skew window.
func (e *env) enrol(t testing.TB, id int64, role desk.Role) (secret string, recovery []string) {
	t.Helper()
	ctx := as(id, role)
	en, err := e.svc.Begin(ctx, id, fmt.Sprintf("u%d@example.com", id))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	recovery, err = e.svc.Confirm(ctx, id, codeAt(t, en.Secret, e.clock.Now()))
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	e.clock.Advance(2 * twofactor.Period)
	return en.Secret, recovery
}

// wantCode fails unless err has the desk error code want ("" for nil).
func wantCode(t testing.TB, what string, err error, want string) {
	t.Helper()
	if got := desk.ErrorCode(err); got != want {
		t.Fatalf("%s: error code %q (%v), want %q", what, got, err, want)
	}
}
