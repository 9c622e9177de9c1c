package people_test

import (
	"context"
	"errors"
	"github.com/frontdesk/frontdesk/internal/account"
	"log/slog"
	"testing"

	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/twofactor"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

func ptr[T any](v T) *T { return &v }

var bg = context.Background()

func sysCtx() context.Context { return desk.SystemContext(bg) }

// as returns a context acting as u.
func as(u *desk.User) context.Context {
	var org int64
	if u.OrganizationID != nil {
		org = *u.OrganizationID
	}
	return desk.WithPrincipal(bg, &desk.Principal{UserID: u.ID, Role: u.Role, OrgID: org, Email: u.Email, Via: "web"})
}

func newSvc(db *store.DB) *people.Service { return wire(people.New(db, events.New())) }

// wire gives s what the server gives it: account ends users' sessions.
func wire(s *people.Service) *people.Service {
	s.EndSessionsTx = account.EndUserSessionsTx
	s.EraseAccountTx = account.EraseUserTx
	s.EraseTicketsTx = ticket.New(s.DB, events.New(), nil).EraseUserTx
	s.EraseTwoFactorTx = twofactor.EraseUserTx
	box, err := secrets.NewBox(make([]byte, secrets.KeySize)) // a test key
	if err != nil {
		panic(err)
	}
	s.EraseOutboxTx = outbox.New(s.DB, box).EraseTx
	s.EraseWebhooksTx = webhook.New(s.DB, box, settings.New(s.DB, events.New()), slog.New(slog.DiscardHandler)).EraseTx
	s.EraseRatingsTx = (&csat.Service{DB: s.DB}).EraseTx
	return s
}

func mkUser(t testing.TB, s *people.Service, name, email string, role desk.Role) *desk.User {
	t.Helper()
	in := people.UserInput{Name: &name, Role: &role}
	if email != "" {
		in.Email = &email
	}
	u, err := s.CreateUser(sysCtx(), in)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return u
}

func mkOrg(t testing.TB, s *people.Service, name string, domains ...string) *desk.Organization {
	t.Helper()
	o, err := s.CreateOrganization(sysCtx(), people.OrganizationInput{Name: &name, DomainNames: &domains})
	if err != nil {
		t.Fatalf("create org %s: %v", name, err)
	}
	return o
}

func code(err error) string { return desk.ErrorCode(err) }

// wantCode fails unless err carries the desk error code want ("" = nil).
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

// wantField fails unless err is EINVALID about field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var e *desk.Error
	if !errors.As(err, &e) || e.Code != desk.EINVALID || len(e.Details[field]) == 0 {
		t.Fatalf("want invalid %s, got %v (%+v)", field, err, e)
	}
}

func ids[T interface {
	*desk.User | *desk.Organization | *desk.Group
}](list []T) []int64 {
	out := []int64{}
	for _, v := range list {
		switch x := any(v).(type) {
		case *desk.User:
			out = append(out, x.ID)
		case *desk.Organization:
			out = append(out, x.ID)
		case *desk.Group:
			out = append(out, x.ID)
		}
	}
	return out
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
