package people_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/password"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// pwCodes returns the password rule codes of err, failing unless it is an
// invalid password.
func pwCodes(t *testing.T, err error) []string {
	t.Helper()
	var de *desk.Error
	if !errors.As(err, &de) || de.Code != desk.EINVALID || len(de.Details["password"]) == 0 {
		t.Fatalf("want invalid password, got %v", err)
	}
	var out []string
	for _, fe := range de.Details["password"] {
		out = append(out, fe.Error)
	}
	return out
}

func TestPasswordPolicyOnUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		if err := s.Passwords.SetPolicy(sysCtx(), password.AudienceStaff, password.Policy{Level: "custom", MinLength: 16,
			RequireDigit: true}); err != nil {
			t.Fatal(err)
		}
		create := []struct {
			name string
			in   people.UserInput
			want []string // nil: accepted
		}{
			{"end-user, breached", people.UserInput{Name: ptr("Ann"), Password: ptr("qwertyuiop123")}, []string{password.CodeBreached}},
			{"end-user, name", people.UserInput{Name: ptr("Annabelle Lee"), Password: ptr("annabelle rocks!")},
				[]string{password.CodeContainsPersonalInfo}},
			{"end-user, email", people.UserInput{Name: ptr("A"), Email: ptr("bigbird@example.com"), Password: ptr("BigBird of Sesame")},
				[]string{password.CodeContainsPersonalInfo}},
			{"end-user, 11 characters", people.UserInput{Name: ptr("A"), Password: ptr("eleven char")}, []string{password.CodeTooShort}},
			{"end-user, fine", people.UserInput{Name: ptr("A"), Password: ptr("a long enough passphrase")}, nil},
			{"agent, staff policy", people.UserInput{Name: ptr("A"), Role: ptr(desk.RoleAgent), Password: ptr("a long enough passphrase")},
				[]string{password.CodeMissingClass}},
			{"agent, fine", people.UserInput{Name: ptr("A"), Role: ptr(desk.RoleAgent), Password: ptr("4 long enough passphrase")}, nil},
		}
		for _, tt := range create {
			t.Run("create "+tt.name, func(t *testing.T) {
				// The system context is what `frontdesk user create` uses.
				u, err := s.CreateUser(sysCtx(), tt.in)
				if tt.want != nil {
					if got := pwCodes(t, err); !slices.Equal(got, tt.want) {
						t.Fatalf("codes %v, want %v", got, tt.want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var hist int
				var changed int64
				db.QueryRow(bg, `SELECT COUNT(*) FROM password_history WHERE user_id = ?`, u.ID).Scan(&hist)
				db.QueryRow(bg, `SELECT password_changed_at FROM users WHERE id = ?`, u.ID).Scan(&changed)
				if hist != 1 || changed == 0 {
					t.Fatalf("history %d, changed at %d", hist, changed)
				}
			})
		}

		end := mkUser(t, s, "Pat", "pat@example.com", desk.RoleEndUser)
		update := []struct {
			name string
			in   people.UserInput
			want []string
		}{
			{"breached", people.UserInput{Password: ptr("1q2w3e4r5t6y")}, []string{password.CodeBreached}},
			{"new email's local part", people.UserInput{Email: ptr("zebrafish@example.com"), Password: ptr("zebrafish swim fast")},
				[]string{password.CodeContainsPersonalInfo}},
			{"promotion: the new role's policy", people.UserInput{Role: ptr(desk.RoleAgent), Password: ptr("a long enough passphrase")},
				[]string{password.CodeMissingClass}},
			{"fine", people.UserInput{Password: ptr("a long enough passphrase")}, nil},
		}
		for _, tt := range update {
			t.Run("update "+tt.name, func(t *testing.T) {
				_, err := s.UpdateUser(as(admin), end.ID, tt.in)
				if tt.want != nil {
					if got := pwCodes(t, err); !slices.Equal(got, tt.want) {
						t.Fatalf("codes %v, want %v", got, tt.want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.CheckPassword(bg, "pat@example.com", *tt.in.Password); err != nil {
					t.Fatal(err)
				}
				var hist int
				db.QueryRow(bg, `SELECT COUNT(*) FROM password_history WHERE user_id = ?`, end.ID).Scan(&hist)
				if hist != 1 {
					t.Fatalf("history %d", hist)
				}
			})
		}
		// Refused updates changed nothing else either.
		if u, _ := s.GetUser(sysCtx(), end.ID); u.Role != desk.RoleEndUser || u.Email != "pat@example.com" {
			t.Fatalf("a refused update changed %+v", u)
		}
		// Unknown users are still NotFound, not a password error.
		_, err := s.UpdateUser(as(admin), 999999, people.UserInput{Password: ptr("x")})
		wantCode(t, err, desk.ENOTFOUND)
	})
}
