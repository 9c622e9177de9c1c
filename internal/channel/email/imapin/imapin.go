// Package imapin fetches mail from the support addresses' IMAP accounts
// and hands it to the ingest service. One poll of a mailbox:
//
//  1. signs in (TLS or STARTTLS, password or XOAUTH2) and selects the
//     folder; a UIDVALIDITY other than the one recorded starts the UID
//     count over (ingest's Message-ID dedupe keeps old mail from coming
//     back as new tickets);
//  2. finds the unseen messages above the last UID handled;
//  3. in batches, in UID order: fetches them with BODY.PEEK[] (nothing is
//     marked read by fetching), ingests them — each ticket change and its
//     Message-ID record commit together; small messages are ingested
//     concurrently — and only THEN marks them \Seen, moves or deletes them
//     (per mailbox setting) and records the last UID done.
//
// A crash anywhere loses nothing (an unmarked message is fetched again)
// and duplicates nothing (the second ingest finds its Message-ID). Polls
// run as jobs of the scheduler (JobKind), so exactly one instance polls at
// a time; a mailbox whose poll fails waits out a growing back-off, and its
// health (status, last error, count) is kept in imap_state for the admin
// pages. Where the server supports IDLE, a Watcher (watch.go) keeps one
// connection per mailbox idling and runs the same Poll as soon as the
// server announces new mail; the polling job stays the fallback.
package imapin

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// JobKind is the job that polls every enabled IMAP mailbox once.
const JobKind = "email.imap_poll"

// Interval is how often the mailboxes are polled.
const Interval = 30 * time.Second

// maxPerPoll bounds the messages one poll of a mailbox takes.
const maxPerPoll = 500

// Health states of a mailbox's fetching.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// Poller fetches mail over IMAP.
type Poller struct {
	DB        *store.DB
	Mailboxes *mailbox.Service
	Ingest    *ingest.Service
	Dial      mailbox.DialOptions
	Logger    *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu    sync.Mutex
	locks map[int64]*sync.Mutex // one poll of a mailbox at a time
}

// State is the fetching health of one mailbox.
type State struct {
	MailboxID   int64
	UIDValidity uint32
	LastUID     uint32
	Status      string
	LastError   string
	Failures    int
	Fetched     int64
	PolledAt    time.Time
	// WatchHolder is the instance holding the IDLE watch of the mailbox
	// until WatchUntil (see Watcher); IdleSince is when its IDLE command
	// started on the current connection (zero when not idling).
	WatchHolder string
	WatchUntil  time.Time
	IdleSince   time.Time
}

// Idling reports whether a live watcher is pushing the mailbox's new mail
// at now (its lease runs and its IDLE command is up).
func (st *State) Idling(now time.Time) bool {
	return st.WatchHolder != "" && !st.IdleSince.IsZero() && now.Before(st.WatchUntil)
}

// WatchedPollEvery is how often the polling job still polls a mailbox
// that a watcher is pushing: a safety net should the push miss something.
const WatchedPollEvery = 5 * time.Minute

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Poller) log() *slog.Logger {
	if p.Logger == nil {
		return slog.Default()
	}
	return p.Logger
}

// PollAll polls every enabled mailbox with an IMAP account that is not
// waiting out a back-off. Errors of one mailbox are recorded in its state
// and do not stop the others.
func (p *Poller) PollAll(ctx context.Context) error {
	sys := desk.SystemContext(ctx)
	boxes, err := p.Mailboxes.List(sys)
	if err != nil {
		return fmt.Errorf("imap: mailboxes: %w", err)
	}
	for _, b := range boxes {
		if !b.Enabled || !b.IMAP.Configured() {
			continue
		}
		st, err := p.State(ctx, b.ID)
		if err != nil {
			return err
		}
		if st.Failures > 0 && p.now().Before(st.PolledAt.Add(Backoff(st.Failures))) {
			continue
		}
		if st.Failures == 0 && st.Idling(p.now()) && p.now().Before(st.PolledAt.Add(WatchedPollEvery)) {
			continue // the IDLE watcher polls it when mail arrives
		}
		if _, err := p.Poll(ctx, b.ID); err != nil {
			p.log().Warn("imap poll failed", "mailbox", b.Address, "err", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// Backoff is the wait after n failed polls in a row: 30 s doubling up to
// an hour.
func Backoff(n int) time.Duration {
	d := Interval
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Poll fetches mailbox id's new mail once and returns how many messages
// it handled. The outcome is recorded in the mailbox's state.
func (p *Poller) Poll(ctx context.Context, id int64) (int, error) {
	l := p.lock(id)
	l.Lock()
	defer l.Unlock()
	n, st, err := p.poll(ctx, id)
	if rerr := p.record(ctx, id, st, n, err); rerr != nil && err == nil {
		err = rerr
	}
	return n, err
}

// lock returns the mutex that keeps this instance's polls of mailbox id
// (the job's and the watcher's) from running at the same time.
func (p *Poller) lock(id int64) *sync.Mutex {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.locks == nil {
		p.locks = map[int64]*sync.Mutex{}
	}
	l := p.locks[id]
	if l == nil {
		l = &sync.Mutex{}
		p.locks[id] = l
	}
	return l
}

func (p *Poller) poll(ctx context.Context, id int64) (int, *State, error) {
	st, err := p.State(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	recv, err := p.Mailboxes.Receiver(desk.SystemContext(ctx), id)
	if err != nil {
		return 0, st, err
	}
	c, err := mailbox.DialIMAP(ctx, recv.IMAP, recv.IMAPSecret, p.Dial)
	if err != nil {
		return 0, st, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	folder := recv.IMAP.Folder
	if folder == "" {
		folder = "INBOX"
	}
	sel, err := c.Select(folder, nil).Wait()
	if err != nil {
		return 0, st, fmt.Errorf("imap: select %s: %w", folder, err)
	}
	if sel.UIDValidity != st.UIDValidity {
		st.UIDValidity, st.LastUID = sel.UIDValidity, 0
	}
	uids, err := p.newUIDs(c, st.LastUID)
	if err != nil {
		return 0, st, err
	}
	n := 0
	for len(uids) > 0 {
		batch := uids[:min(len(uids), batchSize)]
		uids = uids[len(batch):]
		done, err := p.handleBatch(ctx, c, recv, batch)
		n += done
		if done > 0 {
			st.LastUID = uint32(batch[done-1])
			if serr := p.saveUID(ctx, id, st, done); serr != nil && err == nil {
				err = serr
			}
		}
		if err != nil {
			return n, st, err
		}
	}
	_ = c.Logout().Wait()
	return n, st, nil
}

// newUIDs lists the unseen messages above last, oldest first.
func (p *Poller) newUIDs(c *imapclient.Client, last uint32) ([]imap.UID, error) {
	var set imap.UIDSet
	set.AddRange(imap.UID(last+1), 0) // last+1:*
	data, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}, NotFlag: []imap.Flag{imap.FlagSeen, imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("imap: search: %w", err)
	}
	var out []imap.UID
	for _, u := range data.AllUIDs() {
		if uint32(u) > last { // "n:*" always matches the highest UID
			out = append(out, u)
		}
	}
	if len(out) > maxPerPoll {
		out = out[:maxPerPoll]
	}
	return out, nil
}

// batchSize is how many messages one round trip fetches; smallMessage is
// the largest message held in memory to be ingested alongside others.
const (
	batchSize    = 32
	smallMessage = 1 << 20
)

// handleBatch fetches, ingests and settles uids (ascending). Small
// messages are read whole and ingested concurrently (their commits share
// the store's write batches); large ones are streamed one at a time. It
// returns how many leading messages of uids are done: a failure leaves
// that message and the ones after it unseen (those ingested meanwhile are
// settled, and found as duplicates when fetched again).
func (p *Poller) handleBatch(ctx context.Context, c *imapclient.Client, recv *mailbox.Receiver, uids []imap.UID) (int, error) {
	sizes, err := fetchSizes(c, uids)
	if err != nil {
		return 0, err
	}
	var small []imap.UID
	for _, u := range uids {
		if sizes[u] <= smallMessage {
			small = append(small, u)
		}
	}
	bodies, err := fetchBodies(c, small)
	if err != nil {
		return 0, err
	}
	errs := make(map[imap.UID]error, len(uids))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for u, body := range bodies {
		wg.Go(func() {
			_, err := p.Ingest.Ingest(ctx, ingest.Delivery{MailboxID: recv.ID}, bytes.NewReader(body))
			mu.Lock()
			errs[u] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	var settled imap.UIDSet
	done := 0
	var firstErr error
	for _, u := range uids {
		err, ok := errs[u]
		if !ok {
			if _, small := bodies[u]; !small {
				err = p.handle(ctx, c, recv, u) // large: streamed and settled alone
				if err == nil {
					if firstErr == nil {
						done++
					}
					continue
				}
			}
		}
		if errors.Is(err, ingest.ErrTooLarge) {
			p.log().Warn("imap: message over the size limit marked read and left on the server", "mailbox", recv.Address, "uid", u)
			err = nil
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if _, small := bodies[u]; small {
			settled.AddNum(u)
		}
		if firstErr == nil {
			done++
		}
	}
	if len(settled) > 0 {
		if err := settle(c, recv.IMAP, settled); err != nil {
			return 0, err
		}
	}
	return done, firstErr
}

// fetchSizes returns the RFC822.SIZE of each of uids.
func fetchSizes(c *imapclient.Client, uids []imap.UID) (map[imap.UID]int64, error) {
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("imap: fetch sizes: %w", err)
	}
	out := make(map[imap.UID]int64, len(msgs))
	for _, m := range msgs {
		out[m.UID] = m.RFC822Size
	}
	return out, nil
}

// fetchBodies reads whole messages (BODY.PEEK[]: nothing is marked read).
func fetchBodies(c *imapclient.Client, uids []imap.UID) (map[imap.UID][]byte, error) {
	out := make(map[imap.UID][]byte, len(uids))
	if len(uids) == 0 {
		return out, nil
	}
	cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		var body []byte
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataBodySection:
				b, err := io.ReadAll(io.LimitReader(it.Literal, smallMessage+1))
				if err != nil {
					return nil, fmt.Errorf("imap: fetch: %w", err)
				}
				body = b
			}
		}
		if uid != 0 && body != nil {
			out[uid] = body
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, fmt.Errorf("imap: fetch: %w", err)
	}
	return out, nil
}

// handle fetches, ingests and then settles one message.
func (p *Poller) handle(ctx context.Context, c *imapclient.Client, recv *mailbox.Receiver, uid imap.UID) error {
	set := imap.UIDSetNum(uid)
	cmd := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	msg := cmd.Next()
	var ingestErr error
	found := false
	for msg != nil {
		item := msg.Next()
		if item == nil {
			break
		}
		if body, ok := item.(imapclient.FetchItemDataBodySection); ok && body.Literal != nil {
			found = true
			_, ingestErr = p.Ingest.Ingest(ctx, ingest.Delivery{MailboxID: recv.ID}, body.Literal)
		}
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("imap: fetch %d: %w", uid, err)
	}
	if !found {
		return nil // expunged meanwhile
	}
	if errors.Is(ingestErr, ingest.ErrTooLarge) {
		p.log().Warn("imap: message over the size limit left on the server", "mailbox", recv.Address, "uid", uid)
	} else if ingestErr != nil {
		return ingestErr
	}
	return settle(c, recv.IMAP, set)
}

// settle marks, moves or deletes handled messages, per mailbox setting.
func settle(c *imapclient.Client, cfg mailbox.IMAP, set imap.UIDSet) error {
	switch cfg.AfterFetch {
	case mailbox.AfterFetchMove:
		if _, err := c.Move(set, cfg.MoveTo).Wait(); err != nil {
			return fmt.Errorf("imap: move to %s: %w", cfg.MoveTo, err)
		}
		return nil
	case mailbox.AfterFetchDelete:
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen, imap.FlagDeleted}}, nil).Close(); err != nil {
			return fmt.Errorf("imap: delete: %w", err)
		}
		if c.Caps().Has(imap.CapUIDPlus) {
			return c.UIDExpunge(set).Close()
		}
		return c.Expunge().Close()
	default:
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
			return fmt.Errorf("imap: mark seen: %w", err)
		}
		return nil
	}
}

// State returns mailbox id's fetching state (zero when never polled).
func (p *Poller) State(ctx context.Context, id int64) (*State, error) {
	st := &State{MailboxID: id}
	var validity, last, polled, until, idle int64
	err := p.DB.QueryRow(ctx, `SELECT uid_validity, last_uid, status, last_error, failures, fetched, polled_at, watch_holder, watch_until, idle_since
		FROM imap_state WHERE mailbox_id = ?`, id).
		Scan(&validity, &last, &st.Status, &st.LastError, &st.Failures, &st.Fetched, &polled, &st.WatchHolder, &until, &idle)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("imap: state of mailbox %d: %w", id, err)
	}
	st.UIDValidity, st.LastUID = uint32(validity), uint32(last)
	if polled != 0 {
		st.PolledAt = time.UnixMicro(polled).UTC()
	}
	if until != 0 {
		st.WatchUntil = time.UnixMicro(until).UTC()
	}
	if idle != 0 {
		st.IdleSince = time.UnixMicro(idle).UTC()
	}
	return st, nil
}

func (p *Poller) ensureRow(ctx context.Context, tx *store.Tx, id int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO imap_state (mailbox_id) VALUES (?) ON CONFLICT (mailbox_id) DO NOTHING`, id)
	return err
}

// saveUID records the last UID handled, right after it was settled, and
// counts n more messages fetched.
func (p *Poller) saveUID(ctx context.Context, id int64, st *State, n int) error {
	return p.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := p.ensureRow(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE imap_state SET uid_validity = ?, last_uid = ?, fetched = fetched + ?, updated_at = ? WHERE mailbox_id = ?`,
			int64(st.UIDValidity), int64(st.LastUID), n, p.now().UnixMicro(), id)
		return err
	})
}

// record stores a poll's outcome: health, failures in a row, and the
// UIDVALIDITY seen (a reset of the UID count is kept even when nothing
// was fetched).
func (p *Poller) record(ctx context.Context, id int64, st *State, n int, pollErr error) error {
	now := p.now().UnixMicro()
	return p.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := p.ensureRow(ctx, tx, id); err != nil {
			return err
		}
		if pollErr != nil {
			msg := strings.ToValidUTF8(pollErr.Error(), "?")
			if len(msg) > 1000 {
				msg = msg[:1000]
			}
			_, err := tx.Exec(ctx, `UPDATE imap_state SET status = ?, last_error = ?, failures = failures + 1, polled_at = ?, updated_at = ? WHERE mailbox_id = ?`,
				StatusError, msg, now, now, id)
			return err
		}
		q := `UPDATE imap_state SET status = ?, last_error = '', failures = 0, polled_at = ?, updated_at = ?`
		args := []any{StatusOK, now, now}
		if st != nil {
			q += `, uid_validity = ?, last_uid = ?`
			args = append(args, int64(st.UIDValidity), int64(st.LastUID))
		}
		_, err := tx.Exec(ctx, q+` WHERE mailbox_id = ?`, append(args, id)...)
		return err
	})
}
