package jobs

import "database/sql"

var errNoRows = sql.ErrNoRows
