package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/search"
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

// TestSearchResultIsTheSameBytes: a search hit is written by the hand
// encoder after its result_type; the bytes are what encoding/json writes for
// the record with result_type spliced in front (the form before the hand
// encoder), for tickets, users and organizations with hostile text.
func TestSearchResultIsTheSameBytes(t *testing.T) {
	now := desk.Time{Time: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	hostile := "<script>alert(1)</script> & \u2028 \"q\" \xff zażółć"
	tk := &desk.Ticket{ID: 9, Subject: hostile, Description: hostile, Tags: []string{"<b>"}, CreatedAt: now, UpdatedAt: now,
		CustomFields: []desk.CustomFieldValue{{ID: 1, Value: hostile}}}
	us := &desk.User{ID: 10, Name: hostile, Email: "a&b@example.com", CreatedAt: now}
	org := &desk.Organization{ID: 11, Name: hostile}
	r := httptest.NewRequest("GET", "http://desk.example/api/v2/search.json?query=x", nil)
	s := &Server{}
	for _, c := range []struct {
		typ string
		res search.Result
		rec func() any
	}{
		{"ticket", search.Result{Type: "ticket", ID: 9, Ticket: tk}, func() any { w := tk.Wire(); return w }},
		{"user", search.Result{Type: "user", ID: 10, User: us}, func() any { w := us.Wire(); return w }},
		{"organization", search.Result{Type: "organization", ID: 11, Organization: org}, func() any { return org }},
	} {
		got, err := s.searchResult(r, c.res)
		if err != nil {
			t.Fatal(err)
		}
		// The record now carries the URLs searchResult filled in.
		b, err := json.Marshal(c.rec())
		if err != nil {
			t.Fatal(err)
		}
		want := `{"result_type":"` + c.typ + `",` + string(b[1:])
		if string(got) != want {
			t.Errorf("%s:\n got %s\nwant %s", c.typ, got, want)
		}
		if !json.Valid(got) {
			t.Errorf("%s: invalid JSON %s", c.typ, got)
		}
	}
	// A page of hits: writeJSON copies them as they are; encoding/json,
	// which compacts each one again, writes the same bytes.
	hits, err := s.searchResults(r, []search.Result{{Type: "ticket", ID: 9, Ticket: tk}, {Type: "user", ID: 10, User: us}})
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"results": hits, "count": 2, "facets": nil}
	var want bytes.Buffer
	if err := json.NewEncoder(&want).Encode(body); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := writeJSON(rec, 200, body); err != nil {
		t.Fatal(err)
	}
	if rec.Body.String() != want.String() {
		t.Errorf("page of hits:\n got %s\nwant %s", rec.Body, want.String())
	}
	if records(hits) == nil {
		t.Error("search hits are left to encoding/json: the test above proves nothing new")
	}
}

// TestWriteJSONEncodesBeforeTheStatus: an answer carries its length (not
// chunks), and a body that cannot be encoded is returned as an error with
// nothing written, so the caller can still answer with an error status
// instead of a 200 with an empty body.
func TestWriteJSONEncodesBeforeTheStatus(t *testing.T) {
	for name, v := range map[string]any{
		"map":     map[string]any{"ticket": desk.Ticket{ID: 1}, "count": 1},
		"not map": []int{1, 2},
		"nil map": map[string]any(nil),
	} {
		rec := httptest.NewRecorder()
		if err := writeJSON(rec, 201, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, _ := json.Marshal(v)
		want = append(want, '\n')
		if rec.Code != 201 || rec.Body.String() != string(want) || rec.Header().Get("Content-Length") != strconv.Itoa(len(want)) ||
			rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s: %d %q %v, want 201 %q", name, rec.Code, rec.Body.String(), rec.Header(), want)
		}
	}
	for name, v := range map[string]any{
		"map":     map[string]any{"bad": func() {}},
		"not map": make(chan int),
	} {
		rec := httptest.NewRecorder()
		if err := writeJSON(rec, 200, v); err == nil {
			t.Fatalf("%s: no error", name)
		}
		if rec.Body.Len() != 0 || len(rec.Header()) != 0 || rec.Flushed {
			t.Fatalf("%s: an unencodable body wrote %q %v", name, rec.Body.String(), rec.Header())
		}
	}
}
