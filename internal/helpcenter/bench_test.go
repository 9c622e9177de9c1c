package helpcenter_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

var benchWords = []string{"hasło", "faktura", "konto", "drukarka", "password", "invoice", "account", "printer", "laptop", "bateria",
	"ustawienia", "settings", "sieć", "network", "poczta", "email", "zwrot", "refund", "dostawa", "shipping"}

// seedArticles creates n articles, each in English and Polish.
func seedArticles(b *testing.B, db *store.DB, n int) *helpcenter.Service {
	b.Helper()
	svc := helpcenter.New(db)
	ctx := desk.SystemContext(context.Background())
	cat, err := svc.CreateCategory(ctx, helpcenter.GroupInput{Name: ptr("Bench")})
	if err != nil {
		b.Fatal(err)
	}
	sec, err := svc.CreateSection(ctx, helpcenter.GroupInput{Name: ptr("Bench"), CategoryID: &cat.ID})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				w1, w2, w3 := benchWords[i%20], benchWords[(i/20)%20], benchWords[(i/400)%20]
				vis := helpcenter.VisEveryone
				if i%10 == 0 {
					vis = helpcenter.VisAgents
				}
				a, err := svc.CreateArticle(ctx, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Visibility: &vis,
					Title: ptr(fmt.Sprintf("Article %d about %s and %s", i, w1, w2)),
					Body:  ptr(fmt.Sprintf("## Steps\n\nThis article %d explains %s, %s and %s in some detail. It is number %d.", i, w1, w2, w3, i))})
				if err == nil {
					_, err = svc.SaveTranslation(ctx, helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl",
						Title: ptr(fmt.Sprintf("Artykuł %d o %s i %s", i, w1, w2)),
						Body:  ptr(fmt.Sprintf("Ten artykuł %d wyjaśnia %s, %s oraz %s. Numer kodu zk%d.", i, w1, w2, w3, i))})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return svc
}

// BenchmarkArticleSearch searches 10,000 articles in two locales as an
// anonymous visitor (the visibility rule applies), reporting p50 and p99.
func BenchmarkArticleSearch(b *testing.B) {
	stores := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite}
	if storetest.PostgresURL() != "" {
		stores["postgres"] = storetest.Postgres
	}
	for name, open := range stores {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			svc := seedArticles(b, db, 10000)
			if db.Dialect == store.Postgres {
				for _, t := range []string{"hc_article_search", "hc_translations", "hc_articles"} {
					if _, err := db.Exec(context.Background(), "ANALYZE "+t); err != nil {
						b.Fatal(err)
					}
				}
			}
			queries := []struct{ loc, q string }{
				{"pl", "haslo"},          // 1 in 20 titles/bodies: ~1,000 matches
				{"pl", "haslo faktura"},  // two words
				{"en", "printer net"},    // prefix on the last word
				{"pl", "zk4242"},         // one match
				{"en", "nothingmatches"}, // none
			}
			var durs []time.Duration
			ctx := context.Background()
			i := 0
			for b.Loop() {
				q := queries[i%len(queries)]
				i++
				start := time.Now()
				if _, _, err := svc.Search(ctx, q.loc, q.q, 1, 10); err != nil {
					b.Fatal(err)
				}
				durs = append(durs, time.Since(start))
			}
			slices.Sort(durs)
			b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
