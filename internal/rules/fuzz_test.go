package rules

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// FuzzConditions feeds arbitrary JSON to the decoder, the validator of
// every kind, the matcher and the SQL compiler: none may panic, a rule the
// validator accepts for a SQL kind must compile, and what decodes must
// re-encode and decode to the same conditions.
func FuzzConditions(f *testing.F) {
	for _, s := range []string{
		`{"all":[{"field":"status","operator":"is","value":"open"}],"any":[]}`,
		`{"all":[{"field":"status","operator":"less_than","value":"solved"},{"field":"hours_since_pending","operator":"greater_than","value":120}]}`,
		`{"any":[{"field":"current_tags","operator":"includes","value":"vip gold"},{"field":"custom_fields_55","operator":"is","value":true}]}`,
		`{"all":[{"field":"comment_includes_word","operator":"includes","value":["fire","smoke"]}]}`,
		`{"all":[{"field":"assignee_id","operator":"is","value":"current_user"},{"field":"locale_id","operator":"is","value":1}]}`,
		`{"all":[{"field":"via_id","operator":"is","value":4},{"field":"priority","operator":"value_previous","value":null}]}`,
		`{"all":[{"field":"x","operator":"y","value":{"a":[1,2]}}]}`,
		`{"all":"nope"}`, `null`, `[]`, `{"all":[{"field":"status"}],"extra":1}`, `{"all":[{"value":1e400}]}`,
	} {
		f.Add([]byte(s))
	}
	r := NewRegistry()
	subj := &Subject{Change: &desk.TicketChange{Kind: desk.ChangeUpdate, Before: &desk.Ticket{Status: desk.StatusNew},
		After: &desk.Ticket{ID: 1, Status: desk.StatusOpen, Tags: []string{"vip"}}}, Now: time.Now()}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeConditions(data)
		if err != nil {
			return
		}
		r.Match(subj, c)
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		c2, err := DecodeConditions(b)
		if err != nil {
			t.Fatalf("decode of own encoding %s: %v", b, err)
		}
		b2, _ := json.Marshal(c2)
		if string(b) != string(b2) {
			t.Fatalf("round trip: %s != %s", b, b2)
		}
		for _, kind := range AllKinds {
			if err := r.Validate(context.Background(), kind, c, []Action{{Field: "status", Value: "open"}}); err != nil {
				if desk.ErrorCode(err) != desk.EINVALID {
					t.Fatalf("validate %s: %v is not a validation error", kind, err)
				}
				continue
			}
			if kind == KindAutomation || kind == KindView || kind == KindSLAPolicy {
				if _, err := r.Compile(&SQL{Now: time.Now(), CurrentUserID: 1}, c); err != nil {
					t.Fatalf("%s accepted %s but it does not compile: %v", kind, b, err)
				}
			}
		}
	})
}

// FuzzActions: the action decoder and validator never panic.
func FuzzActions(f *testing.F) {
	for _, s := range []string{
		`[{"field":"status","value":"solved"}]`,
		`[{"field":"notification_user","value":["requester_id","Hi {{ticket.id}}","Body"]}]`,
		`[{"field":"notification_email","value":["a@example.com, b@example.com","s","b"]}]`,
		`[{"field":"custom_fields_1","value":["a","b"]},{"field":"set_tags","value":"x y"}]`,
		`[{"field":"assignee_id","value":"current_user"}]`, `{}`, `[{"field":1}]`,
	} {
		f.Add([]byte(s))
	}
	r := NewRegistry()
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeActions(data)
		if err != nil {
			return
		}
		for _, kind := range AllKinds {
			var v desk.Validation
			_ = r.ValidateActions(context.Background(), &v, "actions", kind, a)
		}
	})
}

// FuzzRender: placeholders never panic and HTML output never carries a
// raw '<' from the template or a value.
func FuzzRender(f *testing.F) {
	f.Add("Hi {{ticket.requester.first_name}}, <b>{{ticket.title}}</b> {{ticket.ticket_field_5}} {{", "A <script> & co")
	r := NewRegistry()
	f.Fuzz(func(t *testing.T, tmpl, title string) {
		d := &PlaceholderData{Ticket: &desk.Ticket{ID: 3, Subject: title, CustomFields: []desk.CustomFieldValue{{ID: 5, Value: title}}},
			Requester: &Person{Name: title}}
		out := r.Render(tmpl, d, true)
		for i := 0; i < len(out); i++ {
			if out[i] == '<' || out[i] == '>' {
				t.Fatalf("unescaped markup in %q", out)
			}
		}
		r.Render(tmpl, d, false)
	})
}
