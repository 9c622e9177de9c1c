package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/internal/config"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// seed fills a store with realistic tickets through the ticket service (the
// same write path as the API, minus HTTP), to benchmark reads at scale
// without waiting for a million HTTP requests.
func seed(ctx context.Context, args []string, stdout io.Writer) error {
	l := newFlags("seed", config.Store)
	fs := l.FlagSet()
	n := fs.Int("tickets", 100000, "tickets to create")
	workers := fs.Int("workers", 16, "concurrent writers")
	cfg, ok, err := load(l, args, stdout)
	if !ok {
		return err
	}
	if *n <= 0 {
		return errors.New("--tickets must be positive")
	}
	app, err := server.Open(ctx, cfg.Server, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer app.Close()
	sys := desk.SystemContext(ctx)
	vocab := benchVocabulary(benchVocabSize)
	var done, failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := range max(1, *workers) {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 99))
			z := rand.NewZipf(r, 1.1, 4, benchVocabSize-1)
			words := func(k int) string {
				b := make([]byte, 0, 8*k)
				for i := range k {
					if i > 0 {
						b = append(b, ' ')
					}
					b = append(b, vocab[z.Uint64()]...)
				}
				return string(b)
			}
			for next.Add(1) <= int64(*n) && ctx.Err() == nil {
				subj := words(5)
				_, _, err := app.Tickets.Create(sys, ticket.Input{
					Subject:   &subj,
					Comment:   &ticket.CommentInput{Body: words(40)},
					Requester: &ticket.RequesterInput{Name: "Seed Customer", Email: fmt.Sprintf("customer%d@seed.test", r.IntN(20000))},
					Priority:  desk.NullString{Set: true, Value: desk.Priorities[r.IntN(4)]},
					Tags:      &[]string{vocab[r.IntN(200)]},
				})
				if err != nil {
					failed.Add(1)
					continue
				}
				if d := done.Add(1); d%50000 == 0 {
					fmt.Fprintf(stdout, "%d tickets, %.0f/s\n", d, float64(d)/time.Since(start).Seconds())
				}
			}
		})
	}
	wg.Wait()
	fmt.Fprintf(stdout, "seeded %d tickets (%d failed) in %s, %.0f/s\n", done.Load(), failed.Load(), time.Since(start).Round(time.Second), float64(done.Load())/time.Since(start).Seconds())
	return nil
}
