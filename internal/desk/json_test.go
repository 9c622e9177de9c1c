package desk

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestMarshalFillsEmpty: a record some code path left with nil lists and
// maps encodes exactly as a stored one does ([] and {}, never null), and
// fields always mirrors custom_fields.
func TestMarshalFillsEmpty(t *testing.T) {
	for _, c := range []struct {
		v    any
		want []string
	}{
		{&Ticket{ID: 1}, []string{`"collaborator_ids":[]`, `"follower_ids":[]`, `"email_cc_ids":[]`, `"tags":[]`,
			`"custom_fields":[]`, `"fields":[]`, `"source":{"from":{},"to":{}`}},
		{Ticket{CustomFields: []CustomFieldValue{{ID: 7, Value: "x"}}}, []string{`"custom_fields":[{"id":7,"value":"x"}]`, `"fields":[{"id":7,"value":"x"}]`}},
		{&User{ID: 1}, []string{`"tags":[]`, `"user_fields":{}`}},
		{&Organization{ID: 1}, []string{`"tags":[]`, `"domain_names":[]`, `"organization_fields":{}`}},
	} {
		b, err := json.Marshal(c.v)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%T: %s lacks %s", c.v, b, w)
			}
		}
	}
}
