package desk

import (
	"encoding/json"
	"testing"
)

func TestCan(t *testing.T) {
	custom := Permissions{TicketAccess: TicketAccessGroups, MergeTickets: true}
	cases := []struct {
		name string
		p    *Principal
		want Permissions
	}{
		{"anonymous", nil, Permissions{}},
		{"system", &Principal{System: true}, AllPermissions()},
		{"admin", &Principal{Role: RoleAdmin}, AllPermissions()},
		// A stored set never narrows or widens an admin or an end-user.
		{"admin with a set", &Principal{Role: RoleAdmin, Perms: &custom}, AllPermissions()},
		{"end-user with a set", &Principal{Role: RoleEndUser, Perms: &custom}, Permissions{}},
		{"agent", &Principal{Role: RoleAgent}, AgentPermissions()},
		{"agent with a custom role", &Principal{Role: RoleAgent, Perms: &custom}, custom},
		{"end-user", &Principal{Role: RoleEndUser}, Permissions{}},
	}
	for _, c := range cases {
		if got := c.p.Can(); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	if (Permissions{}) != (Permissions{TicketAccess: ""}) || LightAgentPermissions().PublicComments || LightAgentPermissions().EditTicketProperties {
		t.Fatal("light agents may only look and add notes")
	}
}

// TestPrincipalJSON: bulk jobs store the principal as JSON and act as it
// later; the role's permissions and the read-only flag must survive.
func TestPrincipalJSON(t *testing.T) {
	perms := Permissions{TicketAccess: TicketAccessAssigned, EditTicketProperties: true}
	in := Principal{UserID: 7, Role: RoleAgent, Perms: &perms, ReadOnly: true, Via: "api"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Principal
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Perms == nil || *out.Perms != perms || !out.ReadOnly || out.Can() != perms {
		t.Fatalf("round trip %s -> %+v", b, out)
	}
}

func TestParsePermissions(t *testing.T) {
	if p := ParsePermissions("not json"); p != (Permissions{}) {
		t.Fatalf("garbage grants %+v", p)
	}
	if p := ParsePermissions(`{"ticket_access": "everything", "delete_tickets": true}`); p.TicketAccess != "" || !p.DeleteTickets {
		t.Fatalf("unknown scope kept: %+v", p)
	}
	if p := ParsePermissions(`{"ticket_access": "within-groups"}`); p.TicketAccess != TicketAccessGroups {
		t.Fatalf("Zendesk spelling: %+v", p)
	}
	if ParsePermissions(AllPermissions().String()) != AllPermissions() {
		t.Fatal("String/ParsePermissions do not round-trip")
	}
}
