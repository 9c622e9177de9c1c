package store

// Version 72: the live chat's pre-chat form, configured per widget key
// (package chat). form_name and form_question are "required", "optional"
// or "hidden" (the email is always required: the reply and the transcript
// go there). form_groups lists the ids of the groups the visitor may
// choose from, in order, comma-separated ("" = no choice: the key's own
// group); the chosen group is where the chat is routed.
func init() {
	migrations = append(migrations, migration{
		Version: 72,
		SQL: `
ALTER TABLE chat_widget_keys ADD COLUMN form_name TEXT NOT NULL DEFAULT 'required';
ALTER TABLE chat_widget_keys ADD COLUMN form_question TEXT NOT NULL DEFAULT 'required';
ALTER TABLE chat_widget_keys ADD COLUMN form_groups TEXT NOT NULL DEFAULT '';
`,
	})
}
