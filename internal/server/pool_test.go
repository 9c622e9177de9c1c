package server_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestDatabaseMaxConnsSizesThePool: --database-max-conns reaches the
// PostgreSQL pool; without it the store's default applies.
func TestDatabaseMaxConnsSizesThePool(t *testing.T) {
	base := storetest.PostgresURL()
	if base == "" {
		t.Skip("FRONTDESK_TEST_DATABASE_URL not set")
	}
	u, _ := storetest.SchemaURL(t, base)
	for _, c := range []struct{ opt, want int }{{0, store.DefaultPostgresPool()}, {5, 5}} {
		cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: u, DatabaseMaxConns: c.opt}
		app, err := server.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := app.DB.Stats()
		app.Close()
		if w.MaxOpenConnections != c.want {
			t.Errorf("DatabaseMaxConns %d: pool of %d, want %d", c.opt, w.MaxOpenConnections, c.want)
		}
	}
}
