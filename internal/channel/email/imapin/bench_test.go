package imapin_test

import (
	"context"
	"testing"
	"time"

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
