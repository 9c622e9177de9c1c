package server_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/server"
)

// TestPeopleHooksWired: the server installs every function package people
// calls into other packages' tables (sessions, account records, two-factor
// records, tickets); without them deletions, purges and merges are refused.
func TestPeopleHooksWired(t *testing.T) {
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), ShutdownGrace: time.Second}
	app, err := server.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ppl := app.People
	for name, wired := range map[string]bool{
		"EndSessionsTx":    ppl.EndSessionsTx != nil,
		"EraseAccountTx":   ppl.EraseAccountTx != nil,
		"EraseTwoFactorTx": ppl.EraseTwoFactorTx != nil,
		"MoveTicketsTx":    ppl.MoveTicketsTx != nil,
		"EraseTicketsTx":   ppl.EraseTicketsTx != nil,
		"EraseOutboxTx":    ppl.EraseOutboxTx != nil,
		"EraseWebhooksTx":  ppl.EraseWebhooksTx != nil,
		"EraseRatingsTx":   ppl.EraseRatingsTx != nil,
	} {
		if !wired {
			t.Errorf("people.%s is not wired", name)
		}
	}
}
