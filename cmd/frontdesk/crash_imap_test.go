package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
)

// TestIMAPCrashLosesAndDuplicatesNothing fetches mail over IMAP with a
// real `frontdesk serve` and kills it -9 again and again: once exactly
// between fetch and commit, then at random moments while it works through
// the folder, each time with more mail waiting. After a last clean run
// every message is exactly one ticket and \Seen on the server.
func TestIMAPCrashLosesAndDuplicatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	srv := mailtest.StartIMAP(t, nil, "support", "imap-Pa55")
	data := t.TempDir()
	ctx := desk.SystemContext(context.Background())
	db, err := store.Open(context.Background(), "", data)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	addr, host, sec, user, pass := "support@example.com", srv.Host, "none", "support", "imap-Pa55"
	if _, err := mailbox.New(db, box).Create(ctx, mailbox.Input{Address: &addr, IMAPHost: &host, IMAPPort: &srv.Port,
		IMAPSecurity: &sec, IMAPUsername: &user, IMAPSecret: &pass}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	c, err := imapclient.DialInsecure(net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err != nil {
		t.Fatal(err)
	}
	total := 0
	deliver := func(n int) {
		t.Helper()
		for range n {
			total++
			raw := fmt.Sprintf("From: Customer %d <c%d@klient.example>\r\nTo: support@example.com\r\nSubject: Crash %d\r\nMessage-ID: <imap-crash-%d@klient.example>\r\n\r\nBody %d\r\n", total, total, total, total, total)
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
	unseen := func() int {
		t.Helper()
		st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if int(*st.NumMessages) != total {
			t.Fatalf("INBOX holds %d messages, want %d", *st.NumMessages, total)
		}
		return int(*st.NumUnseen)
	}
	kill := func(child interface{ Signal(os.Signal) error }) {
		t.Helper()
		if err := child.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	lease := server.EnvIMAPLease + "=600ms"
	httpAddr, smtpAddr := freePort(t), freePort(t)

	// 1. killed after the message was read, before its ticket committed
	deliver(10)
	marker := filepath.Join(t.TempDir(), "fetched")
	child := startServe(t, data, httpAddr, smtpAddr, lease, server.EnvHangAfterFetch+"="+marker)
	for i := 0; ; i++ {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if i > 1500 {
			t.Fatal("the server never fetched the mail")
		}
		time.Sleep(20 * time.Millisecond)
	}
	kill(child.Process)
	_, _ = child.Process.Wait()
	if n := unseen(); n != total {
		t.Fatalf("%d of %d unseen after a crash before commit", n, total)
	}

	// 2. killed while it works through the folder: as soon as some of the
	// waiting mail is settled (the rest is mid-flight), or after a random
	// delay; more mail arrives before each restart
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := range 6 {
		deliver(20)
		before := unseen()
		child = startServe(t, data, httpAddr, smtpAddr, lease)
		start := time.Now()
		if round%2 == 0 {
			for i := 0; unseen() == before && i < 2000; i++ {
				time.Sleep(time.Millisecond)
			}
		} else {
			time.Sleep(time.Duration(rng.IntN(800)) * time.Millisecond)
		}
		kill(child.Process)
		_, _ = child.Process.Wait()
		t.Logf("killed %v after start: %d of %d messages unseen (%d before)", time.Since(start).Round(time.Millisecond), unseen(), total, before)
	}

	// 3. a clean run takes the rest; then stop it
	deliver(5)
	child = startServe(t, data, httpAddr, smtpAddr, lease)
	for i := 0; unseen() > 0; i++ {
		if i > 1200 {
			t.Fatalf("%d of %d messages still unseen", unseen(), total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, _ = child.Process.Wait()

	db, err = store.Open(context.Background(), "", data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM tickets`:                                    total,
		`SELECT COUNT(DISTINCT subject) FROM tickets`:                     total,
		`SELECT COUNT(*) FROM email_messages WHERE direction = 'inbound'`: total,
		`SELECT COUNT(*) FROM imap_state WHERE watch_holder = ''`:         1, // the clean stop gave the lease back
	} {
		var n int
		if err := db.QueryRow(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
}
