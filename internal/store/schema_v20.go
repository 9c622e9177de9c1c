package store

// Version 20: "require an assignee to solve" (off by default, so tickets
// could be solved unassigned) becomes Zendesk's "assign tickets upon solve"
// (on by default; a solved ticket always has an assignee). An install that
// had asked for an assignee keeps refusing to solve unassigned tickets:
// assign-on-solve is stored off for it. The old key goes.
func init() {
	migrations = append(migrations, migration{
		Version: 20,
		SQL: `
INSERT INTO settings (key, value)
  SELECT 'tickets.assign_on_solve', 'false' FROM settings
  WHERE key = 'tickets.require_assignee_to_solve' AND value = 'true'
  ON CONFLICT (key) DO NOTHING;
DELETE FROM settings WHERE key = 'tickets.require_assignee_to_solve';
`,
	})
}
