package store

// Version 19: users carry their folded name (textfold.Fold: lower case,
// diacritics stripped), so user autocomplete matches the typed prefix and
// orders in SQL through an index instead of folding candidates in Go. The
// column compares bytewise on both stores (PostgreSQL's "C" collation,
// SQLite's BINARY), which is what a prefix range needs. NULL means "not
// folded yet": package people fills those rows at start-up
// (people.FoldUserNames) and writes the column with every name.
func init() {
	migrations = append(migrations, migration{
		Version: 19,
		SQLiteOnly: `ALTER TABLE users ADD COLUMN name_fold TEXT;
CREATE INDEX users_name_fold ON users(name_fold, id);`,
		PostgresOnly: `ALTER TABLE users ADD COLUMN name_fold TEXT COLLATE "C";
CREATE INDEX users_name_fold ON users(name_fold, id);`,
	})
}
