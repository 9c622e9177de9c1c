package ticket_test

import (
	"context"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Issue 7, item 13: an upload not yet bound to a ticket is read only by its
// uploader — not by other agents, and not by admins, the owner included.
func TestUnboundUploadIsTheUploaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		blobs, err := attach.New(t.TempDir(), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		svc, ppl := ticket.New(db, nil, blobs), people.New(db, nil)
		sys := desk.SystemContext(context.Background())
		mk := func(name string, role desk.Role) context.Context {
			email := strings.ToLower(name) + "@uploads.test"
			u, err := ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
			if err != nil {
				t.Fatal(err)
			}
			return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "api"})
		}
		owner, admin := mk("Owner", desk.RoleAdmin), mk("Admin", desk.RoleAdmin)
		agent, other := mk("Agent", desk.RoleAgent), mk("Other", desk.RoleAgent)
		up, err := svc.CreateUpload(agent, "draft.txt", strings.NewReader("not sent yet"))
		if err != nil {
			t.Fatal(err)
		}
		for name, ctx := range map[string]context.Context{"owner": owner, "admin": admin, "other agent": other} {
			if _, err := svc.Attachment(ctx, up.Attachment.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
				t.Errorf("%s reads another's unbound upload: %v", name, err)
			}
			if _, f, err := svc.OpenAttachment(ctx, up.Attachment.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
				if f != nil {
					f.Close()
				}
				t.Errorf("%s opens another's unbound upload: %v", name, err)
			}
		}
		a, f, err := svc.OpenAttachment(agent, up.Attachment.ID)
		if err != nil || a.FileName != "draft.txt" {
			t.Fatalf("uploader: %+v %v", a, err)
		}
		f.Close()
		if _, err := svc.Attachment(sys, up.Attachment.ID); err != nil {
			t.Errorf("system: %v", err)
		}
	})
}
