package deliver

import (
	"context"
)

// Kick asks Run for a delivery round now, so mail queued by a reply need
// not wait for the next scheduled round (email.deliver, every 30 seconds).
// It never blocks; kicks that come while a round is due fold into it.
func (d *Deliverer) Kick() {
	select {
	case d.kicks() <- struct{}{}:
	default:
	}
}

func (d *Deliverer) kicks() chan struct{} {
	d.kickOnce.Do(func() { d.kick = make(chan struct{}, 1) })
	return d.kick
}

// Run delivers a round after each Kick until ctx ends. A round claims its
// messages with a lease (Outbox.Due), so a round here and a scheduled one,
// on this instance or another, never send one message twice. A failed
// round leaves its messages to their back-off and the scheduled rounds.
func (d *Deliverer) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.kicks():
		}
		res, err := d.DeliverDue(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			d.log().Warn("delivering queued mail", "err", err)
		case res != (Result{}):
			d.log().Info("delivered mail", "result", res.String())
		}
	}
}
