package store

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
		SQLiteOnly: `
CREATE TRIGGER triggers_epoch_ins AFTER INSERT ON triggers BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER triggers_epoch_upd AFTER UPDATE ON triggers BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER triggers_epoch_del AFTER DELETE ON triggers BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER trigger_categories_epoch_ins AFTER INSERT ON trigger_categories BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER trigger_categories_epoch_upd AFTER UPDATE ON trigger_categories BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER trigger_categories_epoch_del AFTER DELETE ON trigger_categories BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER ticket_forms_epoch_ins AFTER INSERT ON ticket_forms BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER ticket_forms_epoch_upd AFTER UPDATE ON ticket_forms BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER ticket_forms_epoch_del AFTER DELETE ON ticket_forms BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER email_mailboxes_epoch_ins AFTER INSERT ON email_mailboxes BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER email_mailboxes_epoch_upd AFTER UPDATE ON email_mailboxes BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER email_mailboxes_epoch_del AFTER DELETE ON email_mailboxes BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER webhooks_epoch_ins AFTER INSERT ON webhooks BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER webhooks_epoch_upd AFTER UPDATE OF status, subscriptions ON webhooks BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER webhooks_epoch_del AFTER DELETE ON webhooks BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER sla_policies_epoch_ins AFTER INSERT ON sla_policies BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER sla_policies_epoch_upd AFTER UPDATE ON sla_policies BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
CREATE TRIGGER sla_policies_epoch_del AFTER DELETE ON sla_policies BEGIN UPDATE config_epoch SET n = random() WHERE id = 1; END;
`,
		PostgresOnly: `
CREATE SEQUENCE config_epoch_seq START 2;
CREATE FUNCTION config_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE config_epoch SET n = nextval('config_epoch_seq') WHERE id = 1; RETURN NULL; END $$;
CREATE TRIGGER triggers_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON triggers FOR EACH STATEMENT EXECUTE FUNCTION config_epoch_bump();
CREATE TRIGGER trigger_categories_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON trigger_categories FOR EACH STATEMENT EXECUTE FUNCTION config_epoch_bump();
CREATE TRIGGER ticket_forms_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ticket_forms FOR EACH STATEMENT EXECUTE FUNCTION config_epoch_bump();
CREATE TRIGGER email_mailboxes_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON email_mailboxes FOR EACH STATEMENT EXECUTE FUNCTION config_epoch_bump();
CREATE TRIGGER webhooks_epoch AFTER INSERT OR UPDATE OF status, subscriptions OR DELETE OR TRUNCATE ON webhooks FOR EACH STATEMENT EXECUTE FUNCTION config_epoch_bump();
CREATE TRIGGER sla_policies_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_policies FOR EACH STATEMENT EXECUTE FUNCTION config_epoch_bump();
`,
	})
}
