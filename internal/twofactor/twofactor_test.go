package twofactor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/twofactor"
)

var recoveryRE = regexp.MustCompile(`^[a-z2-7]{5}-[a-z2-7]{5}$`)

func TestEnrolConfirmVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, role := range []desk.Role{desk.RoleEndUser, desk.RoleAgent, desk.RoleAdmin} {
			t.Run(string(role), func(t *testing.T) {
				id := e.mkUser(t, role)
				ctx := as(id, role)
				en, err := e.svc.Begin(ctx, id, "Jane <jane@example.com>")
				if err != nil {
					t.Fatal(err)
				}

				// The enrolment: base32 secret, otpauth URL carrying it, PNG QR.
				if len(en.Secret) != 32 || strings.Trim(en.Secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
					t.Fatalf("secret %q is not 160 bits of base32", en.Secret)
				}
				u, err := url.Parse(en.URL)
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				if u.Scheme != "otpauth" || u.Host != "totp" || q.Get("secret") != en.Secret || q.Get("issuer") != "Acme Help" ||
					q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" ||
					u.Path != "/Acme Help:Jane <jane@example.com>" {
					t.Fatalf("otpauth URL %q (path %q)", en.URL, u.Path)
				}
				img, err := png.Decode(bytes.NewReader(en.QRPNG))
				if err != nil {
					t.Fatalf("QR is not a PNG: %v", err)
				}
				if b := img.Bounds(); b.Dx() != 200 || b.Dy() != 200 {
					t.Fatalf("QR is %v, want 200x200", b)
				}
				dark := 0
				for y := 0; y < 200; y++ {
					for x := 0; x < 200; x++ {
						if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
							dark++
						}
					}
				}
				if dark < 200*200/10 || dark > 200*200*9/10 {
					t.Fatalf("QR has %d dark pixels of 40000: not a code", dark)
				}

				if on, err := e.svc.Enabled(ctx, id); err != nil || on {
					t.Fatalf("Enabled before Confirm = %v, %v", on, err)
				}
				// Pending secrets do not count for Verify.
				wantCode(t, "Verify while pending", e.svc.Verify(ctx, id, codeAt(t, en.Secret, e.clock.Now())), desk.EUNAUTHORIZED)

				confirmCode := codeAt(t, en.Secret, e.clock.Now())
				codes, err := e.svc.Confirm(ctx, id, confirmCode)
				if err != nil {
					t.Fatal(err)
				}
				if len(codes) != 10 {
					t.Fatalf("%d recovery codes, want 10", len(codes))
				}
				seen := map[string]bool{}
				for _, c := range codes {
					if !recoveryRE.MatchString(c) || seen[c] {
						t.Fatalf("bad or repeated recovery code %q", c)
					}
					seen[c] = true
				}
				if on, err := e.svc.Enabled(ctx, id); err != nil || !on {
					t.Fatalf("Enabled after Confirm = %v, %v", on, err)
				}
				if n, err := e.svc.RemainingRecoveryCodes(ctx, id); err != nil || n != 10 {
					t.Fatalf("RemainingRecoveryCodes = %d, %v", n, err)
				}
				// The confirming code is spent.
				wantCode(t, "Verify with the confirming code", e.svc.Verify(ctx, id, confirmCode), desk.EUNAUTHORIZED)

				e.clock.Advance(twofactor.Period)
				c := codeAt(t, en.Secret, e.clock.Now())
				wantCode(t, "Verify", e.svc.Verify(ctx, id, c[:3]+" "+c[3:]), "")
				// The sign-in flow verifies with a system context too.
				e.clock.Advance(twofactor.Period)
				wantCode(t, "Verify as system", e.svc.Verify(sys(), id, codeAt(t, en.Secret, e.clock.Now())), "")
			})
		}
	})
}

// step is one Verify call in a timing scenario.
type step struct {
	advance time.Duration // move the clock first
	offset  int           // submit the code of the step this many steps from now
	wrong   bool          // submit a wrong code instead
	want    string        // desk error code, "" for success
}

func TestVerifyTiming(t *testing.T) {
	const P = twofactor.Period
	tests := []struct {
		name  string
		steps []step
	}{
		{"current code", []step{{offset: 0}}},
		{"wrong code", []step{{wrong: true, want: desk.EUNAUTHORIZED}}},
		{"replay refused", []step{{offset: 0}, {offset: 0, want: desk.EUNAUTHORIZED}}},
		{"replay refused later in the same step", []step{{offset: 0}, {advance: 10 * time.Second, offset: 0, want: desk.EUNAUTHORIZED}}},
		{"replay refused in the next step (skew)", []step{{offset: 0}, {advance: P, offset: -1, want: desk.EUNAUTHORIZED}}},
		{"previous step accepted once", []step{{offset: -1}, {offset: -1, want: desk.EUNAUTHORIZED}}},
		{"previous step refused after a newer one", []step{{offset: 0}, {offset: -1, want: desk.EUNAUTHORIZED}}},
		{"previous, current, next in turn", []step{{offset: -1}, {offset: 0}, {offset: 1}, {offset: 1, want: desk.EUNAUTHORIZED}}},
		{"next step accepted (skew)", []step{{offset: 1}}},
		{"current refused after next was used", []step{{offset: 1}, {offset: 0, want: desk.EUNAUTHORIZED}}},
		{"two steps old refused", []step{{offset: -2, want: desk.EUNAUTHORIZED}}},
		{"two steps ahead refused", []step{{offset: 2, want: desk.EUNAUTHORIZED}}},
		{"a code expires", []step{{advance: 2 * P, offset: -2, want: desk.EUNAUTHORIZED}, {offset: 0}}},
		{"new step, new code", []step{{offset: 0}, {advance: P, offset: 0}, {advance: P, offset: 0}}},
		{"failure does not spend the step", []step{{wrong: true, want: desk.EUNAUTHORIZED}, {offset: 0}}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, db)
				id := e.mkUser(t, desk.RoleAgent)
				secret, _ := e.enrol(t, id, desk.RoleAgent)
				ctx := as(id, desk.RoleAgent)
				for i, s := range tt.steps {
					e.clock.Advance(s.advance)
					now := e.clock.Now()
					c := codeAt(t, secret, now.Add(time.Duration(s.offset)*P))
					if s.wrong {
						c = wrongCode(t, secret, now)
					}
					err := e.svc.Verify(ctx, id, c)
					wantCode(t, "step "+string(rune('1'+i)), err, s.want)
					if s.want == desk.EUNAUTHORIZED && desk.ErrorMessage(err) != "Invalid code" {
						t.Fatalf("message %q, want \"Invalid code\"", desk.ErrorMessage(err))
					}
				}
			})
		}
	})
}

func TestVerifyMalformedInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		id := e.mkUser(t, desk.RoleAgent)
		secret, _ := e.enrol(t, id, desk.RoleAgent)
		ctx := as(id, desk.RoleAgent)
		batches := [][]string{
			{"", " ", "12345", "1234567", "abcdef", "aaaaa-aaaaa", "aaaaa-aaaa", "１２３４５６" /* full-width */},
			{"+GOOD0", "0+GOOD", "+G\x00OOD", strings.Repeat("1", 100), strings.Repeat(" ", 70) + "+GOOD"},
		}
		for _, batch := range batches {
			good := codeAt(t, secret, e.clock.Now())
			for _, in := range batch {
				in = strings.ReplaceAll(in, "+GOOD", good)
				in = strings.ReplaceAll(in, "+G\x00OOD", good[:3]+"\x00"+good[3:])
				wantCode(t, fmt.Sprintf("Verify(%q)", in), e.svc.Verify(ctx, id, in), desk.EUNAUTHORIZED)
			}
			// Fewer than ten failures in a row: the good code still works
			// (spaces and tabs around it are fine) and resets the count.
			wantCode(t, "Verify(good)", e.svc.Verify(ctx, id, " "+good+"\t"), "")
			e.clock.Advance(twofactor.Period)
		}
	})
}

func TestSecretsAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		id := e.mkUser(t, desk.RoleAgent)
		ctx := as(id, desk.RoleAgent)
		en, err := e.svc.Begin(ctx, id, "agent@example.com")
		if err != nil {
			t.Fatal(err)
		}
		row := func() (secret, pending string) {
			t.Helper()
			if err := db.QueryRow(bg, `SELECT secret_sealed, pending_secret_sealed FROM user_totp WHERE user_id = ?`, id).
				Scan(&secret, &pending); err != nil {
				t.Fatal(err)
			}
			return
		}
		notPlain := func(what, v string) {
			t.Helper()
			if !strings.HasPrefix(v, "v1:") {
				t.Fatalf("%s %q is not sealed", what, v)
			}
			up := strings.ToUpper(v)
			if strings.Contains(up, en.Secret) || strings.Contains(up, en.Secret[:16]) || strings.Contains(up, en.Secret[16:]) {
				t.Fatalf("%s holds the secret in plaintext", what)
			}
		}
		sec, pend := row()
		if sec != "" {
			t.Fatalf("secret stored before Confirm: %q", sec)
		}
		notPlain("pending secret", pend)
		// Sealed for this user only.
		if got, err := e.box.Open(pend, "totp:user:"+itoa(id)); err != nil || string(got) != en.Secret {
			t.Fatalf("pending secret does not open for its own context: %v", err)
		}
		if _, err := e.box.Open(pend, "totp:user:"+itoa(id+1)); !errors.Is(err, secrets.ErrDecrypt) {
			t.Fatalf("pending secret opens for another user: %v", err)
		}

		codes, err := e.svc.Confirm(ctx, id, codeAt(t, en.Secret, e.clock.Now()))
		if err != nil {
			t.Fatal(err)
		}
		sec, pend = row()
		if pend != "" {
			t.Fatalf("pending secret kept after Confirm: %q", pend)
		}
		notPlain("secret", sec)

		// Recovery codes are stored only as hashes.
		rows, err := db.Query(bg, `SELECT code_hash FROM recovery_codes WHERE user_id = ?`, id)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			n++
			for _, c := range codes {
				if strings.Contains(h, c) || strings.Contains(h, strings.ReplaceAll(c, "-", "")) ||
					strings.Contains(h, c[:5]) || strings.Contains(h, c[6:]) {
					t.Fatalf("code hash %q reveals code %q", h, c)
				}
			}
		}
		if n != 10 {
			t.Fatalf("%d recovery code rows, want 10", n)
		}

		// A sealed secret moved into another user's row does not open.
		other := e.mkUser(t, desk.RoleAgent)
		if _, err := db.Exec(bg, `INSERT INTO user_totp (user_id, secret_sealed, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			other, sec, true, store.Now(), store.Now()); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(twofactor.Period)
		err = e.svc.Verify(as(other, desk.RoleAgent), other, codeAt(t, en.Secret, e.clock.Now()))
		if err == nil || desk.ErrorCode(err) != desk.EINTERNAL {
			t.Fatalf("moved secret: Verify = %v, want an internal error", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestBeginAndConfirmRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		id := e.mkUser(t, desk.RoleEndUser)
		ctx := as(id, desk.RoleEndUser)

		_, err := e.svc.Confirm(ctx, id, "123456")
		wantCode(t, "Confirm without Begin", err, desk.EINVALID)

		first, err := e.svc.Begin(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(first.URL, "user-") {
			t.Fatalf("empty account name not replaced: %s", first.URL)
		}
		second, err := e.svc.Begin(ctx, id, "me@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if first.Secret == second.Secret {
			t.Fatal("Begin reused the secret")
		}
		now := e.clock.Now()
		_, err = e.svc.Confirm(ctx, id, codeAt(t, first.Secret, now))
		wantCode(t, "Confirm with the replaced secret", err, desk.EINVALID)
		_, err = e.svc.Confirm(ctx, id, wrongCode(t, second.Secret, now))
		wantCode(t, "Confirm with a wrong code", err, desk.EINVALID)
		_, err = e.svc.Confirm(ctx, id, "not a code")
		wantCode(t, "Confirm with garbage", err, desk.EINVALID)
		_, err = e.svc.Confirm(ctx, id, codeAt(t, second.Secret, now.Add(-2*twofactor.Period)))
		wantCode(t, "Confirm with an old code", err, desk.EINVALID)
		if _, err := e.svc.Confirm(ctx, id, codeAt(t, second.Secret, now.Add(-twofactor.Period))); err != nil {
			t.Fatalf("Confirm with the previous step's code: %v", err)
		}

		_, err = e.svc.Begin(ctx, id, "me@example.com")
		wantCode(t, "Begin while enabled", err, desk.ECONFLICT)
		_, err = e.svc.Confirm(ctx, id, codeAt(t, second.Secret, e.clock.Now()))
		wantCode(t, "Confirm while enabled", err, desk.ECONFLICT)
		// Begin did not disturb the active secret.
		e.clock.Advance(twofactor.Period)
		wantCode(t, "Verify", e.svc.Verify(ctx, id, codeAt(t, second.Secret, e.clock.Now())), "")

		// Labels are cleaned and bounded, and the QR code still fits.
		other := e.mkUser(t, desk.RoleAgent)
		e.svc.Issuer = "Help: Desk\n"
		en, err := e.svc.Begin(as(other, desk.RoleAgent), other, strings.Repeat("ż", 300)+"\r\nx")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(en.URL)
		if u.Query().Get("issuer") != "Help  Desk" && u.Query().Get("issuer") != "Help Desk" {
			t.Fatalf("issuer %q", u.Query().Get("issuer"))
		}
		if len(u.Path) > 160 || strings.ContainsAny(u.Path, "\r\n") {
			t.Fatalf("label not bounded: %q", u.Path)
		}
		if _, err := png.Decode(bytes.NewReader(en.QRPNG)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRecoveryCodes(t *testing.T) {
	variants := []struct {
		name string
		form func(string) string
	}{
		{"as shown", func(c string) string { return c }},
		{"upper case", strings.ToUpper},
		{"without dash", func(c string) string { return strings.ReplaceAll(c, "-", "") }},
		{"with spaces", func(c string) string { return " " + c[:5] + " " + c[6:] + " " }},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		id := e.mkUser(t, desk.RoleAgent)
		ctx := as(id, desk.RoleAgent)
		_, codes := e.enrol(t, id, desk.RoleAgent)
		for i, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				c := codes[i]
				wantCode(t, "first use", e.svc.Verify(ctx, id, v.form(c)), "")
				wantCode(t, "second use", e.svc.Verify(ctx, id, c), desk.EUNAUTHORIZED)
				if n, err := e.svc.RemainingRecoveryCodes(ctx, id); err != nil || n != 10-i-1 {
					t.Fatalf("RemainingRecoveryCodes = %d, %v; want %d", n, err, 10-i-1)
				}
			})
		}

		t.Run("belong to one user", func(t *testing.T) {
			other := e.mkUser(t, desk.RoleAgent)
			e.enrol(t, other, desk.RoleAgent)
			wantCode(t, "another user's code", e.svc.Verify(as(other, desk.RoleAgent), other, codes[9]), desk.EUNAUTHORIZED)
			wantCode(t, "own code", e.svc.Verify(ctx, id, codes[9]), "")
		})

		t.Run("regenerate", func(t *testing.T) {
			fresh, err := e.svc.RegenerateRecoveryCodes(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(fresh) != 10 {
				t.Fatalf("%d codes", len(fresh))
			}
			if n, _ := e.svc.RemainingRecoveryCodes(ctx, id); n != 10 {
				t.Fatalf("RemainingRecoveryCodes = %d after regenerating", n)
			}
			wantCode(t, "old unused code", e.svc.Verify(ctx, id, codes[8]), desk.EUNAUTHORIZED)
			wantCode(t, "new code", e.svc.Verify(ctx, id, fresh[0]), "")

			plain := e.mkUser(t, desk.RoleAgent)
			_, err = e.svc.RegenerateRecoveryCodes(as(plain, desk.RoleAgent), plain)
			wantCode(t, "regenerate without 2FA", err, desk.ECONFLICT)
		})
	})
}

func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		id := e.mkUser(t, desk.RoleAgent)
		ctx := as(id, desk.RoleAgent)
		secret, codes := e.enrol(t, id, desk.RoleAgent)
		fail := func(n int) {
			t.Helper()
			for i := 0; i < n; i++ {
				wantCode(t, "wrong code", e.svc.Verify(ctx, id, wrongCode(t, secret, e.clock.Now())), desk.EUNAUTHORIZED)
			}
		}
		good := func() string {
			e.clock.Advance(twofactor.Period)
			return codeAt(t, secret, e.clock.Now())
		}

		// Failures must be in a row: a success starts the count again.
		fail(9)
		wantCode(t, "right code after 9 failures", e.svc.Verify(ctx, id, good()), "")
		fail(9)
		wantCode(t, "recovery code after 9 failures", e.svc.Verify(ctx, id, codes[0]), "")
		fail(9)
		// The 10th failure locks.
		fail(1)
		err := e.svc.Verify(ctx, id, good())
		wantCode(t, "right code while locked", err, desk.ETOOMANY)
		if !strings.Contains(desk.ErrorMessage(err), "15 minutes") {
			t.Fatalf("lock message %q", desk.ErrorMessage(err))
		}
		wantCode(t, "recovery code while locked", e.svc.Verify(ctx, id, codes[1]), desk.ETOOMANY)
		e.clock.Advance(twofactor.LockDuration - twofactor.Period - time.Second)
		wantCode(t, "just before the lock ends", e.svc.Verify(ctx, id, codeAt(t, secret, e.clock.Now())), desk.ETOOMANY)
		// Refused attempts while locked did not spend the codes.
		e.clock.Advance(2 * time.Second)
		wantCode(t, "after the lock", e.svc.Verify(ctx, id, codeAt(t, secret, e.clock.Now())), "")
		if n, _ := e.svc.RemainingRecoveryCodes(ctx, id); n != 9 {
			t.Fatalf("RemainingRecoveryCodes = %d, want 9", n)
		}

		// Another run of ten locks again; a failure after the lock expires
		// without a success in between does not re-lock at once.
		fail(10)
		e.clock.Advance(twofactor.LockDuration)
		fail(1)
		wantCode(t, "one failure after the lock", e.svc.Verify(ctx, id, good()), "")

		// Locks are per user.
		other := e.mkUser(t, desk.RoleAgent)
		otherSecret, _ := e.enrol(t, other, desk.RoleAgent)
		fail(10)
		wantCode(t, "other user while this one is locked",
			e.svc.Verify(as(other, desk.RoleAgent), other, codeAt(t, otherSecret, e.clock.Now())), "")
	})
}

func TestDisable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		count := func(id int64) (totp, codes int) {
			t.Helper()
			db.QueryRow(bg, `SELECT COUNT(*) FROM user_totp WHERE user_id = ?`, id).Scan(&totp)
			db.QueryRow(bg, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, id).Scan(&codes)
			return
		}
		admin := e.mkUser(t, desk.RoleAdmin)
		tests := []struct {
			name  string
			role  desk.Role
			actor func(self int64) (int64, desk.Role) // who disables
			want  string
		}{
			{"self (end-user)", desk.RoleEndUser, func(self int64) (int64, desk.Role) { return self, desk.RoleEndUser }, ""},
			{"self (agent)", desk.RoleAgent, func(self int64) (int64, desk.Role) { return self, desk.RoleAgent }, ""},
			{"admin for an agent", desk.RoleAgent, func(int64) (int64, desk.Role) { return admin, desk.RoleAdmin }, ""},
			{"admin for an end-user", desk.RoleEndUser, func(int64) (int64, desk.Role) { return admin, desk.RoleAdmin }, ""},
			{"agent for another agent", desk.RoleAgent, func(int64) (int64, desk.Role) { return e.mkUser(t, desk.RoleAgent), desk.RoleAgent }, desk.EFORBIDDEN},
			{"end-user for another", desk.RoleEndUser, func(int64) (int64, desk.Role) { return e.mkUser(t, desk.RoleEndUser), desk.RoleEndUser }, desk.EFORBIDDEN},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := e.mkUser(t, tt.role)
				secret, codes := e.enrol(t, id, tt.role)
				actor, role := tt.actor(id)
				err := e.svc.Disable(as(actor, role), id)
				wantCode(t, "Disable", err, tt.want)
				on, _ := e.svc.Enabled(as(id, tt.role), id)
				if on != (tt.want != "") {
					t.Fatalf("Enabled = %v after Disable (%v)", on, err)
				}
				if tt.want != "" {
					return
				}
				if nt, nc := count(id); nt != 0 || nc != 0 {
					t.Fatalf("after Disable: %d user_totp rows, %d recovery codes", nt, nc)
				}
				ctx := as(id, tt.role)
				wantCode(t, "TOTP after Disable", e.svc.Verify(ctx, id, codeAt(t, secret, e.clock.Now())), desk.EUNAUTHORIZED)
				wantCode(t, "recovery code after Disable", e.svc.Verify(ctx, id, codes[0]), desk.EUNAUTHORIZED)
				wantCode(t, "Disable again", e.svc.Disable(ctx, id), "")
				// Enrolling again works, with a new secret.
				secret2, _ := e.enrol(t, id, tt.role)
				if secret2 == secret {
					t.Fatal("re-enrolment reused the secret")
				}
			})
		}

		t.Run("another admin cannot disable the owner's", func(t *testing.T) {
			owner := e.mkUser(t, desk.RoleAdmin)
			e.enrol(t, owner, desk.RoleAdmin)
			if _, err := db.Exec(bg, `INSERT INTO settings (key, value) VALUES ('account.owner_id', ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(owner, 10)); err != nil {
				t.Fatal(err)
			}
			wantCode(t, "Disable by another admin", e.svc.Disable(as(admin, desk.RoleAdmin), owner), desk.EFORBIDDEN)
			if on, _ := e.svc.Enabled(as(owner, desk.RoleAdmin), owner); !on {
				t.Fatal("owner's 2FA was turned off")
			}
			wantCode(t, "Disable by the owner", e.svc.Disable(as(owner, desk.RoleAdmin), owner), "")
		})

		t.Run("disable clears a pending enrolment", func(t *testing.T) {
			id := e.mkUser(t, desk.RoleAgent)
			ctx := as(id, desk.RoleAgent)
			en, err := e.svc.Begin(ctx, id, "x")
			if err != nil {
				t.Fatal(err)
			}
			wantCode(t, "Disable", e.svc.Disable(ctx, id), "")
			_, err = e.svc.Confirm(ctx, id, codeAt(t, en.Secret, e.clock.Now()))
			wantCode(t, "Confirm after Disable", err, desk.EINVALID)
		})

		t.Run("deleting the user deletes everything", func(t *testing.T) {
			id := e.mkUser(t, desk.RoleAgent)
			e.enrol(t, id, desk.RoleAgent)
			if _, err := db.Exec(bg, `DELETE FROM users WHERE id = ?`, id); err != nil {
				t.Fatal(err)
			}
			if nt, nc := count(id); nt != 0 || nc != 0 {
				t.Fatalf("after deleting the user: %d user_totp rows, %d recovery codes", nt, nc)
			}
		})
	})
}

func TestAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		target := e.mkUser(t, desk.RoleAgent)
		e.enrol(t, target, desk.RoleAgent)
		admin := e.mkUser(t, desk.RoleAdmin)
		agent := e.mkUser(t, desk.RoleAgent)
		endUser := e.mkUser(t, desk.RoleEndUser)

		type actor struct {
			name string
			ctx  desk.Principal
			anon bool
		}
		who := []actor{
			{name: "anonymous", anon: true},
			{name: "end-user", ctx: desk.Principal{UserID: endUser, Role: desk.RoleEndUser}},
			{name: "other agent", ctx: desk.Principal{UserID: agent, Role: desk.RoleAgent}},
			{name: "admin", ctx: desk.Principal{UserID: admin, Role: desk.RoleAdmin}},
			{name: "system", ctx: desk.Principal{System: true, Role: desk.RoleAdmin}},
		}
		// want lists the expected code for each actor in the order above.
		calls := []struct {
			name string
			call func(ctx context.Context) error
			want []string
		}{
			{"Begin", func(ctx context.Context) error { _, err := e.svc.Begin(ctx, target, "x"); return err },
				[]string{desk.EUNAUTHORIZED, desk.EFORBIDDEN, desk.EFORBIDDEN, desk.EFORBIDDEN, desk.EFORBIDDEN}},
			{"Confirm", func(ctx context.Context) error { _, err := e.svc.Confirm(ctx, target, "123456"); return err },
				[]string{desk.EUNAUTHORIZED, desk.EFORBIDDEN, desk.EFORBIDDEN, desk.EFORBIDDEN, desk.EFORBIDDEN}},
			{"Verify", func(ctx context.Context) error { return e.svc.Verify(ctx, target, "123456x") },
				[]string{desk.EUNAUTHORIZED, desk.EFORBIDDEN, desk.EFORBIDDEN, desk.EFORBIDDEN, desk.EUNAUTHORIZED /* wrong code */}},
			{"Enabled", func(ctx context.Context) error { _, err := e.svc.Enabled(ctx, target); return err },
				[]string{desk.EUNAUTHORIZED, desk.EFORBIDDEN, desk.EFORBIDDEN, "", ""}},
			{"RemainingRecoveryCodes", func(ctx context.Context) error { _, err := e.svc.RemainingRecoveryCodes(ctx, target); return err },
				[]string{desk.EUNAUTHORIZED, desk.EFORBIDDEN, desk.EFORBIDDEN, "", ""}},
			{"RegenerateRecoveryCodes", func(ctx context.Context) error { _, err := e.svc.RegenerateRecoveryCodes(ctx, target); return err },
				[]string{desk.EUNAUTHORIZED, desk.EFORBIDDEN, desk.EFORBIDDEN, desk.EFORBIDDEN, desk.EFORBIDDEN}},
			{"Disable", func(ctx context.Context) error { return e.svc.Disable(ctx, 0) }, // user 0: nobody, so nothing changes
				[]string{desk.EUNAUTHORIZED, desk.EFORBIDDEN, desk.EFORBIDDEN, "", ""}},
			{"RequiredFor", func(ctx context.Context) error { _, err := e.svc.RequiredFor(ctx, desk.RoleAgent); return err },
				[]string{desk.EUNAUTHORIZED, "", "", "", ""}},
			{"SetRequired", func(ctx context.Context) error { return e.svc.SetRequired(ctx, false) },
				[]string{desk.EUNAUTHORIZED, desk.EFORBIDDEN, desk.EFORBIDDEN, "", ""}},
		}
		for _, c := range calls {
			for i, w := range who {
				t.Run(c.name+"/"+w.name, func(t *testing.T) {
					ctx := bg
					if !w.anon {
						p := w.ctx
						ctx = desk.WithPrincipal(bg, &p)
					}
					wantCode(t, c.name, c.call(ctx), c.want[i])
				})
			}
		}
		// Nothing above changed the target's 2FA.
		if on, _ := e.svc.Enabled(sys(), target); !on {
			t.Fatal("target lost 2FA")
		}
		if n, _ := e.svc.RemainingRecoveryCodes(sys(), target); n != 10 {
			t.Fatalf("target has %d recovery codes", n)
		}
	})
}

func TestPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := as(e.mkUser(t, desk.RoleAdmin), desk.RoleAdmin)
		agent := as(e.mkUser(t, desk.RoleAgent), desk.RoleAgent)
		endUser := as(e.mkUser(t, desk.RoleEndUser), desk.RoleEndUser)
		setting := func() string {
			var v string
			db.QueryRow(bg, `SELECT value FROM settings WHERE key = ?`, "security.require_2fa_staff").Scan(&v)
			return v
		}
		check := func(want map[desk.Role]bool) {
			t.Helper()
			for role, w := range want {
				// Anyone may read the policy (the sign-in flow does, for every role).
				for _, ctx := range []context.Context{endUser, agent, admin} {
					got, err := e.svc.RequiredFor(ctx, role)
					if err != nil || got != w {
						t.Fatalf("RequiredFor(%s) = %v, %v; want %v", role, got, err, w)
					}
				}
			}
		}
		none := map[desk.Role]bool{desk.RoleEndUser: false, desk.RoleAgent: false, desk.RoleAdmin: false, "bogus": false}
		staff := map[desk.Role]bool{desk.RoleEndUser: false, desk.RoleAgent: true, desk.RoleAdmin: true, "bogus": false}

		check(none)
		wantCode(t, "agent SetRequired", e.svc.SetRequired(agent, true), desk.EFORBIDDEN)
		wantCode(t, "end-user SetRequired", e.svc.SetRequired(endUser, true), desk.EFORBIDDEN)
		check(none)
		wantCode(t, "admin SetRequired(true)", e.svc.SetRequired(admin, true), "")
		if v := setting(); v != "true" {
			t.Fatalf("setting = %q", v)
		}
		check(staff)
		wantCode(t, "admin SetRequired(true) again", e.svc.SetRequired(admin, true), "")
		check(staff)
		wantCode(t, "system SetRequired(false)", e.svc.SetRequired(sys(), false), "")
		if v := setting(); v != "false" {
			t.Fatalf("setting = %q", v)
		}
		check(none)
	})
}

// Two requests racing with the same code: exactly one may win.
func TestConcurrentVerifySameCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, recovery := range []bool{false, true} {
			id := e.mkUser(t, desk.RoleAgent)
			secret, codes := e.enrol(t, id, desk.RoleAgent)
			ctx := as(id, desk.RoleAgent)
			c := codeAt(t, secret, e.clock.Now())
			if recovery {
				c = codes[0]
			}
			const n = 9 // eight failures stay below the lock
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() { errs[i] = e.svc.Verify(ctx, id, c) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch desk.ErrorCode(err) {
				case "":
					ok++
				case desk.EUNAUTHORIZED:
				default:
					t.Fatal(err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d of %d concurrent uses of %q succeeded, want 1", ok, n, c)
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	stores := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite}
	if storetest.PostgresURL() != "" {
		stores["postgres"] = storetest.Postgres
	}
	for name, open := range stores {
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, open(b))
			id := e.mkUser(b, desk.RoleAgent)
			secret, _ := e.enrol(b, id, desk.RoleAgent)
			ctx := as(id, desk.RoleAgent)
			for b.Loop() {
				e.clock.Advance(twofactor.Period) // each code works once
				if err := e.svc.Verify(ctx, id, codeAt(b, secret, e.clock.Now())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
