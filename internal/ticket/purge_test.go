package ticket_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestPurgeUnboundUploads: uploads never attached to a ticket go after
// UploadTTL, their files through a JobDeleteBlobs job enqueued with the
// delete; fresh uploads and attached files stay.
func TestPurgeUnboundUploads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		blobs, err := attach.New(t.TempDir(), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		bus := events.New()
		svc := ticket.New(db, bus, blobs)
		ppl := people.New(db, bus)
		sys := desk.SystemContext(context.Background())
		role := desk.RoleAgent
		u, err := ppl.CreateUser(sys, people.UserInput{Name: str("Up Loader"), Email: str("uploader@purge.test"), Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		agent := as(&desk.Principal{UserID: u.ID, Role: role, Email: u.Email, Via: "api"})

		realNow := store.Clock()
		store.SetClock(func() int64 { return realNow() - (ticket.UploadTTL + time.Hour).Microseconds() })
		stale, err1 := svc.CreateUpload(agent, "stale.txt", strings.NewReader("stale"))
		bound, err2 := svc.CreateUpload(agent, "bound.txt", strings.NewReader("bound"))
		var tk *desk.Ticket
		var err3 error
		if err1 == nil && err2 == nil {
			tk, _, err3 = svc.Create(agent, ticket.Input{Subject: str("with a file"),
				Comment:   &ticket.CommentInput{Body: "see attached", Uploads: []string{bound.Token}},
				Requester: &ticket.RequesterInput{Email: "cust@purge.test"}})
		}
		store.SetClock(realNow)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err1, err2, err3)
		}
		fresh, err := svc.CreateUpload(agent, "fresh.txt", strings.NewReader("fresh"))
		if err != nil {
			t.Fatal(err)
		}

		if _, err := svc.PurgeUnboundUploads(agent, ticket.UploadTTL); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an agent purged uploads: %v", err)
		}
		n, err := svc.PurgeUnboundUploads(sys, ticket.UploadTTL)
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want the stale upload only", n, err)
		}
		if _, err := svc.Attachment(agent, stale.Attachment.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("stale upload still there: %v", err)
		}
		if _, err := svc.Attachment(agent, fresh.Attachment.ID); err != nil {
			t.Fatalf("fresh upload purged: %v", err)
		}
		if _, err := svc.Attachment(agent, bound.Attachment.ID); err != nil {
			t.Fatalf("attached file of ticket %d purged: %v", tk.ID, err)
		}
		// The file goes by the blob-deletion job, enqueued with the delete.
		var payload string
		if err := db.QueryRow(context.Background(), `SELECT payload FROM jobs WHERE kind = ?`, ticket.JobDeleteBlobs).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var keys []string
		if err := json.Unmarshal([]byte(payload), &keys); err != nil || len(keys) != 1 {
			t.Fatalf("blob job payload %s", payload)
		}
		if f, err := blobs.Open(context.Background(), keys[0]); err != nil {
			t.Fatalf("file removed before its job ran: %v", err)
		} else {
			f.Close()
		}
		if n, err := svc.PurgeUnboundUploads(sys, ticket.UploadTTL); err != nil || n != 0 {
			t.Fatalf("second purge %d, %v", n, err)
		}
	})
}
