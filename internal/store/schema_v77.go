package store

import (
	"fmt"
	"strings"
)

// Version 77: the configuration epoch (see ConfigEpoch).
//
// Every ticket change reads configuration — the active triggers, the
// default form, the default support address, the subscribed webhooks, the
// SLA policies. Services keep those in memory, and config_epoch's one row
// says whether what they hold is still current: a trigger on each of
// those tables gives n a new value in the same transaction as the change,
// so a transaction that reads n sees the value of the configuration it
// reads, on every instance, with no message to wait for. The value is
// never one seen before, even after a rollback: random on SQLite, a
// sequence (not rolled back) on PostgreSQL — so what a cache filled from
// a change that was later rolled back can never match again.
//
// Updates that do not change what the create path reads (a webhook's
// failure count) do not move it.
func init() {
	migrations = append(migrations, migration{
		Version: 77,
		SQL: `
CREATE TABLE config_epoch (
	id INTEGER PRIMARY KEY,
	n BIGINT NOT NULL
);
INSERT INTO config_epoch (id, n) VALUES (1, 1);
`,
		SQLiteOnly: epochTriggersSQLite(),
		PostgresOnly: `
CREATE SEQUENCE config_epoch_seq START 2;
CREATE FUNCTION config_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE config_epoch SET n = nextval('config_epoch_seq') WHERE id = 1; RETURN NULL; END $$;
` + epochTriggersPostgres(),
	})
}

// epochTables are the tables whose changes move the configuration epoch,
// each with the UPDATE that does (" OF columns" for a table only some of
// whose columns the create path reads). The triggers of both dialects are
// made from this one list; their text is part of migration 77 as applied
// (and of SchemaDigest), so it must not change.
var epochTables = []struct{ table, update string }{
	{"triggers", "UPDATE"},
	{"trigger_categories", "UPDATE"},
	{"ticket_forms", "UPDATE"},
	{"email_mailboxes", "UPDATE"},
	{"webhooks", "UPDATE OF status, subscriptions"},
	{"sla_policies", "UPDATE"},
}

// epochTriggersSQLite: one trigger per table and event, each giving n a
// random new value.
func epochTriggersSQLite() string {
	var b strings.Builder
	b.WriteString("\n")
	for _, t := range epochTables {
		for _, ev := range []struct{ suffix, event string }{{"ins", "INSERT"}, {"upd", t.update}, {"del", "DELETE"}} {
			fmt.Fprintf(&b, "CREATE TRIGGER %s_epoch_%s AFTER %s ON %s BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;\n", t.table, ev.suffix, ev.event, t.table)
		}
	}
	return b.String()
}

// epochTriggersPostgres: one statement trigger per table calling
// config_epoch_bump.
func epochTriggersPostgres() string {
	var b strings.Builder
	for _, t := range epochTables {
		fmt.Fprintf(&b, "CREATE TRIGGER %s_epoch AFTER INSERT OR %s OR DELETE OR TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION config_epoch_bump();\n", t.table, t.update, t.table)
	}
	return b.String()
}
