package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

// TestBackupWhileServing runs `frontdesk backup` against the data
// directory of a running `frontdesk serve` that keeps receiving mail (each
// message a ticket with its original.eml attachment), then `frontdesk
// restore` into a new directory, and finds every ticket and attachment
// that existed before the backup began.
func TestBackupWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	ctx := context.Background()
	data := t.TempDir()
	db, err := store.Open(ctx, "", data)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	addr := "support@example.com"
	if _, err := mailbox.New(db, box).Create(desk.SystemContext(ctx), mailbox.Input{Address: &addr}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	httpAddr, smtpAddr := freePort(t), freePort(t)
	child := startServe(t, data, httpAddr, smtpAddr)
	mail := func(n int) error {
		return sendMail(smtpAddr, fmt.Appendf(nil, "From: Kasia <kasia@klient.example>\r\nTo: support@example.com\r\nSubject: Backup %d\r\nMessage-ID: <backup-%d@klient.example>\r\n\r\nBody %d.\r\n", n, n, n))
	}
	const before = 10
	for i := range before {
		if err := mail(i); err != nil {
			t.Fatal(err)
		}
	}
	// Keep mail coming while the backup runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := before; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := mail(i); err != nil {
				t.Error(err)
				return
			}
		}
	})
	archive := filepath.Join(t.TempDir(), "desk.tar.gz")
	var out bytes.Buffer
	err = run(ctx, []string{"backup", "--data", data, "--out", archive}, nil, &out, &out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "backup written to "+archive) || !strings.Contains(out.String(), "NOT in the backup") {
		t.Fatalf("backup output %q", out.String())
	}
	if fi, err := os.Stat(archive); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("archive: %v %v (want mode 0600)", fi, err)
	}
	if err := child.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, _ = child.Process.Wait()

	dst := filepath.Join(t.TempDir(), "restored")
	out.Reset()
	if err := run(ctx, []string{"restore", archive, "--data", dst}, nil, &out, &out); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "no secret key") {
		t.Fatalf("restore output %q does not say the key is missing", out.String())
	}
	// Into a used directory only with --force.
	out.Reset()
	if err := run(ctx, []string{"restore", archive, "--data", data}, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a used data directory: %v", err)
	}

	rdb, err := store.Open(ctx, "", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	for i := range before {
		var id int64
		if err := rdb.QueryRow(ctx, `SELECT id FROM tickets WHERE subject = ?`, fmt.Sprintf("Backup %d", i)).Scan(&id); err != nil {
			t.Fatalf("ticket %d, mailed before the backup, is not in the restored store: %v", i, err)
		}
		var key string
		if err := rdb.QueryRow(ctx, `SELECT storage_key FROM attachments WHERE ticket_id = ? AND file_name = 'original.eml'`, id).Scan(&key); err != nil {
			t.Fatalf("ticket %d: attachment row: %v", i, err)
		}
		b, err := os.ReadFile(filepath.Join(dst, "attachments", key[:2], key))
		if err != nil || !bytes.Contains(b, fmt.Appendf(nil, "Body %d.", i)) {
			t.Fatalf("ticket %d: attachment file: %v %q", i, err, b)
		}
	}
}

func TestBackupCommandErrors(t *testing.T) {
	ctx := context.Background()
	var o bytes.Buffer
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--data", t.TempDir()}, "usage"},
		{[]string{"backup", "--data", t.TempDir(), "--out", filepath.Join(t.TempDir(), "x.tar.gz")}, "no database"},
		{[]string{"backup", "--database-url", "postgres://u@127.0.0.1:1/x", "--out", "x.tar.gz"}, "pg_dump"},
		{[]string{"restore", "--data", t.TempDir()}, "usage"},
		{[]string{"restore", "x.tar.gz", "--database-url", "postgres://u@127.0.0.1:1/x"}, "pg_restore"},
		{[]string{"restore", filepath.Join(t.TempDir(), "missing.tar.gz"), "--data", t.TempDir()}, "no such file"},
	} {
		o.Reset()
		err := run(ctx, tt.args, strings.NewReader(""), &o, &o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want mention of %q", tt.args, err, tt.want)
		}
	}
}
