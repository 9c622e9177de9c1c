package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// inTxPostgres runs fn in a PostgreSQL transaction on a connection of the
// pool. Every statement is a round trip, and round trips are what bounds
// ticket creates on PostgreSQL (BENCHMARKS.md), so BEGIN does not travel
// alone: it goes in one pipeline with the read of the configuration epoch
// (ConfigEpoch), which every ticket change needs. The statements of fn then
// run on the connection as on a *sql.Tx (with pgx's statement cache), and
// the transaction ends with COMMIT or ROLLBACK sent here; a connection whose
// ROLLBACK fails is closed rather than returned to the pool mid-transaction.
func (db *DB) inTxPostgres(ctx context.Context, fn func(*Tx) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	traced(ctx, "BEGIN")
	tx := &Tx{db: db, tx: conn}
	withEpoch := db.epochReady.Load()
	var epoch int64
	err = conn.Raw(func(dc any) error { return beginPG(ctx, dc.(*stdlib.Conn).Conn(), withEpoch, &epoch) })
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if withEpoch {
		tx.SetValue(epochKey{}, epoch)
	}
	if err := safeCall(fn, tx); err != nil {
		_ = conn.Raw(func(dc any) error { return rollback(dc.(*stdlib.Conn).Conn()) })
		return err
	}
	if err := ctx.Err(); err != nil {
		// As sql.Tx: a transaction whose caller gave up is not committed.
		_ = conn.Raw(func(dc any) error { return rollback(dc.(*stdlib.Conn).Conn()) })
		return err
	}
	traced(ctx, "COMMIT")
	if err := conn.Raw(func(dc any) error { return commitPG(dc.(*stdlib.Conn).Conn()) }); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, h := range tx.hooks {
		h()
	}
	return nil
}

// rollback ends the connection's transaction. When that fails the
// connection's state is unknown, so it is reported bad: database/sql
// closes it instead of handing it to the next caller.
func rollback(pc *pgx.Conn) error {
	if _, err := pc.Exec(context.Background(), "ROLLBACK"); err != nil {
		return driver.ErrBadConn
	}
	return nil
}

// beginPG starts a transaction on pc and, withEpoch (the store is
// migrated), reads the configuration epoch in the same round trip.
func beginPG(ctx context.Context, pc *pgx.Conn, withEpoch bool, epoch *int64) error {
	if !withEpoch {
		_, err := pc.Exec(ctx, "BEGIN")
		return err
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SELECT n FROM config_epoch WHERE id = 1")
	br := pc.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(epoch)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil && pc.PgConn().TxStatus() != 'I' {
		return errors.Join(err, rollback(pc))
	}
	return err
}

// commitPG commits pc's transaction. COMMIT of a transaction that a failed
// statement aborted answers ROLLBACK, without an error: that is one.
func commitPG(pc *pgx.Conn) error {
	tag, err := pc.Exec(context.Background(), "COMMIT")
	if err != nil {
		if pc.PgConn().TxStatus() != 'I' {
			return errors.Join(err, rollback(pc))
		}
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}
