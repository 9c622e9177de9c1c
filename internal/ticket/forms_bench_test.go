package ticket_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// BenchmarkPortalRequestWithForm measures an end-user's request on a form
// with a condition (the portal's hot path: the form's rules, then create),
// and BenchmarkPortalForms what the new-request page loads.
func BenchmarkPortalRequestWithForm(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchPortalRequest(b, storetest.SQLite(b)) })
	if storetest.PostgresURL() != "" {
		b.Run("postgres", func(b *testing.B) { benchPortalRequest(b, storetest.Postgres(b)) })
	}
}

func BenchmarkPortalForms(b *testing.B) {
	db := storetest.SQLite(b)
	svc, _, _ := formBenchSetup(b, db)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := svc.PortalForms(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// formBenchSetup makes a dropdown and a text field, a form whose condition
// shows and requires the text field for one option, and an end-user.
func formBenchSetup(b *testing.B, db *store.DB) (*ticket.Service, context.Context, [3]int64) {
	b.Helper()
	bus := events.New()
	svc := ticket.New(db, bus, nil)
	ppl := people.New(db, bus)
	sys := desk.SystemContext(context.Background())
	yes := true
	product, err := svc.SaveField(sys, 0, ticket.FieldInput{Type: fbPtr("tagger"), Title: fbPtr("Product"), VisibleInPortal: &yes, EditableInPortal: &yes,
		CustomFieldOptions: &[]desk.FieldOption{{Name: "Printer", Value: "printer"}, {Name: "Scanner", Value: "scanner"}}})
	if err != nil {
		b.Fatal(err)
	}
	serial, err := svc.SaveField(sys, 0, ticket.FieldInput{Type: fbPtr("text"), Title: fbPtr("Serial"), VisibleInPortal: &yes, EditableInPortal: &yes})
	if err != nil {
		b.Fatal(err)
	}
	ids := []int64{product.ID, serial.ID}
	form, err := svc.SaveForm(sys, 0, ticket.FormInput{Name: fbPtr("Hardware"), TicketFieldIDs: &ids,
		EndUserConditions: &[]desk.FormCondition{{ParentFieldID: product.ID, Value: "printer", ChildFields: []desk.ChildField{{ID: serial.ID, IsRequired: true}}}}})
	if err != nil {
		b.Fatal(err)
	}
	name, email, role := "Customer", "customer@bench.test", desk.RoleEndUser
	u, err := ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
	if err != nil {
		b.Fatal(err)
	}
	ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: desk.RoleEndUser, Email: email, Via: "web"})
	return svc, ctx, [3]int64{form.ID, product.ID, serial.ID}
}

func benchPortalRequest(b *testing.B, db *store.DB) {
	svc, ctx, ids := formBenchSetup(b, db)
	subj := "Printer jam"
	b.ResetTimer()
	for range b.N {
		_, _, err := svc.Create(ctx, ticket.Input{Subject: &subj, Comment: &ticket.CommentInput{Body: "It jams."},
			TicketFormID: desk.SetID(ids[0]), CustomFields: []desk.CustomFieldValue{{ID: ids[1], Value: "printer"}, {ID: ids[2], Value: "SN-1"}}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func fbPtr[T any](v T) *T { return &v }
