package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestChangeOwnPassword: PUT /users/{id}/password is account.ChangePassword
// (issue 8 item 6): the current password is required, the policy applies,
// the new password signs in and the user's web sessions end.
func TestChangeOwnPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		const oldPW, newPW = "an old Monday 1970 harbour", "a brand new Tuesday 1984 lighthouse"
		if _, err := a.srv.People.UpdateUser(sys, a.Agent.ID, people.UserInput{Password: ptrTo(oldPW)}); err != nil {
			t.Fatal(err)
		}
		session, _, err := a.srv.Account.SignIn(context.Background(), a.Agent.Email, oldPW, "192.0.2.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		target := "/api/v2/users/" + itoa(a.Agent.ID) + "/password"
		for _, c := range []struct {
			name   string
			body   any
			status int
		}{
			{"wrong previous", map[string]any{"previous_password": "wrong", "password": newPW}, http.StatusUnprocessableEntity},
			{"no previous", map[string]any{"password": newPW}, http.StatusUnprocessableEntity},
			{"weak new", map[string]any{"previous_password": oldPW, "password": "short"}, http.StatusUnprocessableEntity},
			{"not JSON", "nope", http.StatusBadRequest},
		} {
			if st, body := a.do(t, a.Agent, "PUT", target, c.body); st != c.status {
				t.Errorf("%s: %d %v", c.name, st, body)
			}
		}
		if _, _, err := a.srv.Account.Authenticate(context.Background(), session, ""); err != nil {
			t.Fatalf("a refused change ended the session: %v", err)
		}
		if st, body := a.do(t, a.Agent, "PUT", target, map[string]any{"previous_password": oldPW, "password": newPW}); st != http.StatusOK {
			t.Fatalf("change: %d %v", st, body)
		}
		if _, err := a.srv.People.CheckPassword(context.Background(), a.Agent.Email, newPW); err != nil {
			t.Fatalf("the new password does not sign in: %v", err)
		}
		if _, err := a.srv.People.CheckPassword(context.Background(), a.Agent.Email, oldPW); err == nil {
			t.Fatal("the old password still signs in")
		}
		if _, _, err := a.srv.Account.Authenticate(context.Background(), session, ""); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("the web session survived the password change: %v", err)
		}
	})
}
