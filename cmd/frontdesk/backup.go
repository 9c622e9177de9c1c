package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/frontdesk/frontdesk/internal/backup"
	"github.com/frontdesk/frontdesk/internal/config"
	"github.com/frontdesk/frontdesk/internal/secrets"
)

// backupCmd writes an online backup of the embedded store to --out
// (or standard output for "-"), while a server may be running.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	l := newFlags("backup", config.Store)
	fs := l.FlagSet()
	out := fs.String("out", "", "the archive to write (.tar.gz); - writes to standard output")
	includeKey := fs.Bool("include-key", false, "also put the data directory's "+secrets.KeyFile+" into the archive (keep such a backup as safe as the key)")
	c, ok, err := load(l, args, stdout)
	if !ok {
		return err
	}
	if c.Server.DatabaseURL != "" {
		return backup.ErrPostgres
	}
	if *out == "" {
		return errors.New("usage: frontdesk backup --out FILE [--data DIR] [--include-key]")
	}
	opt := backup.Options{Version: version, IncludeKey: *includeKey}
	if *out == "-" {
		m, err := backup.Create(ctx, c.Server.DataDir, stdout, opt)
		if err != nil {
			return err
		}
		report(stderr, "", m)
		return nil
	}
	// Write beside the target and rename when complete: a failed or
	// interrupted backup never leaves a plausible-looking partial archive.
	dir := filepath.Dir(*out)
	opt.TempDir = dir
	f, err := os.CreateTemp(dir, "."+filepath.Base(*out)+".part-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name())
	m, err := backup.Create(ctx, c.Server.DataDir, f, opt)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(f.Name(), *out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	report(stdout, *out, m)
	return nil
}

func report(w io.Writer, out string, m *backup.Manifest) {
	var attachments int
	var size int64
	for _, f := range m.Files {
		size += f.Size
		if strings.HasPrefix(f.Name, backup.AttachmentsDir+"/") {
			attachments++
		}
	}
	if out != "" {
		fmt.Fprintf(w, "backup written to %s\n", out)
	}
	fmt.Fprintf(w, "schema version %d, %d attachments, %d bytes before compression, created %s\n",
		m.SchemaVersion, attachments, size, m.CreatedAt.Format("2006-01-02 15:04:05Z07:00"))
	if !m.IncludesKey {
		fmt.Fprintf(w, "the secret key is NOT in the backup: keep %s (or %s) safe separately; without it stored secrets (mailbox passwords, 2FA seeds, webhook secrets) cannot be read after a restore\n",
			secrets.KeyFile, secrets.EnvKey)
	}
}

// restoreCmd restores an archive made by backupCmd: `frontdesk restore
// FILE [--data DIR] [--force]`.
func restoreCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	const usage = "usage: frontdesk restore FILE [--data DIR] [--force]   (FILE - reads standard input)"
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && args[0] != "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stdout, usage)
			return nil
		}
		return errors.New(usage)
	}
	file := args[0]
	l := newFlags("restore", config.Store)
	force := l.FlagSet().Bool("force", false, "replace the database and attachments of a data directory that is not empty")
	c, ok, err := load(l, args[1:], stdout)
	if !ok {
		return err
	}
	if c.Server.DatabaseURL != "" {
		return backup.ErrPostgres
	}
	var r io.Reader = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		r = f
	}
	m, err := backup.Restore(ctx, r, c.Server.DataDir, backup.RestoreOptions{Force: *force})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the backup of %s (Frontdesk %s, schema version %d, %d files) into %s\n",
		m.CreatedAt.Format("2006-01-02 15:04:05Z07:00"), m.Version, m.SchemaVersion, len(m.Files), c.Server.DataDir)
	if !m.IncludesKey {
		fmt.Fprintf(stdout, "the backup holds no secret key: put the original %s into %s or set %s to it before starting the server\n",
			secrets.KeyFile, c.Server.DataDir, secrets.EnvKey)
	}
	return nil
}
