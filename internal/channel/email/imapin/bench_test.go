package imapin_test

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// BenchmarkIMAPPoll ingests b.N messages waiting in an IMAP folder (go-imap's
// server, STARTTLS) into tickets on embedded SQLite:
//
//	go test -run '^$' -bench IMAPPoll -benchtime 10000x ./internal/channel/email/imapin/
func BenchmarkIMAPPoll(b *testing.B) {
	r := newRig(b, storetest.SQLite(b), "seen")
	r.deliver(b, b.N, 0)
	b.ResetTimer()
	began := time.Now()
	total := 0
	for total < b.N {
		n, err := r.poller.Poll(context.Background(), r.box.ID)
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/time.Since(began).Seconds(), "msgs/s")
	b.StopTimer()
	if got := r.count(b, `SELECT COUNT(*) FROM tickets`); got != b.N {
		b.Fatalf("%d tickets for %d messages", got, b.N)
	}
}

// BenchmarkIdlePush measures one message's way with IMAP IDLE: appended
// to the folder (go-imap's server, STARTTLS), announced to the idling
// watcher, fetched by its poll and committed as a ticket on embedded
// SQLite; ns/op is that latency, one message at a time:
//
//	go test -run '^$' -bench IdlePush -benchtime 200x ./internal/channel/email/imapin/
func BenchmarkIdlePush(b *testing.B) {
	r := newRig(b, storetest.SQLite(b), "seen")
	w := &imapin.Watcher{Poller: r.poller, Holder: "bench", IdleRestart: time.Hour, Rescan: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if st, err := r.poller.State(context.Background(), r.box.ID); err == nil && st.Idling(time.Now()) {
			break
		}
		if time.Now().After(end) {
			b.Fatal("the watcher never idled")
		}
	}
	b.ResetTimer()
	for i := range b.N {
		r.deliver(b, 1, i)
		for end := time.Now().Add(10 * time.Second); r.count(b, `SELECT COUNT(*) FROM tickets`) != i+1; time.Sleep(500 * time.Microsecond) {
			if time.Now().After(end) {
				b.Fatalf("message %d never became a ticket", i)
			}
		}
	}
}
