package imapin_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// eventually waits up to d for cond.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("after %v: %s", d, what)
		}
	}
}

// startWatcher runs w until the test ends; the returned func stops it and
// waits for Run to return.
func startWatcher(t *testing.T, w *imapin.Watcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the watcher did not stop")
		}
	}
	t.Cleanup(func() { cancel(); <-done })
	return stop
}

func (r *rig) state(t *testing.T) *imapin.State {
	t.Helper()
	st, err := r.poller.State(context.Background(), r.box.ID)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// New mail arrives as a ticket through the IDLE push alone: no polling
// job runs here, and the watcher's own periodic poll is an hour away.
func TestIdlePushesNewMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, "seen")
		r.deliver(t, 1, 0) // waiting before the watch: the first poll takes it
		w := &imapin.Watcher{Poller: r.poller, Holder: "a", IdleRestart: time.Hour, Rescan: 50 * time.Millisecond}
		stop := startWatcher(t, w)
		eventually(t, 5*time.Second, "the watcher never idled", func() bool { return r.state(t).Idling(time.Now()) })
		eventually(t, 5*time.Second, "mail waiting was not fetched", func() bool { return r.count(t, `SELECT COUNT(*) FROM tickets`) == 1 })
		for i := 1; i <= 3; i++ {
			r.deliver(t, 1, i)
			eventually(t, 3*time.Second, "pushed mail never became a ticket", func() bool {
				return r.count(t, `SELECT COUNT(*) FROM tickets`) == 1+i
			})
		}
		eventually(t, 3*time.Second, "pushed mail not marked seen", func() bool { _, unseen := r.folder(t, "INBOX"); return unseen == 0 })
		if st := r.state(t); st.WatchHolder != "a" || st.Fetched != 4 || st.Status != imapin.StatusOK {
			t.Fatalf("state %+v", st)
		}

		// while the push works, the polling job leaves the mailbox alone
		before := r.state(t).PolledAt
		if err := r.poller.PollAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if after := r.state(t).PolledAt; !after.Equal(before) {
			t.Fatalf("PollAll polled a watched mailbox (%v -> %v)", before, after)
		}

		// shutdown closes the connection and gives the lease back
		stop()
		st := r.state(t)
		if st.WatchHolder != "" || !st.IdleSince.IsZero() || st.Idling(time.Now()) {
			t.Fatalf("after stop: %+v", st)
		}
		// with nobody watching, the job polls again
		r.deliver(t, 1, 9)
		if err := r.poller.PollAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := r.count(t, `SELECT COUNT(*) FROM tickets`); got != 5 {
			t.Fatalf("%d tickets after the fallback poll", got)
		}
	})
}

// Two instances: one watches, the other waits; when the first stops, the
// second takes the mailbox over. A disabled mailbox is not watched, and a
// changed one is watched with its new settings.
func TestOneWatcherPerMailbox(t *testing.T) {
	r := newRig(t, storetest.SQLite(t), "seen")
	a := &imapin.Watcher{Poller: r.poller, Holder: "a", Rescan: 50 * time.Millisecond, Lease: 3 * time.Second}
	b := &imapin.Watcher{Poller: r.poller, Holder: "b", Rescan: 50 * time.Millisecond, Lease: 3 * time.Second}
	stopA := startWatcher(t, a)
	eventually(t, 5*time.Second, "a never watched", func() bool { return a.Watching(r.box.ID) && r.state(t).Idling(time.Now()) })
	startWatcher(t, b)
	time.Sleep(300 * time.Millisecond) // several rescans of b
	if b.Watching(r.box.ID) || r.state(t).WatchHolder != "a" {
		t.Fatalf("b watches too (holder %q)", r.state(t).WatchHolder)
	}
	stopA()
	eventually(t, 5*time.Second, "b never took over", func() bool { return b.Watching(r.box.ID) && r.state(t).WatchHolder == "b" })
	r.deliver(t, 1, 0)
	eventually(t, 3*time.Second, "mail not pushed through b", func() bool { return r.count(t, `SELECT COUNT(*) FROM tickets`) == 1 })

	// disabled: b stops watching and gives the lease back
	off, on := false, true
	if _, err := r.in.Mailboxes.Update(r.sys, r.box.ID, mailbox.Input{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "a disabled mailbox is still watched", func() bool {
		return !b.Watching(r.box.ID) && r.state(t).WatchHolder == ""
	})
	// enabled with a new password it is watched again (a wrong one fails
	// to sign in, and the watcher keeps trying with its back-off)
	if _, err := r.in.Mailboxes.Update(r.sys, r.box.ID, mailbox.Input{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the re-enabled mailbox is not watched", func() bool { return r.state(t).Idling(time.Now()) })
	bad := "wrong"
	if _, err := r.in.Mailboxes.Update(r.sys, r.box.ID, mailbox.Input{IMAPSecret: &bad}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "a changed mailbox kept its old connection", func() bool {
		st := r.state(t)
		return st.WatchHolder == "b" && st.IdleSince.IsZero()
	})
}

// A server that does not offer IDLE is left to the polling job.
func TestNoIdleFallsBackToPolling(t *testing.T) {
	if imapin.SupportsIdle(imap.CapSet{imap.CapIMAP4rev1: {}}) || !imapin.SupportsIdle(imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}}) ||
		!imapin.SupportsIdle(imap.CapSet{imap.CapIMAP4rev2: {}}) {
		t.Fatal("capability decision")
	}
	r := newRig(t, storetest.SQLite(t), "seen")
	plain := mailtest.StartIMAP(t, nil, "support", "imap-Pa55")
	proxy := noIdleProxy(t, net.JoinHostPort(plain.Host, strconv.Itoa(plain.Port)))
	host, port, _ := net.SplitHostPort(proxy)
	p, _ := strconv.Atoi(port)
	none := "none"
	if _, err := r.in.Mailboxes.Update(r.sys, r.box.ID, mailbox.Input{IMAPHost: &host, IMAPPort: &p, IMAPSecurity: &none}); err != nil {
		t.Fatal(err)
	}
	// the proxy hides IDLE as intended
	c, err := imapclient.DialInsecure(proxy, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("support", "imap-Pa55").Wait(); err != nil {
		t.Fatal(err)
	}
	if c.Caps().Has(imap.CapIdle) {
		t.Fatalf("proxy advertises IDLE: %v", c.Caps())
	}
	w := &imapin.Watcher{Poller: r.poller, Holder: "a", Rescan: 50 * time.Millisecond}
	startWatcher(t, w)
	eventually(t, 5*time.Second, "the watcher held on to a server without IDLE", func() bool {
		return w.NoIdle(r.box.ID) && !w.Watching(r.box.ID) && r.state(t).WatchHolder == ""
	})
	time.Sleep(200 * time.Millisecond) // rescans: it is not tried again yet
	if w.Watching(r.box.ID) || r.state(t).WatchHolder != "" {
		t.Fatal("a mailbox without IDLE is watched again")
	}
	raw := "From: Kasia <kasia@klient.example>\r\nTo: support@example.com\r\nSubject: Polled\r\nMessage-ID: <polled@klient.example>\r\n\r\nHi\r\n"
	app := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := app.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Wait(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := r.count(t, `SELECT COUNT(*) FROM tickets`); got != 0 {
		t.Fatalf("%d tickets without a poll", got)
	}
	// the polling job takes it
	if err := r.poller.PollAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := r.count(t, `SELECT COUNT(*) FROM tickets WHERE subject = 'Polled'`); got != 1 {
		t.Fatalf("%d tickets from the polled mailbox", got)
	}
}

// noIdleProxy forwards IMAP (without TLS) to upstream, removing IDLE and
// IMAP4rev2 (which implies IDLE) from every capability list.
func noIdleProxy(t *testing.T, upstream string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				down.Close()
				continue
			}
			go func() { _, _ = io.Copy(up, down); up.Close() }()
			go func() {
				defer down.Close()
				br := bufio.NewReader(up)
				for {
					line, err := br.ReadString('\n')
					if strings.Contains(line, "CAPABILITY") {
						line = strings.ReplaceAll(line, " IDLE", "")
						line = strings.ReplaceAll(line, " IMAP4rev2", "")
					}
					if _, werr := io.WriteString(down, line); werr != nil || err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}
