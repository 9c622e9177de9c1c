package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// TestWireFormIsTheSameBytes: writeJSON swaps tickets and users for their wire
// form to encode them faster; the bytes must be exactly what each record's
// MarshalJSON writes, for every shape a body carries them in.
func TestWireFormIsTheSameBytes(t *testing.T) {
	now := desk.Time{Time: time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)}
	group := int64(7)
	full := desk.Ticket{ID: 1, Subject: "<b>x</b> & \"y\"", Tags: []string{"a"}, GroupID: &group, CreatedAt: now, UpdatedAt: now}
	bare := desk.Ticket{ID: 2} // nil lists and maps: filled by Wire
	u1 := desk.User{ID: 3, Name: "Zażółć", Tags: []string{"vip"}}
	u2 := desk.User{ID: 4}
	bodies := map[string]func() map[string]any{
		"pointer lists": func() map[string]any {
			return map[string]any{"tickets": []*desk.Ticket{&full, &bare}, "users": []*desk.User{&u1, &u2}, "count": 2}
		},
		"value lists": func() map[string]any {
			return map[string]any{"tickets": []desk.Ticket{full, bare}, "users": []desk.User{u1, u2}}
		},
		"empty and nil lists": func() map[string]any {
			return map[string]any{"tickets": []*desk.Ticket{}, "users": []desk.User(nil), "more": []*desk.Ticket(nil)}
		},
		"a nil record": func() map[string]any {
			return map[string]any{"tickets": []*desk.Ticket{&full, nil}}
		},
		"hostile values and keys": func() map[string]any {
			odd := desk.Ticket{ID: -1, Subject: "bad \xff utf8 \u2028 <script>", Tags: []string{}, SatisfactionRating: map[string]any{"score": "good"},
				CustomFields: []desk.CustomFieldValue{{ID: 1, Value: 1e21}, {ID: 2, Value: []any{"<", nil}}}, Via: desk.Via{Source: desk.ViaSource{From: map[string]any{"&": 1.5}}}}
			return map[string]any{"tickets": []desk.Ticket{odd}, "<k&>": "\u2029", "": nil, "users": []desk.UserWire{desk.UserWire(u1)}, "wire": []desk.TicketWire{desk.TicketWire(odd)}}
		},
		"single records": func() map[string]any {
			return map[string]any{"ticket": full, "user": &u2}
		},
	}
	for name, body := range bodies {
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(body()); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		if err := writeJSON(rec, 200, body()); err != nil {
			t.Fatal(err)
		}
		if got := rec.Body.String(); got != want.String() {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want.String())
		}
	}
	for _, v := range []any{map[string]any(nil), map[string]any{}, []int{1}} {
		rec := httptest.NewRecorder()
		if err := writeJSON(rec, 200, v); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(v)
		if got := rec.Body.String(); got != string(want)+"\n" {
			t.Errorf("%#v: got %q want %q", v, got, want)
		}
	}
	// The hand encoder wrote every record above (otherwise the test proves
	// nothing new); a nil record, list or pointer is left to encoding/json.
	for name, body := range bodies {
		for k, v := range body() {
			handled := records(v) != nil
			leftToJSON := k == "count" || k == "<k&>" || k == "" || name == "a nil record" || name == "empty and nil lists" && k != "tickets"
			if handled == leftToJSON {
				t.Errorf("%s: %q (%T): written by the hand encoder = %v", name, k, v, handled)
			}
		}
	}
	if records([]desk.TicketWire{{}}) == nil || records([]desk.UserWire{}) == nil || records((*desk.Ticket)(nil)) != nil {
		t.Error("wire lists go to the hand encoder, a nil ticket to encoding/json")
	}
}
