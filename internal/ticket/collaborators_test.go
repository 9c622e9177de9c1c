package ticket

import (
	"encoding/json"
	"slices"
	"testing"
)

// Bulk jobs store ticket.Input as JSON: collaborator references must come
// back as they went in.
func TestCollaboratorRefJSON(t *testing.T) {
	var in Input
	if err := json.Unmarshal([]byte(`{"collaborators":[7,"8","a@example.com",{"name":"B","email":"b@example.com"}]}`), &in); err != nil {
		t.Fatal(err)
	}
	want := []CollaboratorRef{{ID: 7}, {ID: 8}, {Email: "a@example.com"}, {Name: "B", Email: "b@example.com"}}
	if !slices.Equal(*in.Collaborators, want) {
		t.Fatalf("decoded %+v", *in.Collaborators)
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var back Input
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if !slices.Equal(*back.Collaborators, want) {
		t.Errorf("round trip %s → %+v", b, *back.Collaborators)
	}
	for _, bad := range []string{`[true]`, `[0]`, `[-3]`, `["nobody"]`, `[{"name":"x"}]`, `[1.5]`} {
		var in Input
		if err := json.Unmarshal([]byte(`{"collaborators":`+bad+`}`), &in); err == nil {
			t.Errorf("%s accepted: %+v", bad, in.Collaborators)
		}
	}
}
