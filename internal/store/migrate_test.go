package store

import (
	"context"
	"math"
	"slices"
	"testing"
)

// TestMigrateAppliesALowerVersionLandedLater: versions are handed out to
// work that lands in parallel, so a store may already have a higher
// version when a lower one arrives; it must still be applied (the old rule,
// "everything above the highest applied version", skipped it for good).
func TestMigrateAppliesALowerVersionLandedLater(t *testing.T) {
	ctx := context.Background()
	eachAtVersion(t, math.MaxInt, func(t *testing.T, db *DB) {
		all := migrations
		defer func() { migrations = all }()
		migrations = append(slices.Clone(all), migration{Version: 100002, SQL: "CREATE TABLE late_b (x INTEGER);"})
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		migrations = append(migrations, migration{Version: 100001, SQL: "CREATE TABLE late_a (x INTEGER);"})
		for range 2 { // the second run finds nothing left to do
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(ctx, "INSERT INTO late_a (x) VALUES (1)"); err != nil {
			t.Fatalf("the lower version was skipped: %v", err)
		}
		if v, err := db.SchemaVersion(ctx); err != nil || v != 100002 {
			t.Fatalf("schema version %d, %v", v, err)
		}
	})
}
