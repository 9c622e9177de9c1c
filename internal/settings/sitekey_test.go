package settings_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestPurposeKeys: the site key is created once (first writer wins, also
// inside a caller's transaction) and every purpose gets its own key from
// it, the same on every instance.
func TestPurposeKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := settings.New(db, nil), settings.New(db, nil)
		var inTx []byte
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			inTx, err = a.PurposeKey(ctx, tx, "one")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		one, err := b.PurposeKey(ctx, db, "one")
		if err != nil {
			t.Fatal(err)
		}
		two, err := a.PurposeKey(ctx, db, "two")
		if err != nil {
			t.Fatal(err)
		}
		site, err := b.SiteKey(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != 32 || len(site) != 32 {
			t.Fatalf("key lengths %d, %d", len(one), len(site))
		}
		if !bytes.Equal(inTx, one) {
			t.Errorf("two instances derive different keys for one purpose")
		}
		if bytes.Equal(one, two) || bytes.Equal(one, site) {
			t.Errorf("a purpose key equals another purpose's or the site key")
		}
	})
}
