package pgrelay_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/events/pgrelay"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// instance is one process's bus joined to the others through a relay.
type instance struct {
	db    *store.DB
	bus   *events.Bus
	relay *pgrelay.Relay
	got   chan events.Event
}

func join(t *testing.T, ctx context.Context, db *store.DB, url string) *instance {
	t.Helper()
	in := &instance{db: db, bus: events.New(), got: make(chan events.Event, 100)}
	r, err := pgrelay.New(ctx, db, url, in.bus, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.MinBackoff = 20 * time.Millisecond
	in.relay = r
	in.bus.SetRelay(r)
	in.bus.Subscribe(func(e events.Event) { in.got <- e })
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { <-done })
	select {
	case <-r.Listening():
	case <-time.After(20 * time.Second):
		t.Fatal("relay never started listening")
	}
	return in
}

// pair joins two instances and waits until each knows of the other (until
// then a relay that believes itself alone sends nothing).
func pair(t *testing.T, ctx context.Context, dbA, dbB *store.DB, url string) (*instance, *instance) {
	t.Helper()
	a := join(t, ctx, dbA, url)
	b := join(t, ctx, dbB, url)
	deadline := time.Now().Add(20 * time.Second)
	for a.relay.Peers() == 0 || b.relay.Peers() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the relays never met: peers %d and %d", a.relay.Peers(), b.relay.Peers())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return a, b
}

// next returns the next event of one of the given types, skipping others.
func (in *instance) next(t *testing.T, types ...string) events.Event {
	t.Helper()
	for {
		select {
		case e := <-in.got:
			for _, ty := range types {
				if e.Type == ty {
					return e
				}
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no %v event", types)
		}
	}
}

func TestEventsCrossInstancesOnlyOnCommit(t *testing.T) {
	dbA, dbB, url := storetest.PostgresShared(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := pair(t, ctx, dbA, dbB, url)
	if a.relay.Origin() == b.relay.Origin() {
		t.Fatal("two processes share an origin id")
	}

	// A committed event: local delivery on A (no origin), relayed to B
	// (A's origin).
	if err := dbA.InTx(ctx, func(tx *store.Tx) error {
		return a.bus.PublishTx(ctx, tx, events.Event{Type: events.TicketCreated, TicketID: 42, GroupID: 7, ActorID: 3, Payload: []byte(`{"encoded":"once"}`)})
	}); err != nil {
		t.Fatal(err)
	}
	// The pre-encoded payload is for this process's subscribers only.
	if e := a.next(t, events.TicketCreated); e.TicketID != 42 || e.Origin != "" || string(e.Payload) != `{"encoded":"once"}` {
		t.Fatalf("local event %+v", e)
	}
	e := b.next(t, events.TicketCreated)
	if e.TicketID != 42 || e.GroupID != 7 || e.ActorID != 3 || e.Origin != a.relay.Origin() || e.Change != nil || e.Payload != nil {
		t.Fatalf("relayed event %+v", e)
	}

	// A rolled-back transaction publishes nothing, here or there.
	_ = dbA.InTx(ctx, func(tx *store.Tx) error {
		if err := a.bus.PublishTx(ctx, tx, events.Event{Type: events.TicketUpdated, TicketID: 666}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	// A marker committed after it: B hears it only after anything sent
	// before (one connection delivers in commit order).
	if err := dbA.InTx(ctx, func(tx *store.Tx) error {
		return a.bus.PublishTx(ctx, tx, events.Event{Type: events.TicketUpdated, TicketID: 43})
	}); err != nil {
		t.Fatal(err)
	}
	if e := b.next(t, events.TicketUpdated); e.TicketID != 43 {
		t.Fatalf("B heard the rolled-back event: %+v", e)
	}
	if e := a.next(t, events.TicketUpdated); e.TicketID != 43 {
		t.Fatalf("A heard the rolled-back event: %+v", e)
	}

	// B answers with a broadcast. A hears it after its own notifications
	// came back to it — which it must have dropped, not delivered twice.
	if err := b.bus.Broadcast(ctx, events.Event{Type: events.Presence, TicketID: 42, UserID: 9, Data: map[string]string{"name": "Bea"}}); err != nil {
		t.Fatal(err)
	}
	var seen []events.Event
	for {
		var e events.Event
		select {
		case e = <-a.got:
		case <-time.After(20 * time.Second):
			t.Fatal("A never heard B's broadcast")
		}
		if e.Type == events.Presence {
			if e.Origin != b.relay.Origin() || e.Data["name"] != "Bea" {
				t.Fatalf("presence %+v", e)
			}
			break
		}
		seen = append(seen, e)
	}
	if len(seen) != 0 {
		t.Fatalf("A got its own events back: %+v", seen)
	}
	// Broadcast delivers locally at once too.
	if e := b.next(t, events.Presence); e.Origin != "" {
		t.Fatalf("local broadcast %+v", e)
	}
}

func TestListenerReconnects(t *testing.T) {
	dbA, dbB, url := storetest.PostgresShared(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := pair(t, ctx, dbA, dbB, url)
	old := b.relay.ListenerPID()
	if old == 0 {
		t.Fatal("no listener pid")
	}
	var killed bool
	if err := dbA.QueryRow(ctx, `SELECT pg_terminate_backend(?)`, int64(old)).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate %d: %v %v", old, killed, err)
	}
	// B notices, reconnects, and tells its caches to re-read.
	if e := b.next(t, events.SettingsChanged); e.Data["reason"] == "" {
		t.Fatalf("resync event %+v", e)
	}
	if pid := b.relay.ListenerPID(); pid == 0 || pid == old {
		t.Fatalf("listener pid %d after reconnect (was %d)", pid, old)
	}
	if err := dbA.InTx(ctx, func(tx *store.Tx) error {
		return a.bus.PublishTx(ctx, tx, events.Event{Type: events.TicketDeleted, TicketID: 5})
	}); err != nil {
		t.Fatal(err)
	}
	if e := b.next(t, events.TicketDeleted); e.TicketID != 5 {
		t.Fatalf("after reconnect %+v", e)
	}
}

func TestOversizedDataIsDropped(t *testing.T) {
	dbA, dbB, url := storetest.PostgresShared(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := pair(t, ctx, dbA, dbB, url)
	big := strings.Repeat("x", pgrelay.MaxPayload)
	if err := a.bus.Broadcast(ctx, events.Event{Type: events.Typing, TicketID: 8, Data: map[string]string{"name": big}}); err != nil {
		t.Fatal(err)
	}
	if e := b.next(t, events.Typing); e.TicketID != 8 || e.Data != nil {
		t.Fatalf("oversized event %+v", e)
	}
}

func TestChannelPerSchema(t *testing.T) {
	if pgrelay.ChannelFor("public") != pgrelay.Channel || pgrelay.ChannelFor("t_1") == pgrelay.Channel {
		t.Fatal("schema channels")
	}
	if c := pgrelay.ChannelFor(strings.Repeat("s", 63)); len(c) > 63 {
		t.Fatalf("channel %q too long", c)
	}
}

// The events of one transaction travel together (one notification, or a
// few when they exceed MaxPayload) and all arrive, in order; a transaction
// that fails before commit — here in a BeforeCommit step after the events
// were queued — sends none of them.
func TestOneTransactionsEventsArriveTogether(t *testing.T) {
	dbA, dbB, url := storetest.PostgresShared(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := pair(t, ctx, dbA, dbB, url)

	big := strings.Repeat("x", pgrelay.MaxPayload/3) // three of these need two arrays
	if err := dbA.InTx(ctx, func(tx *store.Tx) error {
		for i := int64(1); i <= 5; i++ {
			e := events.Event{Type: events.TicketUpdated, TicketID: 100 + i}
			if i >= 3 {
				e.Data = map[string]string{"pad": big}
			}
			if err := a.bus.PublishTx(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := int64(1); i <= 5; i++ {
		if e := b.next(t, events.TicketUpdated); e.TicketID != 100+i || (i >= 3 && e.Data["pad"] != big) {
			t.Fatalf("event %d arrived as %+v", i, e.TicketID)
		}
	}

	_ = dbA.InTx(ctx, func(tx *store.Tx) error {
		if err := a.bus.PublishTx(ctx, tx, events.Event{Type: events.TicketUpdated, TicketID: 666}); err != nil {
			return err
		}
		tx.BeforeCommit(func() error { return errors.New("roll back late") })
		return nil
	})
	if err := dbA.InTx(ctx, func(tx *store.Tx) error {
		return a.bus.PublishTx(ctx, tx, events.Event{Type: events.TicketUpdated, TicketID: 200})
	}); err != nil {
		t.Fatal(err)
	}
	if e := b.next(t, events.TicketUpdated); e.TicketID != 200 {
		t.Fatalf("B heard a rolled-back event: %+v", e)
	}
}

// A relay that knows of no other instance sends nothing, so a single
// instance on PostgreSQL pays no NOTIFY per write; once another relay says
// hello it sends again, and when that relay falls silent for PeerTimeout it
// stops. A plain listener (no relay, so no hello) watches the channel.
func TestALoneRelaySendsNothing(t *testing.T) {
	dbA, dbB, url := storetest.PostgresShared(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := join(t, ctx, dbA, url)
	a.relay.PeerTimeout = 3 * time.Second // read only by Peers, called from this goroutine
	watch, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(context.Background())
	if _, err := watch.Exec(ctx, "LISTEN "+pgx.Identifier{a.relay.Channel()}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	publish := func(id int64) {
		t.Helper()
		if err := dbA.InTx(ctx, func(tx *store.Tx) error {
			return a.bus.PublishTx(ctx, tx, events.Event{Type: events.TicketUpdated, TicketID: id})
		}); err != nil {
			t.Fatal(err)
		}
	}
	// heard reports whether the watcher sees ticket id within d.
	heard := func(id int64, d time.Duration) bool {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, d)
		defer wcancel()
		for {
			n, err := watch.WaitForNotification(wctx)
			if err != nil {
				return false
			}
			if strings.Contains(n.Payload, fmt.Sprintf(`"ticket_id":%d`, id)) {
				return true
			}
		}
	}
	publish(1)
	if a.relay.Peers() != 0 || heard(1, 500*time.Millisecond) {
		t.Fatal("a relay alone sent its event")
	}
	// The watcher's connection may have been closed by the timeout above.
	watch.Close(context.Background())
	if watch, err = pgx.Connect(ctx, url); err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Exec(ctx, "LISTEN "+pgx.Identifier{a.relay.Channel()}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	bctx, bcancel := context.WithCancel(ctx)
	b := join(t, bctx, dbB, url)
	for deadline := time.Now().Add(20 * time.Second); a.relay.Peers() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("A never heard B's hello")
		}
		time.Sleep(10 * time.Millisecond)
	}
	publish(2)
	if !heard(2, 20*time.Second) {
		t.Fatal("with a peer, the event was not sent")
	}
	if e := b.next(t, events.TicketUpdated); e.TicketID != 2 {
		t.Fatalf("B got %+v", e)
	}
	bcancel()
	for deadline := time.Now().Add(20 * time.Second); a.relay.Peers() != 0; {
		if time.Now().After(deadline) {
			t.Fatal("a silent peer never timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
