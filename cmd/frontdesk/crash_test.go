package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `frontdesk serve` in a child process and waits until its
// SMTP receiver answers.
func startServe(t *testing.T, data, addr, smtpAddr string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := startChild(t, "serve --data "+data+" --addr "+addr+" --smtp-addr "+smtpAddr, env...)
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", smtpAddr, time.Second)
		if err == nil {
			c.Close()
			return cmd
		}
		if i > 300 {
			t.Fatalf("the SMTP receiver never listened: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startChild runs frontdesk with args (split on spaces) and extra
// environment in a child process (this test binary, see TestMain), kills
// it when the test ends, and shows its log if the test failed.
func startChild(t *testing.T, args string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"FRONTDESK_TEST_RUN_MAIN=1", "FRONTDESK_LOG_LEVEL=warn",
		"FRONTDESK_TEST_ARGS=" + args}, env...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		if t.Failed() {
			t.Logf("%s log:\n%s", args, stderr.String())
		}
	})
	return cmd
}

func sendMail(addr string, raw []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.SendMail("kasia@klient.example", []string{"support@example.com"}, bytes.NewReader(raw))
}

// TestCrashBetweenFetchAndCommit kills -9 a real `frontdesk serve` after
// it read and stored a message but before the ticket change committed,
// restarts it, lets the sender retry (as an MX does without a 250) and
// delivers the message once more: each message counts exactly once.
func TestCrashBetweenFetchAndCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
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
	addr := "support@example.com"
	if _, err := mailbox.New(db, box).Create(ctx, mailbox.Input{Address: &addr}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	raw := []byte("From: Kasia <kasia@klient.example>\r\nTo: support@example.com\r\nSubject: Crash\r\nMessage-ID: <crash-1@klient.example>\r\n\r\nOnce only.\r\n")
	other := []byte(strings.ReplaceAll(string(raw), "crash-1@", "crash-2@"))
	marker := filepath.Join(t.TempDir(), "fetched")
	httpAddr, smtpAddr := freePort(t), freePort(t)

	child := startServe(t, data, httpAddr, smtpAddr, server.EnvHangAfterFetch+"="+marker)
	sent := make(chan error, 1)
	go func() { sent <- sendMail(smtpAddr, raw) }()
	for i := 0; ; i++ {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if i > 300 {
			t.Fatal("the server never fetched the message")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = child.Process.Wait()
	if err := <-sent; err == nil {
		t.Fatal("the killed server acknowledged the message")
	}

	child = startServe(t, data, httpAddr, smtpAddr)
	for _, m := range [][]byte{raw, raw, other, raw} { // the retry, a duplicate, a new one, another duplicate
		if err := sendMail(smtpAddr, m); err != nil {
			t.Fatal(err)
		}
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
		`SELECT COUNT(*) FROM tickets`:                                                                 2,
		`SELECT COUNT(*) FROM email_messages WHERE direction = 'inbound'`:                              2,
		`SELECT COUNT(*) FROM tickets WHERE subject = 'Crash'`:                                         2,
		`SELECT COUNT(*) FROM attachments WHERE file_name = 'original.eml' AND comment_id IS NOT NULL`: 2,
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
