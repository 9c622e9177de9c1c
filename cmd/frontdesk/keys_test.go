package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

// seedMailbox stores a mailbox whose SMTP password is sealed with box.
func seedMailbox(t *testing.T, dir string, box *secrets.Box) int64 {
	t.Helper()
	ctx := desk.SystemContext(context.Background())
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	addr, host, user, pw, port := "support@example.com", "smtp.example.com", "support", "smtp-pass", 587
	mb, err := mailbox.New(db, box).Create(ctx, mailbox.Input{Address: &addr, SMTPHost: &host, SMTPPort: &port, SMTPUsername: &user, SMTPSecret: &pw})
	if err != nil {
		t.Fatal(err)
	}
	return mb.ID
}

// smtpPassword reads the mailbox's SMTP password with box.
func smtpPassword(t *testing.T, dir string, box *secrets.Box, id int64) (string, error) {
	t.Helper()
	ctx := desk.SystemContext(context.Background())
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := mailbox.New(db, box).Sender(ctx, id)
	if err != nil {
		return "", err
	}
	return s.SMTPPassword, nil
}

func boxOf(t *testing.T, encoded string) *secrets.Box {
	t.Helper()
	k, err := secrets.ParseKey(encoded)
	if err != nil {
		t.Fatal(err)
	}
	b, err := secrets.NewBox(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeysRotateKeyFile(t *testing.T) {
	t.Setenv(secrets.EnvKey, "")
	t.Setenv(secrets.EnvPreviousKey, "")
	ctx := context.Background()
	dir := t.TempDir()
	box, err := secrets.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	id := seedMailbox(t, dir, box)
	oldKey, _ := os.ReadFile(filepath.Join(dir, secrets.KeyFile))

	var out bytes.Buffer
	if err := run(ctx, []string{"keys", "rotate", "--data", dir}, nil, &out, &out); err != nil {
		t.Fatalf("rotate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "re-sealed 1 stored secrets") {
		t.Fatalf("rotate output %q", out.String())
	}
	newKey, err := os.ReadFile(filepath.Join(dir, secrets.KeyFile))
	if err != nil || bytes.Equal(newKey, oldKey) {
		t.Fatalf("the key file was not replaced: %v", err)
	}
	if kept, _ := os.ReadFile(filepath.Join(dir, secrets.OldKeyFile)); !bytes.Equal(kept, oldKey) {
		t.Fatal("the previous key was not kept in secret.key.old")
	}
	if _, err := os.Stat(filepath.Join(dir, secrets.NewKeyFile)); !os.IsNotExist(err) {
		t.Fatalf("secret.key.new left behind: %v", err)
	}
	// The new key alone opens the secret; the old one alone does not.
	if pw, err := smtpPassword(t, dir, boxOf(t, string(newKey)), id); err != nil || pw != "smtp-pass" {
		t.Fatalf("with the new key: %q %v", pw, err)
	}
	if _, err := smtpPassword(t, dir, boxOf(t, string(oldKey)), id); err == nil {
		t.Fatal("the old key still opens the rotated secret")
	}
	out.Reset()
	if err := run(ctx, []string{"keys", "check", "--data", dir}, nil, &out, &out); err != nil || !strings.Contains(out.String(), "1 stored secrets open") {
		t.Fatalf("check: %v %q", err, out.String())
	}

	// A rotation cut short after its commit (secret.key.new holds the key
	// every value is sealed with, secret.key the old one): the server still
	// reads everything, and the next rotate finishes the job.
	stranded, err := secrets.PrepareRotation(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := secrets.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	mb := mailbox.New(db, cur)
	pw := "smtp-pass-2"
	if _, err := mailbox.New(db, stranded).Update(desk.SystemContext(ctx), id, mailbox.Input{SMTPSecret: &pw}); err != nil {
		t.Fatal(err)
	}
	if s, err := mb.Sender(desk.SystemContext(ctx), id); err != nil || s.SMTPPassword != pw {
		t.Fatalf("a value sealed with secret.key.new does not open: %v", err)
	}
	db.Close()
	out.Reset()
	if err := run(ctx, []string{"keys", "rotate", "--data", dir}, nil, &out, &out); err != nil {
		t.Fatalf("rotate again: %v\n%s", err, out.String())
	}
	final, _ := os.ReadFile(filepath.Join(dir, secrets.KeyFile))
	if got, err := smtpPassword(t, dir, boxOf(t, string(final)), id); err != nil || got != pw {
		t.Fatalf("after finishing the rotation: %q %v", got, err)
	}
}

func TestKeysRotateEnvironmentKey(t *testing.T) {
	ctx := context.Background()
	k, _ := secrets.NewKey()
	oldKey := secrets.EncodeKey(k)
	t.Setenv(secrets.EnvKey, oldKey)
	t.Setenv(secrets.EnvPreviousKey, "")
	dir := t.TempDir()
	id := seedMailbox(t, dir, boxOf(t, oldKey))
	var out bytes.Buffer
	if err := run(ctx, []string{"keys", "rotate", "--data", dir}, nil, &out, &out); err != nil {
		t.Fatalf("rotate: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`new key \(in effect only if this command ends with success\): (\S+)\n`).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), secrets.EnvPreviousKey) {
		t.Fatalf("rotate output %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, secrets.KeyFile)); !os.IsNotExist(err) {
		t.Fatal("a key file was written although the key comes from the environment")
	}
	if pw, err := smtpPassword(t, dir, boxOf(t, m[1]), id); err != nil || pw != "smtp-pass" {
		t.Fatalf("with the new key: %q %v", pw, err)
	}
	// With the new key set and the old one as the previous key, values a
	// server sealed with the old key meanwhile still open.
	t.Setenv(secrets.EnvKey, m[1])
	t.Setenv(secrets.EnvPreviousKey, oldKey)
	b, err := secrets.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	late, err := boxOf(t, oldKey).Seal([]byte("late"), "ctx")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := b.Open(late, "ctx"); err != nil || string(v) != "late" {
		t.Fatalf("the previous key is not used: %v", err)
	}
}

// TestServeRefusesMissingKey: with sealed secrets stored and no key at
// hand, the server does not start (a new key would make them unreadable).
func TestServeRefusesMissingKey(t *testing.T) {
	t.Setenv(secrets.EnvKey, "")
	t.Setenv(secrets.EnvPreviousKey, "")
	dir := t.TempDir()
	k, _ := secrets.NewKey()
	seedMailbox(t, dir, boxOf(t, secrets.EncodeKey(k)))
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "secret key is missing") || !strings.Contains(err.Error(), "1 sealed secrets") {
		t.Fatalf("serve without the key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, secrets.KeyFile)); !os.IsNotExist(err) {
		t.Fatal("serve created a new key file over stored secrets")
	}
	if err := run(context.Background(), []string{"keys", "rotate", "--data", dir}, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "no key configured") {
		t.Fatalf("keys rotate without a key: %v", err)
	}
}
