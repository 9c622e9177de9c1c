package smtpin_test

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// BenchmarkSMTPReceive pushes b.N messages through the SMTP receiver into
// tickets on embedded SQLite, from 32 concurrent connections (as an MX
// would), each acknowledged only after its ticket committed:
//
//	go test -run '^$' -bench SMTPReceive -benchtime 10000x ./internal/channel/email/smtpin/
func BenchmarkSMTPReceive(b *testing.B) {
	w := start(b, storetest.SQLite(b), 0)
	const clients = 32
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	b.ResetTimer()
	began := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := smtp.Dial(w.addr)
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				raw := msg(fmt.Sprintf("Customer %d <c%d@klient.example>", i%500, i%500), "help@example.com",
					fmt.Sprintf("Question %d", i), fmt.Sprintf("bench-%d@klient.example", i), "Dzień dobry,\r\nmam pytanie o fakturę.\r\n-- \r\nKlient")
				if err := cl.SendMail(fmt.Sprintf("c%d@klient.example", i%500), []string{"help@example.com"}, bytes.NewReader(raw)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	if n := len(w.tickets_(b)); n != b.N {
		b.Fatalf("%d tickets for %d messages", n, b.N)
	}
}
