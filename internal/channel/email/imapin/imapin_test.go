package imapin_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func ptr[T any](v T) *T { return &v }

type rig struct {
	db     *store.DB
	imap   *mailtest.IMAPServer
	tls    *mailtest.TLS
	poller *imapin.Poller
	in     *ingest.Service
	box    *mailbox.Mailbox
	sys    context.Context
}

func newRig(t testing.TB, db *store.DB, after string) *rig {
	t.Helper()
	key, _ := secrets.NewBox(bytes.Repeat([]byte{5}, secrets.KeySize))
	blobs, err := attach.New(t.TempDir(), 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{db: db, tls: mailtest.NewTLS(t), sys: desk.SystemContext(context.Background())}
	r.imap = mailtest.StartIMAP(t, r.tls, "support", "imap-Pa55")
	if after == "move" {
		if err := r.imap.Mem.Create("Done", nil); err != nil {
			t.Fatal(err)
		}
	}
	boxes := mailbox.New(db, key)
	in := mailbox.Input{Address: ptr("support@example.com"), IMAPHost: ptr(r.imap.Host), IMAPPort: ptr(r.imap.Port), IMAPSecurity: ptr("starttls"),
		IMAPUsername: ptr("support"), IMAPSecret: ptr("imap-Pa55"), IMAPAfterFetch: ptr(after)}
	if after == "move" {
		in.IMAPMoveTo = ptr("Done")
	}
	if r.box, err = boxes.Create(r.sys, in); err != nil {
		t.Fatal(err)
	}
	tickets := ticket.New(db, events.New(), blobs)
	r.in = &ingest.Service{DB: db, Tickets: tickets, Threads: thread.New(db, key), Mailboxes: boxes}
	r.poller = &imapin.Poller{DB: db, Mailboxes: boxes, Ingest: r.in, Dial: mailbox.DialOptions{TLS: r.tls.Client, Timeout: 10 * time.Second}}
	return r
}

// client signs in to the test server as the mailbox's owner would.
func (r *rig) client(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialStartTLS(r.imap.Host+":"+strconv.Itoa(r.imap.Port), &imapclient.Options{TLSConfig: r.tls.Client})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login("support", "imap-Pa55").Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (r *rig) deliver(t testing.TB, n int, from int) {
	t.Helper()
	c := r.client(t)
	for i := from; i < from+n; i++ {
		raw := fmt.Sprintf("From: Customer %d <c%d@klient.example>\r\nTo: support@example.com\r\nSubject: Question %d\r\nMessage-ID: <q%d@klient.example>\r\n\r\nBody %d\r\n", i, i, i, i, i)
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

func (r *rig) count(t testing.TB, q string) int {
	t.Helper()
	var n int
	if err := r.db.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// folder returns the number of messages in name and of those unseen.
func (r *rig) folder(t testing.TB, name string) (total, unseen int) {
	t.Helper()
	c := r.client(t)
	st, err := c.Status(name, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return int(*st.NumMessages), int(*st.NumUnseen)
}

func TestPollMarksSeenOnlyAfterCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, "seen")
		r.deliver(t, 3, 0)
		n, err := r.poller.Poll(context.Background(), r.box.ID)
		if err != nil || n != 3 {
			t.Fatalf("poll: %d %v", n, err)
		}
		if got := r.count(t, `SELECT COUNT(*) FROM tickets`); got != 3 {
			t.Fatalf("%d tickets", got)
		}
		if total, unseen := r.folder(t, "INBOX"); total != 3 || unseen != 0 {
			t.Fatalf("INBOX %d messages, %d unseen", total, unseen)
		}
		st, _ := r.poller.State(context.Background(), r.box.ID)
		if st.Status != imapin.StatusOK || st.LastUID != 3 || st.Fetched != 3 || st.UIDValidity == 0 {
			t.Fatalf("state %+v", st)
		}
		// nothing new: nothing happens
		if n, err := r.poller.Poll(context.Background(), r.box.ID); err != nil || n != 0 {
			t.Fatalf("second poll: %d %v", n, err)
		}
		// a failing ingest leaves the message unseen, to be fetched again
		r.deliver(t, 1, 10)
		ctx, cancel := context.WithCancel(context.Background())
		r.in.AfterParse = cancel // the store goes away between fetch and commit
		if _, err := r.poller.Poll(ctx, r.box.ID); err == nil {
			t.Fatal("a poll whose ingest failed succeeded")
		}
		r.in.AfterParse = nil
		if _, unseen := r.folder(t, "INBOX"); unseen != 1 {
			t.Fatalf("%d unseen after a failed ingest", unseen)
		}
		if n, err := r.poller.Poll(context.Background(), r.box.ID); err != nil || n != 1 {
			t.Fatalf("retry: %d %v", n, err)
		}
		if got := r.count(t, `SELECT COUNT(*) FROM tickets`); got != 4 {
			t.Fatalf("%d tickets after retry", got)
		}
	})
}

func TestPollMovesOrDeletes(t *testing.T) {
	for _, after := range []string{"move", "delete"} {
		t.Run(after, func(t *testing.T) {
			r := newRig(t, storetest.SQLite(t), after)
			r.deliver(t, 2, 0)
			if n, err := r.poller.Poll(context.Background(), r.box.ID); err != nil || n != 2 {
				t.Fatalf("poll: %d %v", n, err)
			}
			if total, _ := r.folder(t, "INBOX"); total != 0 {
				t.Fatalf("INBOX still holds %d", total)
			}
			if after == "move" {
				if total, _ := r.folder(t, "Done"); total != 2 {
					t.Fatalf("Done holds %d", total)
				}
			}
		})
	}
}

func TestRefetchAfterUIDValidityChangeMakesNoDuplicates(t *testing.T) {
	r := newRig(t, storetest.SQLite(t), "seen")
	r.deliver(t, 2, 0)
	if _, err := r.poller.Poll(context.Background(), r.box.ID); err != nil {
		t.Fatal(err)
	}
	// the server forgets the flags and the UID count starts over
	if _, err := r.db.Exec(context.Background(), `UPDATE imap_state SET uid_validity = 1, last_uid = 0`); err != nil {
		t.Fatal(err)
	}
	c := r.client(t)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.SeqSetNum(1, 2), &imap.StoreFlags{Op: imap.StoreFlagsDel, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := r.poller.Poll(context.Background(), r.box.ID); err != nil || n != 2 {
		t.Fatalf("refetch: %d %v", n, err)
	}
	if got := r.count(t, `SELECT COUNT(*) FROM tickets`); got != 2 {
		t.Fatalf("%d tickets after a refetch", got)
	}
}

func TestFailingServerBacksOff(t *testing.T) {
	r := newRig(t, storetest.SQLite(t), "seen")
	bad := "wrong"
	if _, err := r.in.Mailboxes.Update(r.sys, r.box.ID, mailbox.Input{IMAPSecret: &bad}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.poller.Poll(context.Background(), r.box.ID); err == nil {
		t.Fatal("a wrong password polled")
	}
	st, _ := r.poller.State(context.Background(), r.box.ID)
	if st.Status != imapin.StatusError || st.Failures != 1 || st.LastError == "" {
		t.Fatalf("state %+v", st)
	}
	// PollAll skips it during the back-off
	r.deliver(t, 1, 0)
	if err := r.poller.PollAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	st2, _ := r.poller.State(context.Background(), r.box.ID)
	if st2.Failures != 1 {
		t.Fatalf("polled during back-off: %+v", st2)
	}
	if imapin.Backoff(1) != imapin.Interval || imapin.Backoff(3) != 4*imapin.Interval || imapin.Backoff(100) != time.Hour {
		t.Fatal("back-off schedule")
	}
}
