package imapin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Watcher pushes new mail with IMAP IDLE (RFC 2177) where the server
// supports it. For each enabled mailbox it keeps one connection idling on
// the folder; when the server announces a new message count, it runs the
// Poller's Poll for that mailbox — the same fetch, commit-then-\Seen and
// Message-ID dedupe as the polling job, on a connection of its own — so a
// message becomes a ticket within moments of arriving.
//
// Exactly one instance watches a mailbox: the watcher holds a lease in the
// mailbox's imap_state row (watch_holder, watch_until), renewed every
// third of Lease while it watches and given back when it stops; a lease
// whose holder died runs out and another instance takes the mailbox over.
// While its IDLE command is up the row says so (idle_since) and the
// polling job leaves the mailbox alone except for a safety poll every
// WatchedPollEvery. Everything else stays with the polling job: servers
// without IDLE (the watcher tries them again after NoIdleRetry), a lost
// connection (the watcher reconnects with a growing back-off meanwhile),
// a failing poll (the job's back-off). The IDLE command is stopped and
// started again every IdleRestart, well inside the 29 minutes after which
// servers may drop an idle client, with a NOOP in between to find a dead
// connection, and a poll to catch anything a push missed.
//
// The watcher re-reads the mailboxes every Rescan: a watch of a mailbox
// disabled, removed or changed (its settings or password) is stopped, and
// started afresh for a changed one. Run returns once every watch stopped
// and gave back its lease.
type Watcher struct {
	Poller *Poller
	Logger *slog.Logger
	// Holder names this instance in the leases (random when empty).
	Holder string
	// Lease is how long a lease lasts unrenewed (default one minute).
	Lease time.Duration
	// IdleRestart is how long one IDLE command runs (default 10 minutes).
	IdleRestart time.Duration
	// Rescan is how often the mailbox list is read and leases run out are
	// looked for (default 15 seconds, at most half of Lease).
	Rescan time.Duration
	// NoIdleRetry is how long a mailbox whose server lacks IDLE is left to
	// the polling job before it is looked at again (default one hour).
	NoIdleRetry time.Duration

	mu      sync.Mutex
	watches map[int64]*watch
	noIdle  map[int64]time.Time
	wg      sync.WaitGroup
}

// watch is one running watch of a mailbox.
type watch struct {
	key    string // the mailbox settings it was started with
	cancel context.CancelFunc
	done   chan struct{}
	held   atomic.Bool // the lease is ours
}

// ErrNoIdle means the server does not offer IDLE: the mailbox is left to
// the polling job.
var ErrNoIdle = errors.New("imap: the server does not support IDLE")

// SupportsIdle reports whether a server advertising caps can be watched
// with IDLE (the IDLE extension, or IMAP4rev2, which includes it).
func SupportsIdle(caps imap.CapSet) bool { return caps.Has(imap.CapIdle) }

func (w *Watcher) defaults() {
	if w.Holder == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		w.Holder = hex.EncodeToString(b[:])
	}
	if w.Lease <= 0 {
		w.Lease = time.Minute
	}
	if w.IdleRestart <= 0 {
		w.IdleRestart = 10 * time.Minute
	}
	if w.Rescan <= 0 {
		w.Rescan = min(15*time.Second, w.Lease/2)
	}
	if w.NoIdleRetry <= 0 {
		w.NoIdleRetry = time.Hour
	}
}

func (w *Watcher) log() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return w.Poller.log()
}

// Run watches the mailboxes until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	w.mu.Lock()
	w.defaults()
	w.watches, w.noIdle = map[int64]*watch{}, map[int64]time.Time{}
	w.mu.Unlock()
	t := time.NewTicker(w.Rescan)
	defer t.Stop()
	for {
		if err := w.reconcile(ctx); err != nil && ctx.Err() == nil {
			w.log().Warn("imap idle: reading the mailboxes failed", "err", err)
		}
		select {
		case <-ctx.Done():
			w.mu.Lock()
			for _, wt := range w.watches {
				wt.cancel()
			}
			w.mu.Unlock()
			w.wg.Wait()
			return
		case <-t.C:
		}
	}
}

// Watching reports whether this instance is watching mailbox id (holds
// its lease).
func (w *Watcher) Watching(id int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	wt := w.watches[id]
	if wt == nil || !wt.held.Load() {
		return false
	}
	select {
	case <-wt.done:
		return false
	default:
		return true
	}
}

// NoIdle reports whether mailbox id was found not to offer IDLE and is
// left to the polling job for now.
func (w *Watcher) NoIdle(id int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return time.Now().Before(w.noIdle[id])
}

// watchKey is what a watch depends on: any change restarts it.
func watchKey(b *mailbox.Mailbox) string {
	return fmt.Sprintf("%+v|%d", b.IMAP, b.UpdatedAt.UnixNano())
}

// reconcile starts a watch of every enabled IMAP mailbox without one and
// stops those of mailboxes gone, disabled or changed.
func (w *Watcher) reconcile(ctx context.Context) error {
	boxes, err := w.Poller.Mailboxes.List(desk.SystemContext(ctx))
	if err != nil {
		return err
	}
	want := map[int64]*mailbox.Mailbox{}
	for _, b := range boxes {
		if b.Enabled && b.IMAP.Configured() {
			want[b.ID] = b
		}
	}
	var stopping []*watch
	w.mu.Lock()
	for id, wt := range w.watches {
		b := want[id]
		select {
		case <-wt.done:
			delete(w.watches, id)
			continue
		default:
		}
		if b == nil || watchKey(b) != wt.key {
			wt.cancel()
			stopping = append(stopping, wt)
			delete(w.watches, id)
			delete(w.noIdle, id)
		}
	}
	w.mu.Unlock()
	for _, wt := range stopping {
		<-wt.done // quick: it closes its connection and gives back the lease
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if ctx.Err() != nil {
		return nil
	}
	for id, b := range want {
		if w.watches[id] != nil || now.Before(w.noIdle[id]) {
			continue
		}
		wctx, cancel := context.WithCancel(ctx)
		wt := &watch{key: watchKey(b), cancel: cancel, done: make(chan struct{})}
		w.watches[id] = wt
		w.wg.Go(func() {
			defer close(wt.done)
			defer cancel()
			if err := w.watch(wctx, id, &wt.held); errors.Is(err, ErrNoIdle) {
				w.log().Info("imap: no IDLE on the server, the mailbox is polled", "mailbox", b.Address)
				w.mu.Lock()
				w.noIdle[id] = time.Now().Add(w.NoIdleRetry)
				w.mu.Unlock()
			}
		})
	}
	return nil
}

// acquire takes or renews the lease of mailbox id; false when another
// live instance holds it.
func (w *Watcher) acquire(ctx context.Context, id int64) (bool, error) {
	now := time.Now()
	var n int64
	err := w.Poller.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := w.Poller.ensureRow(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE imap_state SET watch_holder = ?, watch_until = ? WHERE mailbox_id = ? AND (watch_holder = ? OR watch_holder = '' OR watch_until < ?)`,
			w.Holder, now.Add(w.Lease).UnixMicro(), id, w.Holder, now.UnixMicro())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("imap idle: lease of mailbox %d: %w", id, err)
	}
	return n == 1, nil
}

// release gives the lease of mailbox id back, if still ours.
func (w *Watcher) release(id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := w.Poller.DB.Exec(ctx, `UPDATE imap_state SET watch_holder = '', watch_until = 0, idle_since = 0 WHERE mailbox_id = ? AND watch_holder = ?`, id, w.Holder); err != nil {
		w.log().Warn("imap idle: giving back the lease failed", "mailbox_id", id, "err", err)
	}
}

// setIdle records whether our IDLE command on mailbox id is up.
func (w *Watcher) setIdle(ctx context.Context, id int64, on bool) error {
	var since int64
	if on {
		since = time.Now().UnixMicro()
	}
	_, err := w.Poller.DB.Exec(context.WithoutCancel(ctx), `UPDATE imap_state SET idle_since = ? WHERE mailbox_id = ? AND watch_holder = ?`, since, id, w.Holder)
	return err
}

// watch holds the lease of mailbox id and keeps a connection idling on it
// until ctx ends, the lease is lost or the server turns out not to offer
// IDLE.
func (w *Watcher) watch(ctx context.Context, id int64, held *atomic.Bool) error {
	ok, err := w.acquire(ctx, id)
	if err != nil || !ok {
		return err
	}
	held.Store(true)
	defer w.release(id)
	defer held.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bg sync.WaitGroup
	defer bg.Wait()
	defer cancel()
	bg.Go(func() { // renew the lease; losing it stops the watch
		t := time.NewTicker(w.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if ok, err := w.acquire(ctx, id); err != nil || !ok {
				if ctx.Err() == nil {
					w.log().Warn("imap idle: lease lost, the watch stops", "mailbox_id", id, "err", err)
				}
				cancel()
				return
			}
		}
	})
	kick := make(chan struct{}, 1)
	bg.Go(func() { // poll when kicked; pushes during a poll make one more
		for {
			select {
			case <-ctx.Done():
				return
			case <-kick:
			}
			if _, err := w.Poller.Poll(ctx, id); err != nil && ctx.Err() == nil {
				w.log().Warn("imap idle: poll failed", "mailbox_id", id, "err", err)
			}
		}
	})
	poke := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	for failures := 0; ; {
		started := time.Now()
		err := w.idle(ctx, id, poke)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrNoIdle) {
			return err
		}
		if time.Since(started) > 2*time.Minute {
			failures = 0
		}
		failures++
		wait := reconnectBackoff(failures)
		w.log().Warn("imap idle: connection lost, reconnecting", "mailbox_id", id, "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// reconnectBackoff is the wait before the nth reconnect in a row: one
// second doubling up to five minutes (the polling job covers meanwhile).
func reconnectBackoff(n int) time.Duration {
	d := time.Second
	for i := 1; i < n && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

// idle runs one connection: sign in, select the folder, poll once (mail
// that came while nobody watched), then IDLE, restarted every IdleRestart
// with a NOOP and a poll in between; poke is called for every new message
// count the server announces. It returns when the connection fails or ctx
// ends.
func (w *Watcher) idle(ctx context.Context, id int64, poke func()) error {
	recv, err := w.Poller.Mailboxes.Receiver(desk.SystemContext(ctx), id)
	if err != nil {
		return err
	}
	opts := w.Poller.Dial
	opts.IMAPUnilateral = &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				poke()
			}
		},
	}
	c, err := mailbox.DialIMAP(ctx, recv.IMAP, recv.IMAPSecret, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if !SupportsIdle(c.Caps()) {
		_ = c.Logout().Wait()
		return ErrNoIdle
	}
	folder := recv.IMAP.Folder
	if folder == "" {
		folder = "INBOX"
	}
	if err := within(c, w.timeout(), func() error { _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); return err }); err != nil {
		return fmt.Errorf("imap idle: select %s: %w", folder, err)
	}
	defer func() { _ = w.setIdle(ctx, id, false) }()
	for {
		poke()
		cmd, err := c.Idle()
		if err != nil {
			return fmt.Errorf("imap idle: %w", err)
		}
		if err := w.setIdle(ctx, id, true); err != nil {
			w.log().Warn("imap idle: recording the watch failed", "mailbox_id", id, "err", err)
		}
		t := time.NewTimer(w.IdleRestart)
		select {
		case <-ctx.Done():
		case <-c.Closed():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			_ = cmd.Close()
			return nil
		}
		if err := within(c, w.timeout(), func() error {
			if err := cmd.Close(); err != nil {
				return err
			}
			if err := cmd.Wait(); err != nil {
				return err
			}
			return c.Noop().Wait()
		}); err != nil {
			return fmt.Errorf("imap idle: restart: %w", err)
		}
	}
}

func (w *Watcher) timeout() time.Duration {
	if t := w.Poller.Dial.Timeout; t > 0 {
		return t
	}
	return 30 * time.Second
}

// within runs fn, closing the connection should it take longer than d
// (a connection that died silently never answers).
func within(c *imapclient.Client, d time.Duration, fn func() error) error {
	t := time.AfterFunc(d, func() { c.Close() })
	defer t.Stop()
	return fn()
}
