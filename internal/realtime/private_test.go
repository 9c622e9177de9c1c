package realtime_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/realtime"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func ptr[T any](v T) *T { return &v }

// nextTicket returns the next "ticket" message of c.
func nextTicket(t *testing.T, c *realtime.Client) realtime.TicketChange {
	t.Helper()
	for {
		select {
		case m := <-c.C():
			if m.Event != "ticket" {
				continue
			}
			var tc realtime.TicketChange
			if err := json.Unmarshal(m.Data, &tc); err != nil {
				t.Fatal(err)
			}
			return tc
		case <-time.After(10 * time.Second):
			t.Fatal("no ticket message")
		}
	}
}

// TestStreamHidesPrivateGroupTickets (issue 7, item 11): an agent outside
// a private group hears nothing about its tickets — not their updates, and
// not their deletion either, whether the event comes from this process
// (with its group) or from another instance (ids only, group unset). The
// hub checks with the real ticket service every time.
func TestStreamHidesPrivateGroupTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		blobs, err := attach.New(t.TempDir(), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		bus := events.New()
		tickets := ticket.New(db, bus, blobs)
		ppl := people.New(db, bus)
		sys := desk.SystemContext(context.Background())
		mk := func(name, email string, role desk.Role) *desk.Principal {
			u, err := ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
			if err != nil {
				t.Fatal(err)
			}
			return &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "web"}
		}
		owner := mk("Owner", "owner@rt.test", desk.RoleAdmin) // the first admin owns the account
		member := mk("Member", "member@rt.test", desk.RoleAgent)
		outsider := mk("Outsider", "outsider@rt.test", desk.RoleAgent)
		g, err := ppl.CreateGroup(sys, people.GroupInput{Name: ptr("VIP"), IsPublic: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ppl.AddMembership(sys, member.UserID, g.ID, false); err != nil {
			t.Fatal(err)
		}
		as := func(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }
		secret, _, err := tickets.Create(as(member), ticket.Input{Subject: ptr("secret"), GroupID: desk.SetID(g.ID),
			Comment: &ticket.CommentInput{Body: "vip"}, Requester: &ticket.RequesterInput{Email: "vip@rt.test"}})
		if err != nil {
			t.Fatal(err)
		}
		hub := realtime.New(bus, tickets, realtime.Options{})
		defer hub.Close()
		out := hub.Subscribe(outsider, "Outsider", 0)
		defer out.Close()
		in := hub.Subscribe(member, "Member", 0)
		defer in.Close()

		// A marker is a new public ticket, created after the private
		// change: the outsider hears of it, and of nothing about the
		// private ticket before it (the hub delivers in order).
		var markerID int64
		marker := func() {
			t.Helper()
			m, _, err := tickets.Create(as(owner), ticket.Input{Subject: ptr("marker"),
				Comment: &ticket.CommentInput{Body: "m"}, Requester: &ticket.RequesterInput{Email: "c@rt.test"}})
			if err != nil {
				t.Fatal(err)
			}
			markerID = m.ID
		}
		expectMarker := func(what string) {
			t.Helper()
			for {
				tc := nextTicket(t, out)
				if tc.TicketID == secret.ID {
					t.Fatalf("outsider was told about %s: %+v", what, tc)
				}
				if tc.TicketID == markerID {
					break
				}
			}
			for tc := nextTicket(t, in); tc.TicketID != markerID; tc = nextTicket(t, in) {
			}
		}
		if _, _, err := tickets.Update(as(member), secret.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "more", Public: ptr(false)}}); err != nil {
			t.Fatal(err)
		}
		if tc := nextTicket(t, in); tc.TicketID != secret.ID {
			t.Fatalf("member missed the update: %+v", tc)
		}
		marker()
		expectMarker("an update of a private group's ticket")

		if err := tickets.Delete(as(owner), secret.ID); err != nil {
			t.Fatal(err)
		}
		if tc := nextTicket(t, in); tc.TicketID != secret.ID || tc.Type != events.TicketDeleted {
			t.Fatalf("member missed the deletion: %+v", tc)
		}
		marker()
		expectMarker("the deletion of a private group's ticket")

		// The same deletion as another instance relays it: ids only.
		bus.Publish(events.Event{Type: events.TicketDeleted, TicketID: secret.ID, Origin: "other-instance"})
		marker()
		expectMarker("a relayed deletion of a private group's ticket")
	})
}
