package storetest

import (
	"context"
	"os"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
)

// PostgresShared opens two store handles on one fresh schema — two
// instances of the same help desk — and returns them with the schema's URL
// (for connections of their own, such as a LISTEN connection). Without
// FRONTDESK_TEST_DATABASE_URL it skips the test, or fails it when
// FRONTDESK_REQUIRE_POSTGRES is set.
func PostgresShared(t testing.TB) (a, b *store.DB, url string) {
	t.Helper()
	base := RequirePostgresURL(t)
	url, _ = SchemaURL(t, base)
	for _, p := range []**store.DB{&a, &b} {
		db, err := store.Open(context.Background(), url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		*p = db
	}
	return a, b, url
}

// RequirePostgresURL returns the PostgreSQL test server's URL. Without one
// it skips the test, or fails it when FRONTDESK_REQUIRE_POSTGRES is set (as
// CI does), so PostgreSQL-only tests cannot silently stop running.
func RequirePostgresURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		if os.Getenv("FRONTDESK_REQUIRE_POSTGRES") != "" {
			t.Fatal("FRONTDESK_REQUIRE_POSTGRES is set but FRONTDESK_TEST_DATABASE_URL is not")
		}
		t.Skip("FRONTDESK_TEST_DATABASE_URL not set")
	}
	return base
}
