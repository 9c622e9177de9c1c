package webhook_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// TestEraseTx: the erased person's terms leave every delivery payload
// (JSON ones stay valid JSON) and every recorded response and error;
// payloads that do not name them are untouched, byte for byte.
func TestEraseTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		box, err := secrets.NewBox(make([]byte, secrets.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		svc := webhook.New(db, box, settings.New(db, events.New()), slog.New(slog.DiscardHandler))
		bodies := []string{
			`{"detail":{"requester":{"name":"Brunhilde Oakcastle","email":"brunhilde@oak.test"}},"n":1}`,
			`Plain text: ticket from BRUNHILDE OAKCASTLE`,
			`{"untouched": "nothing to see", "n": 2}`,
		}
		for i, b := range bodies {
			if _, err := db.Exec(ctx, `INSERT INTO webhook_invocations (webhook_id, message_id, event_type, body, created_at, updated_at) VALUES (1, ?, 'e', ?, 1, 1)`,
				"m"+string(rune('a'+i)), b); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(ctx, `INSERT INTO webhook_attempts (invocation_id, webhook_id, attempt, response, error, created_at) VALUES (1, 1, 1, ?, ?, 1)`,
			`{"echo":"Brunhilde Oakcastle"}`, `endpoint said brunhilde@oak.test is unknown`); err != nil {
			t.Fatal(err)
		}
		terms := []string{"Brunhilde Oakcastle", "Brunhilde", "Oakcastle", "brunhilde@oak.test"}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return svc.EraseTx(ctx, tx, 9, terms) }); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(ctx, `SELECT body FROM webhook_invocations ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
		rows.Close()
		var resp, errText string
		if err := db.QueryRow(ctx, `SELECT response, error FROM webhook_attempts`).Scan(&resp, &errText); err != nil {
			t.Fatal(err)
		}
		for _, s := range append(got, resp, errText) {
			if l := strings.ToLower(s); strings.Contains(l, "brunhilde") || strings.Contains(l, "oakcastle") {
				t.Errorf("still names them: %s", s)
			}
		}
		if !json.Valid([]byte(got[0])) || !strings.Contains(got[0], `"n":1`) {
			t.Errorf("JSON payload: %s", got[0])
		}
		if !strings.HasPrefix(got[1], "Plain text: ticket from ") {
			t.Errorf("text payload: %s", got[1])
		}
		if got[2] != bodies[2] {
			t.Errorf("an unrelated payload changed: %s", got[2])
		}
	})
}
