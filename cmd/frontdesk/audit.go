package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/frontdesk/frontdesk/internal/config"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
)

// errChainBroken makes `frontdesk audit verify` exit non-zero once the
// broken link has been printed.
var errChainBroken = errors.New("the audit log's hash chain is broken")

// auditVerify checks the audit log's hash chain and prints the outcome:
// the entries checked, or the first broken link (and a non-zero exit).
func auditVerify(ctx context.Context, args []string, stdout io.Writer) error {
	c, ok, err := load(newFlags("audit verify", config.Store), args, stdout)
	if !ok {
		return err
	}
	db, err := store.Open(ctx, c.Server.DatabaseURL, c.Server.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	// The same check as the daily job: a break is recorded and mailed to
	// the security contact through the outbox.
	rep, err := server.VerifyAuditLog(ctx, db, c.Server.DataDir)
	if rep == nil {
		return err
	}
	if rep.Broken != nil {
		fmt.Fprintf(stdout, "BROKEN at %s\n", rep.Broken)
		fmt.Fprintf(stdout, "%d entries verified before the break\n", rep.Checked)
		if err != nil {
			fmt.Fprintf(stdout, "warning: %v\n", err)
		}
		return errChainBroken
	}
	fmt.Fprintf(stdout, "audit log intact: %d chained entries verified from seq %d", rep.Checked, rep.AnchorSeq)
	if rep.Legacy > 0 {
		fmt.Fprintf(stdout, " (%d earlier entries predate the chain)", rep.Legacy)
	}
	fmt.Fprintln(stdout)
	return nil
}
