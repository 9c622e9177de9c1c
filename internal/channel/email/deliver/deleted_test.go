package deliver_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestMailOfADeletedAddressGoesOutAsTheDefault: mail queued for an address
// deleted since is sent as the default address, not left waiting.
func TestMailOfADeletedAddressGoesOutAsTheDefault(t *testing.T) {
	db := storetest.SQLite(t)
	r := newRig(t, db)
	other, err := r.mailboxes.Create(admin, mailbox.Input{Address: ptr("sales@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	r.queue(t, outbox.Message{To: "a@example.org", Subject: "s", Text: "t", Kind: "k", MailboxID: other.ID})
	if err := r.mailboxes.Delete(admin, other.ID); err != nil {
		t.Fatal(err)
	}
	res, err := r.d.DeliverDue(context.Background())
	if err != nil || res.Sent != 1 || r.smtp.Mails()[0].From != "pomoc@example.com" {
		t.Fatalf("deliver = %v, %v", res, err)
	}
}
