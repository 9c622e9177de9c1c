package ticket

import (
	"encoding/json"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// TestEmptyViaSourceConstant: scanTicket skips decoding the stored form of an
// empty source; that is only right while the constant is what encoding an
// empty source writes.
func TestEmptyViaSourceConstant(t *testing.T) {
	b, err := json.Marshal(desk.ViaSource{From: map[string]any{}, To: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != emptyViaSource {
		t.Fatalf("an empty source encodes as %s, scanTicket skips %s", b, emptyViaSource)
	}
	if got := decodeCustomFields("{}"); got == nil || len(got) != 0 {
		t.Fatalf("decodeCustomFields({}) = %#v, want an empty non-nil list", got)
	}
}
