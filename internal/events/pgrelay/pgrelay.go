// Package pgrelay joins the event buses of several Frontdesk instances that
// share one PostgreSQL database, with LISTEN/NOTIFY.
//
// Publishing: NotifyTx runs pg_notify inside the publishing transaction, so
// PostgreSQL delivers the notification only if that transaction commits, in
// commit order. Notify (presence, typing) sends at once on its own.
//
// Receiving: Run holds one dedicated connection that LISTENs on the channel
// and republishes every other instance's events on the local bus. Each
// process has a random Origin id; its own notifications come back to it and
// are dropped (the bus already delivered them locally). When the listening
// connection breaks, Run reconnects with back-off; notifications sent while
// it was away are lost (LISTEN/NOTIFY keeps no history), so after a
// reconnect Run publishes a local events.SettingsChanged to make caches
// re-read what they hold. Durable work never depends on events: it is jobs.
//
// Peers: each relay says hello when it starts listening and announces
// itself every HeartbeatEvery; a relay that has heard from no other
// instance within PeerTimeout sends nothing (a single instance on
// PostgreSQL pays no NOTIFY per write). A newcomer's hello is answered at
// once, so two instances know of each other within a round trip; changes
// committed in that moment of start-up reach only the instances already
// known, which is harmless because the newcomer has no subscriber yet that
// saw the state before them.
package pgrelay

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Channel is the notification channel on the default (public) schema. A
// store in another schema gets a channel of its own (ChannelFor), so help
// desks sharing a server in separate schemas never hear each other.
const Channel = "frontdesk_events"

// MaxPayload bounds one encoded event. PostgreSQL refuses payloads of 8000
// bytes or more; events carry ids and a little Data, so this is far above
// what they need. An event whose Data would push it over loses its Data.
const MaxPayload = 7000

// Relay is an events.Relay over PostgreSQL LISTEN/NOTIFY.
type Relay struct {
	db      *store.DB
	url     string
	bus     *events.Bus
	log     *slog.Logger
	origin  string
	channel string

	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts of the listening connection (defaults 250ms and 30s).
	MinBackoff, MaxBackoff time.Duration

	// HeartbeatEvery is how often the relay announces itself to the other
	// instances (default 10s); PeerTimeout is how long another instance
	// counts as alive after its last message (default 3 × HeartbeatEvery).
	HeartbeatEvery, PeerTimeout time.Duration

	mu        sync.Mutex
	listening chan struct{} // closed while the listener is LISTENing
	pid       uint32        // backend PID of the listening connection
	peers     map[string]time.Time
}

// Control messages between relays; they never reach the bus.
const (
	typeHello = "relay.hello" // a relay started listening: answer with alive
	typeAlive = "relay.alive" // a relay is still here
)

var _ events.Relay = (*Relay)(nil)

// New returns a relay for the PostgreSQL store db, which databaseURL opens
// (the listening connection is its own, outside db's pool), republishing
// onto bus. It does not join bus: call bus.SetRelay(r) and run r.Run.
func New(ctx context.Context, db *store.DB, databaseURL string, bus *events.Bus, logger *slog.Logger) (*Relay, error) {
	if db.Dialect != store.Postgres {
		return nil, errors.New("pgrelay: the store is not PostgreSQL")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var schema string
	if err := db.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("pgrelay: read schema: %w", err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Relay{
		db: db, url: databaseURL, bus: bus, log: logger,
		origin: hex.EncodeToString(b), channel: ChannelFor(schema),
		MinBackoff: 250 * time.Millisecond, MaxBackoff: 30 * time.Second,
		HeartbeatEvery: 10 * time.Second,
		listening:      make(chan struct{}), peers: map[string]time.Time{},
	}, nil
}

// ChannelFor names the channel of a store in schema.
func ChannelFor(schema string) string {
	if schema == "" || schema == "public" {
		return Channel
	}
	c := Channel + "_" + schema
	if len(c) > 63 { // NAMEDATALEN-1: longer names are refused
		sum := sha256.Sum256([]byte(schema))
		c = Channel + "_" + hex.EncodeToString(sum[:12])
	}
	return c
}

// Origin is this process's id in the events it sends.
func (r *Relay) Origin() string { return r.origin }

// Channel is the notification channel this relay uses.
func (r *Relay) Channel() string { return r.channel }

// encode stamps e with this process's origin and encodes it within
// MaxPayload, dropping Data when it would not fit.
func (r *Relay) encode(e events.Event) (string, error) {
	e.Origin = r.origin
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("pgrelay: encode %s: %w", e.Type, err)
	}
	if len(b) > MaxPayload && e.Data != nil {
		r.log.Warn("pgrelay: event data too large to relay; sending the event without it", "type", e.Type, "bytes", len(b))
		e.Data = nil
		if b, err = json.Marshal(e); err != nil {
			return "", fmt.Errorf("pgrelay: encode %s: %w", e.Type, err)
		}
	}
	if len(b) > MaxPayload {
		return "", fmt.Errorf("pgrelay: event %s is %d bytes, over the %d-byte limit", e.Type, len(b), MaxPayload)
	}
	return string(b), nil
}

// NotifyTx queues e inside tx: PostgreSQL delivers it when tx commits and
// never if it rolls back. The events of one transaction are gathered and
// sent just before commit as JSON arrays of at most MaxPayload bytes, so a
// change that publishes several events costs one statement, not one each.
func (r *Relay) NotifyTx(ctx context.Context, tx *store.Tx, e events.Event) error {
	if r.Peers() == 0 {
		return nil // nobody else to tell
	}
	p, err := r.encode(e)
	if err != nil {
		return err
	}
	key := pendingKey{r}
	buf, _ := tx.Value(key).(*[]string)
	if buf == nil {
		buf = new([]string)
		tx.SetValue(key, buf)
		tx.BeforeCommit(func() error { return r.flush(ctx, tx, *buf) })
	}
	*buf = append(*buf, p)
	return nil
}

// pendingKey keys a relay's queued notifications in a transaction.
type pendingKey struct{ r *Relay }

// flush sends the queued payloads as few arrays as fit in MaxPayload.
func (r *Relay) flush(ctx context.Context, tx *store.Tx, payloads []string) error {
	for len(payloads) > 0 {
		var b strings.Builder
		b.WriteByte('[')
		n := 0
		for n < len(payloads) && (n == 0 || b.Len()+1+len(payloads[n])+1 <= MaxPayload) {
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteString(payloads[n])
			n++
		}
		b.WriteByte(']')
		if _, err := tx.Exec(ctx, `SELECT pg_notify(?, ?)`, r.channel, b.String()); err != nil {
			return fmt.Errorf("pgrelay: notify %d events: %w", n, err)
		}
		payloads = payloads[n:]
	}
	return nil
}

// Notify sends e to the other instances now.
func (r *Relay) Notify(ctx context.Context, e events.Event) error {
	if r.Peers() == 0 {
		return nil // nobody else to tell
	}
	return r.send(ctx, e)
}

// send notifies e whether or not peers are known (control messages).
func (r *Relay) send(ctx context.Context, e events.Event) error {
	p, err := r.encode(e)
	if err != nil {
		return err
	}
	if _, err := r.db.Exec(ctx, `SELECT pg_notify(?, ?)`, r.channel, p); err != nil {
		return fmt.Errorf("pgrelay: notify %s: %w", e.Type, err)
	}
	return nil
}

// Peers counts the other instances heard from within PeerTimeout.
func (r *Relay) Peers() int {
	timeout := r.PeerTimeout
	if timeout <= 0 {
		timeout = 3 * r.HeartbeatEvery
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for o, at := range r.peers {
		if time.Since(at) <= timeout {
			n++
		} else {
			delete(r.peers, o)
		}
	}
	return n
}

// sawPeer records a message from another instance; it reports whether that
// instance was new.
func (r *Relay) sawPeer(origin string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, known := r.peers[origin]
	r.peers[origin] = time.Now()
	return !known
}

// heartbeat announces this relay every HeartbeatEvery until ctx ends.
func (r *Relay) heartbeat(ctx context.Context) {
	t := time.NewTicker(r.HeartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.send(ctx, events.Event{Type: typeAlive}); err != nil && ctx.Err() == nil {
				r.log.Warn("pgrelay: heartbeat", "err", err)
			}
		}
	}
}

// Listening returns a channel that is closed while the listener is
// connected and LISTENing (a new one replaces it after a disconnect).
func (r *Relay) Listening() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.listening
}

// ListenerPID is the server process id of the listening connection, or 0
// while disconnected (for logs and tests).
func (r *Relay) ListenerPID() uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pid
}

func (r *Relay) setListening(pid uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pid != 0 {
		r.pid = pid
		close(r.listening)
		return
	}
	if r.pid != 0 {
		r.pid = 0
		r.listening = make(chan struct{})
	}
}

// Run listens until ctx ends, reconnecting with back-off when the
// connection fails.
func (r *Relay) Run(ctx context.Context) {
	hbDone := make(chan struct{})
	go func() { r.heartbeat(ctx); close(hbDone) }()
	defer func() { <-hbDone }()
	backoff := r.MinBackoff
	first := true
	for ctx.Err() == nil {
		err := r.listen(ctx, first)
		if ctx.Err() != nil {
			return
		}
		if err == nil { // listened, then lost the connection: start over quickly
			backoff = r.MinBackoff
			first = false
		}
		r.log.Warn("pgrelay: listener disconnected; reconnecting", "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, r.MaxBackoff)
	}
}

// listen runs one connection. It returns nil when it was LISTENing before
// the connection failed, or the error that kept it from getting there.
func (r *Relay) listen(ctx context.Context, first bool) error {
	conn, err := pgx.Connect(ctx, r.url)
	if err != nil {
		return err
	}
	defer func() {
		r.setListening(0)
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{r.channel}.Sanitize()); err != nil {
		return err
	}
	r.setListening(conn.PgConn().PID())
	// Introduce ourselves: the others answer, and from then on both sides
	// send their events (Peers).
	if err := r.send(ctx, events.Event{Type: typeHello}); err != nil {
		r.log.Warn("pgrelay: hello", "err", err)
	}
	if !first {
		// Whatever was sent while we were away is lost: have caches
		// re-read rather than serve what may be stale.
		r.bus.Publish(events.Event{Type: events.SettingsChanged, Origin: r.origin, Data: map[string]string{"reason": "relay reconnected"}})
	}
	r.log.Info("pgrelay: listening", "channel", r.channel)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.log.Warn("pgrelay: listen", "err", err)
			return nil
		}
		r.receive(n.Payload)
	}
}

// receive republishes another instance's events on the local bus: an array
// from a transaction (NotifyTx), or one event (Notify).
func (r *Relay) receive(payload string) {
	if strings.HasPrefix(payload, "[") {
		var batch []events.Event
		if err := json.Unmarshal([]byte(payload), &batch); err != nil {
			r.log.Warn("pgrelay: undecodable notification dropped", "err", err)
			return
		}
		for _, e := range batch {
			r.receiveOne(e)
		}
		return
	}
	var e events.Event
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		r.log.Warn("pgrelay: undecodable notification dropped", "err", err)
		return
	}
	r.receiveOne(e)
}

func (r *Relay) receiveOne(e events.Event) {
	if e.Origin == r.origin {
		return // ours: already delivered locally
	}
	if e.Origin == "" {
		e.Origin = "unknown" // "" means "this process" to subscribers
	}
	isNew := r.sawPeer(e.Origin)
	switch e.Type {
	case typeHello, typeAlive:
		if e.Type == typeHello || isNew {
			// Let the newcomer know it is not alone, without waiting for
			// the next heartbeat (and without holding up the listener).
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := r.send(ctx, events.Event{Type: typeAlive}); err != nil {
					r.log.Warn("pgrelay: answering a new instance", "err", err)
				}
			}()
		}
		return
	}
	r.bus.Publish(e)
}
