package imapin_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
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

// eventually waits up to d for cond — six times d, in fact: d is what an
// idle machine needs, and CI runs on two busy cores with the race detector.
// A condition that holds returns at once, so the slack costs nothing.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	d *= 6
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
		// The poll records its count after the tickets commit: wait for it.
		eventually(t, 3*time.Second, "the fetch count never reached 4", func() bool { return r.state(t).Fetched == 4 })
		if st := r.state(t); st.WatchHolder != "a" || st.Fetched != 4 || st.Status != imapin.StatusOK {
			t.Fatalf("state %+v", st)
		}

		// while the push works, the polling job leaves the mailbox alone.
		// The watcher's own polls settle first: the flags it set come back
		// as pushes, and a poll of its own between the two reads below
		// failed this check now and then (CI, PostgreSQL).
		var before time.Time
		eventually(t, 5*time.Second, "the watcher kept polling", func() bool {
			first := r.state(t).PolledAt
			time.Sleep(300 * time.Millisecond)
			before = r.state(t).PolledAt
			return first.Equal(before) && r.state(t).Idling(time.Now())
		})
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

// A lease left by a dead instance keeps others out until it runs out. Two
// instances: one watches, the other waits; when the first stops, the
// second takes the mailbox over. A disabled mailbox is not watched, and a
// changed one is watched with its new settings.
func TestOneWatcherPerMailbox(t *testing.T) {
	r := newRig(t, storetest.SQLite(t), "seen")
	a := &imapin.Watcher{Poller: r.poller, Holder: "a", Rescan: 50 * time.Millisecond, Lease: 3 * time.Second}
	b := &imapin.Watcher{Poller: r.poller, Holder: "b", Rescan: 50 * time.Millisecond, Lease: 3 * time.Second}
	// an instance that died holding the lease: nobody watches until it runs out
	until := time.Now().Add(time.Second)
	if _, err := r.db.Exec(context.Background(), `INSERT INTO imap_state (mailbox_id, watch_holder, watch_until) VALUES (?, 'dead', ?)`, r.box.ID, until.UnixMicro()); err != nil {
		t.Fatal(err)
	}
	stopA := startWatcher(t, a)
	time.Sleep(300 * time.Millisecond)
	if a.Watching(r.box.ID) || r.state(t).WatchHolder != "dead" {
		t.Fatal("a took a lease that has not run out")
	}
	eventually(t, 5*time.Second, "a never watched", func() bool { return a.Watching(r.box.ID) && r.state(t).Idling(time.Now()) })
	if time.Now().Before(until) {
		t.Fatal("a watched before the dead lease ran out")
	}
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
	c, _ := r.plainBox(t, true)
	// the proxy hides IDLE as intended
	m, err := r.in.Mailboxes.Get(r.sys, r.box.ID)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := imapclient.DialInsecure(net.JoinHostPort(m.IMAP.Host, strconv.Itoa(m.IMAP.Port)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if err := pc.Login("support", "imap-Pa55").Wait(); err != nil {
		t.Fatal(err)
	}
	if imapin.SupportsIdle(pc.Caps()) {
		t.Fatalf("the proxy advertises IDLE: %v", pc.Caps())
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
	appendMail(t, c, "Polled")
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

// proxy forwards IMAP (without TLS) to upstream, hiding IDLE when noIdle;
// cut closes every connection open through it.
func proxy(t *testing.T, upstream string, noIdle bool) (addr string, cut func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var open []net.Conn
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
			mu.Lock()
			open = append(open, down, up)
			mu.Unlock()
			go func() { _, _ = io.Copy(up, down); up.Close() }()
			go func() {
				defer down.Close()
				br := bufio.NewReader(up)
				for {
					line, err := br.ReadString('\n')
					if noIdle && strings.Contains(line, "CAPABILITY") {
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
	return ln.Addr().String(), func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range open {
			c.Close()
		}
		open = nil
	}
}

// plainBox points the rig's mailbox at a plain-text IMAP server behind a
// proxy, and returns a client signed in to that server directly.
func (r *rig) plainBox(t *testing.T, noIdle bool) (c *imapclient.Client, cut func()) {
	t.Helper()
	plain := mailtest.StartIMAP(t, nil, "support", "imap-Pa55")
	addr, cut := proxy(t, net.JoinHostPort(plain.Host, strconv.Itoa(plain.Port)), noIdle)
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	none := "none"
	if _, err := r.in.Mailboxes.Update(r.sys, r.box.ID, mailbox.Input{IMAPHost: &host, IMAPPort: &p, IMAPSecurity: &none}); err != nil {
		t.Fatal(err)
	}
	c, err := imapclient.DialInsecure(net.JoinHostPort(plain.Host, strconv.Itoa(plain.Port)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("support", "imap-Pa55").Wait(); err != nil {
		t.Fatal(err)
	}
	return c, cut
}

func appendMail(t *testing.T, c *imapclient.Client, subject string) {
	t.Helper()
	raw := "From: Kasia <kasia@klient.example>\r\nTo: support@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@klient.example>\r\n\r\nHi\r\n"
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
}

// A dropped connection is opened again (after a back-off of a second) and
// the push goes on.
func TestIdleReconnects(t *testing.T) {
	if imapin.ReconnectBackoff(1) != time.Second || imapin.ReconnectBackoff(3) != 4*time.Second || imapin.ReconnectBackoff(50) != 5*time.Minute {
		t.Fatal("reconnect back-off schedule")
	}
	r := newRig(t, storetest.SQLite(t), "seen")
	c, cut := r.plainBox(t, false)
	w := &imapin.Watcher{Poller: r.poller, Holder: "a", IdleRestart: time.Hour, Rescan: 50 * time.Millisecond}
	startWatcher(t, w)
	eventually(t, 5*time.Second, "the watcher never idled", func() bool { return r.state(t).Idling(time.Now()) })
	first := r.state(t).IdleSince
	cut()
	eventually(t, 5*time.Second, "the lost connection still counts as idling", func() bool { return r.state(t).IdleSince.IsZero() })
	eventually(t, 10*time.Second, "the watcher never reconnected", func() bool {
		st := r.state(t)
		return st.Idling(time.Now()) && st.IdleSince.After(first)
	})
	appendMail(t, c, "After the cut")
	eventually(t, 3*time.Second, "no push after reconnecting", func() bool {
		return r.count(t, `SELECT COUNT(*) FROM tickets WHERE subject = 'After the cut'`) == 1
	})
}
