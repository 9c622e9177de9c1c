package store

// Version 37: the SLA policy a trigger set on a ticket (package sla): it
// takes the place of the policies' filters for that ticket until the
// ticket or the policy is deleted.
func init() {
	migrations = append(migrations, migration{
		Version: 37,
		SQL: `
CREATE TABLE ticket_sla_policies (
	ticket_id BIGINT PRIMARY KEY,
	policy_id BIGINT NOT NULL,
	set_at BIGINT NOT NULL
);
CREATE INDEX ticket_sla_policies_policy ON ticket_sla_policies(policy_id);
`,
	})
}
