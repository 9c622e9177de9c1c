package ticket_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Audits and their comments carry Zendesk's metadata: the client and IP
// address the adapter put in the context, stored with the audit. Staff see
// it; an end-user sees an empty system object (no one's IP address). A
// change without a client (mail, jobs) has empty metadata.
func TestCommentMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		withClient := func(ctx context.Context, ip, ua string) context.Context { return audit.WithClient(ctx, ip, ua) }
		tk := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Help"), Comment: &ticket.CommentInput{Body: "Please"}})
		_, au, err := f.svc.Update(withClient(as(f.agent), "203.0.113.7", "zenpy/2.0.57"), tk.ID,
			ticket.Input{Comment: &ticket.CommentInput{Body: "On it"}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"system": map[string]any{"client": "zenpy/2.0.57", "ip_address": "203.0.113.7",
			"location": nil, "latitude": nil, "longitude": nil}, "custom": map[string]any{}}
		if !reflect.DeepEqual(au.Metadata, want) {
			t.Errorf("returned audit metadata %v", au.Metadata)
		}
		audits, _, err := f.svc.Audits(as(f.admin), tk.ID, 0, 10)
		if err != nil || len(audits) != 2 {
			t.Fatalf("audits %v %v", audits, err)
		}
		if !reflect.DeepEqual(audits[1].Metadata, want) {
			t.Errorf("stored audit metadata %v", audits[1].Metadata)
		}
		empty := map[string]any{"system": map[string]any{}, "custom": map[string]any{}}
		if !reflect.DeepEqual(audits[0].Metadata, empty) {
			t.Errorf("audit without a client: %v", audits[0].Metadata)
		}

		cs, _, err := f.svc.Comments(as(f.outsider), tk.ID, 0, 10, false)
		if err != nil || len(cs) != 2 {
			t.Fatalf("comments %v %v", cs, err)
		}
		if !reflect.DeepEqual(cs[1].Metadata, want) || !reflect.DeepEqual(cs[0].Metadata, empty) {
			t.Errorf("comment metadata for staff: %v / %v", cs[0].Metadata, cs[1].Metadata)
		}
		// The requester sees no client or address, not even the agent's.
		cs, _, err = f.svc.Comments(as(f.alice), tk.ID, 0, 10, false)
		if err != nil || len(cs) != 2 {
			t.Fatalf("requester's comments %v %v", cs, err)
		}
		for _, c := range cs {
			if !reflect.DeepEqual(c.Metadata, empty) {
				t.Errorf("requester sees metadata %v", c.Metadata)
			}
		}
		rcs, _, err := f.svc.RequestComments(as(f.alice), tk.ID, 0, 10, false)
		if err != nil || len(rcs) != 2 || !reflect.DeepEqual(rcs[1].Metadata, empty) {
			t.Errorf("request comments %v %v", rcs, err)
		}
	})
}
