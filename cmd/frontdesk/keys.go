package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/frontdesk/frontdesk/internal/config"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/keys"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

const keysUsage = "usage: frontdesk keys rotate|check [--data DIR]"

// keysCmd runs `frontdesk keys rotate` (re-seal every stored secret under a
// new key) and `frontdesk keys check` (open every stored secret).
func keysCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "check") {
		return errors.New(keysUsage)
	}
	sub := args[0]
	c, ok, err := load(newFlags("keys "+sub, config.Store), args[1:], stdout)
	if !ok {
		return err
	}
	dataDir := c.Server.DataDir
	if !secrets.KeyConfigured(dataDir) {
		return fmt.Errorf("keys %s: no key configured: %s is not set and there is no %s in %s", sub, secrets.EnvKey, secrets.KeyFile, dataDir)
	}
	db, err := store.Open(ctx, c.Server.DatabaseURL, dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	from, err := secrets.Open(dataDir)
	if err != nil {
		return err
	}
	sys := desk.SystemContext(ctx)
	if sub == "check" {
		rep, err := keys.Check(sys, db, from)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d stored secrets open with the configured key%s\n", rep.Total, counts(rep))
		return nil
	}

	if strings.TrimSpace(os.Getenv(secrets.EnvKey)) != "" {
		// The key lives in the environment: print the new one first, so it
		// is never lost whatever happens next.
		key, err := secrets.NewKey()
		if err != nil {
			return err
		}
		to, err := secrets.NewBox(key)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new key (in effect only if this command ends with success): %s\n", secrets.EncodeKey(key))
		rep, err := keys.Rotate(sys, db, from, to)
		if err != nil {
			return fmt.Errorf("%w (nothing changed: keep the current key)", err)
		}
		fmt.Fprintf(stdout, "re-sealed %d stored secrets under the new key%s\n", rep.Total, counts(rep))
		fmt.Fprintf(stdout, "now set %s to the new key and %s to the old one on every instance and restart them; drop %s once all run with the new key\n",
			secrets.EnvKey, secrets.EnvPreviousKey, secrets.EnvPreviousKey)
		return nil
	}
	to, err := secrets.PrepareRotation(dataDir)
	if err != nil {
		return err
	}
	rep, err := keys.Rotate(sys, db, from, to)
	if err != nil {
		return fmt.Errorf("%w (nothing changed: the key is still %s)", err, filepath.Join(dataDir, secrets.KeyFile))
	}
	if err := secrets.FinishRotation(dataDir); err != nil {
		return fmt.Errorf("%w: every secret is sealed with the key in %s now, and the old key still opens them: rename that file to %s",
			err, secrets.NewKeyFile, secrets.KeyFile)
	}
	fmt.Fprintf(stdout, "re-sealed %d stored secrets under a new key in %s%s\n", rep.Total, filepath.Join(dataDir, secrets.KeyFile), counts(rep))
	fmt.Fprintf(stdout, "the previous key is kept in %s (still read, for values a running server sealed with it); restart running servers now, "+
		"and keep a copy of the new key file with your backups\n", secrets.OldKeyFile)
	return nil
}

func counts(rep *keys.Report) string {
	var parts []string
	for k, n := range rep.Counts {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return " (" + strings.Join(parts, ", ") + ")"
}
