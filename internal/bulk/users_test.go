package bulk_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// A queued users job is durable: a fresh service and runner (as after a
// restart) run it with every field of the input intact, as the principal
// that queued it. Passwords are refused before anything is stored.
func TestUsersJobSurvivesRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sys := desk.SystemContext(ctx)
		ppl := people.New(db, nil)
		email, name, role := "admin@bulk.test", "Admin", desk.RoleAdmin
		adm, err := ppl.CreateUser(sys, people.UserInput{Email: &email, Name: &name, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		as := desk.WithPrincipal(ctx, &desk.Principal{UserID: adm.ID, Role: desk.RoleAdmin})
		first := &bulk.Service{DB: db, People: ppl}

		pw := "correct horse battery staple 42"
		e1, n1 := "pw@bulk.test", "Pw"
		if _, err := first.CreateUsers(as, []people.UserInput{{Email: &e1, Name: &n1, Password: &pw}}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("password in bulk: %v", err)
		}
		var queued int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs`).Scan(&queued)
		if queued != 0 {
			t.Fatalf("%d jobs stored for a refused request", queued)
		}

		e2, n2, ext, notes, tags := "kept@bulk.test", "Kept", "ext-kept", "from the job", []string{"vip"}
		st, err := first.CreateUsers(as, []people.UserInput{{Email: &e2, Name: &n2, ExternalID: &ext, Notes: &notes, Tags: &tags}})
		if err != nil || st.Status != "queued" || st.JobType != bulk.JobCreateUsers {
			t.Fatalf("%+v %v", st, err)
		}

		second := &bulk.Service{DB: db, People: ppl}
		runner := jobs.NewRunner(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		second.Register(runner)
		for {
			found, err := runner.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !found {
				break
			}
		}
		got, err := second.Get(as, st.ID)
		if err != nil || got.Status != "completed" || len(got.Results) != 1 || got.Results[0]["success"] != true || got.JobType != bulk.JobCreateUsers {
			t.Fatalf("%+v %v", got, err)
		}
		id := int64(got.Results[0]["id"].(float64))
		u, err := ppl.GetUser(sys, id)
		if err != nil || u.Email != e2 || u.ExternalID == nil || *u.ExternalID != ext || u.Notes != notes || len(u.Tags) != 1 {
			t.Fatalf("created user %+v %v", u, err)
		}
	})
}
