package notify

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// BenchmarkRenderWithOverride: one notification's rendering inside a
// ticket change when an admin's template is in force (a lookup of the
// override, then the cached parse).
func BenchmarkRenderWithOverride(b *testing.B) {
	db := storetest.SQLite(b)
	admin := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 1, Role: desk.RoleAdmin})
	err := (&Templates{DB: db}).Save(admin, KindPublicReply, "en", Source{Subject: "Re: {{.Subject}}",
		Text: "{{.AuthorName}} wrote:\n{{.Body}}" + historyText, HTML: "<p>{{.AuthorName}} wrote:</p><p>{{.Body}}</p>" + historyHTML})
	if err != nil {
		b.Fatal(err)
	}
	n := &Notifier{}
	d := samples("en")[0]
	ctx := context.Background()
	for b.Loop() {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, _, err := n.render(ctx, tx, "en-GB", KindPublicReply, d)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
