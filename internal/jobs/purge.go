package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Retention is how long finished jobs stay in the jobs table. Completed
// jobs are only history (every scheduled tick leaves one, e.g. a delivery
// round every 30 s); discarded jobs (failed for good) are kept longer, for
// whoever investigates why.
type Retention struct {
	Completed time.Duration
	Failed    time.Duration
}

// DefaultRetention keeps completed jobs a week and failed ones a month.
var DefaultRetention = Retention{Completed: 7 * 24 * time.Hour, Failed: 30 * 24 * time.Hour}

// JobPurgeFinished is the job kind of the recurring purge (see
// server.registerSchedules).
const JobPurgeFinished = "jobs.purge_finished"

// purgeBatch bounds one DELETE, so a first purge of a long-grown table
// does not hold the store's write lock for long.
const purgeBatch = 5000

// PurgeFinished deletes completed jobs that finished before now minus
// r.Completed and discarded ones that finished before now minus r.Failed;
// jobs waiting or running are never touched. A zero or negative duration
// keeps that kind for ever. It returns how many rows it deleted.
func PurgeFinished(ctx context.Context, db *store.DB, now time.Time, r Retention) (int64, error) {
	var total int64
	for _, p := range []struct {
		state string
		keep  time.Duration
	}{{stateCompleted, r.Completed}, {stateDiscarded, r.Failed}} {
		if p.keep <= 0 {
			continue
		}
		n, err := purgeState(ctx, db, p.state, now.Add(-p.keep).UnixMicro())
		total += n
		if err != nil {
			return total, fmt.Errorf("jobs: purging %s jobs: %w", p.state, err)
		}
	}
	return total, nil
}

// The states of a finished job.
const (
	stateCompleted = "completed"
	stateDiscarded = "discarded"
)

// purgeState deletes, batch by batch, the jobs in state finished before
// cutoff (microseconds).
func purgeState(ctx context.Context, db *store.DB, state string, cutoff int64) (int64, error) {
	var total int64
	for {
		res, err := db.Exec(ctx, `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = ? AND finished_at < ? ORDER BY id LIMIT ?)`,
			state, cutoff, purgeBatch)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}
