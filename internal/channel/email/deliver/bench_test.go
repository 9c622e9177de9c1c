package deliver_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/deliver"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// BenchmarkDeliver measures the whole delivery path on embedded SQLite:
// claim, open the sealed message, compose, DKIM-sign, send over one
// STARTTLS connection to a real go-smtp relay, mark delivered.
func BenchmarkDeliver(b *testing.B) {
	db := storetest.SQLite(b)
	r := newRig(b, db)
	r.d.Now = time.Now
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r.queue(b, outbox.Message{To: fmt.Sprintf("c%d@example.org", i), Subject: "Zażółć gęślą jaźń [#1]",
			Text: "Dzień dobry, odpowiedź na zgłoszenie.", HTML: "<p>Dzień dobry, odpowiedź na zgłoszenie.</p>", Kind: "ticket.reply"})
		b.StartTimer()
		res, err := r.d.DeliverDue(ctx)
		if err != nil || res.Sent != 1 {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkDeliverBatch sends 100 queued messages per round.
func BenchmarkDeliverBatch(b *testing.B) {
	db := storetest.SQLite(b)
	r := newRig(b, db)
	r.d.Now = time.Now
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := range 100 {
			r.queue(b, outbox.Message{To: fmt.Sprintf("c%d-%d@example.org", i, j), Subject: "Re: zamówienie [#7]",
				Text: "Dziękujemy.", HTML: "<p>Dziękujemy.</p>", Kind: "ticket.reply"})
		}
		b.StartTimer()
		res, err := r.d.DeliverDue(ctx)
		if err != nil || res != (deliver.Result{Sent: 100}) {
			b.Fatal(res, err)
		}
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
