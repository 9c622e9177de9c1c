package attach

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// backendCase is one backend under the contract, with a way to count what
// it holds so the tests can check that failures leave nothing behind.
type backendCase struct {
	name  string
	open  func(t *testing.T) (Backend, func() int)
	chunk int // the backend's natural unit, to test sizes around it
}

func backends(t *testing.T) []backendCase {
	cases := []backendCase{
		{name: "disk", chunk: 4096, open: func(t *testing.T) (Backend, func() int) {
			dir := t.TempDir()
			d, err := NewDisk(dir)
			if err != nil {
				t.Fatal(err)
			}
			return d, func() int {
				n := 0
				filepath.WalkDir(dir, func(_ string, e fs.DirEntry, _ error) error {
					if e != nil && !e.IsDir() {
						n++
					}
					return nil
				})
				return n
			}
		}},
		{name: "s3", chunk: s3PartSize, open: openFakeS3},
	}
	dbCase := func(name string, open func(testing.TB) *store.DB) backendCase {
		return backendCase{name: name, chunk: DefaultChunkSize, open: func(t *testing.T) (Backend, func() int) {
			db := open(t)
			return NewDatabase(db), func() int {
				var blobs, chunks int
				if err := db.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM blobs), (SELECT COUNT(*) FROM blob_chunks)`).Scan(&blobs, &chunks); err != nil {
					t.Fatal(err)
				}
				return blobs + chunks
			}
		}}
	}
	cases = append(cases, dbCase("database-sqlite", storetest.SQLite))
	if storetest.PostgresURL() != "" {
		cases = append(cases, dbCase("database-postgres", storetest.Postgres))
	} else if requirePostgres() {
		t.Fatal("FRONTDESK_REQUIRE_POSTGRES is set but FRONTDESK_TEST_DATABASE_URL is not")
	}
	return cases
}

// openFakeS3 starts an in-process S3 server on 127.0.0.1 with one bucket.
func openFakeS3(t *testing.T) (Backend, func() int) {
	mem := s3mem.New()
	if err := mem.CreateBucket("frontdesk"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(mem).Server())
	t.Cleanup(srv.Close)
	cfg := S3Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), Bucket: "frontdesk", AccessKey: "test", SecretKey: "test-secret"}
	b, err := NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b, func() int {
		n := 0
		for o := range b.client.ListObjects(context.Background(), "frontdesk", minio.ListObjectsOptions{Recursive: true}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			n++
		}
		return n
	}
}

// pattern yields n deterministic pseudo-random bytes without holding them.
func pattern(seed uint64, n int64) io.Reader {
	return io.LimitReader(patternReader{rand.NewPCG(seed, seed)}, n)
}

type patternReader struct{ src *rand.PCG }

func (p patternReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.src.Uint64())
	}
	return len(b), nil
}

func digest(t *testing.T, r io.Reader) ([32]byte, int64) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil)), n
}

// failingReader yields n bytes of a pattern and then fails.
type failingReader struct {
	r io.Reader
}

var errBroken = errors.New("client went away")

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errBroken
	}
	return n, err
}

// TestBackendContract runs the same checks on every backend: what goes in
// comes out byte for byte (empty, tiny, around the backend's chunk or part
// size, and a large file of several parts), a missing key is ErrNotFound,
// deletion is idempotent, and a failed or oversized upload leaves nothing.
func TestBackendContract(t *testing.T) {
	for _, bc := range backends(t) {
		t.Run(bc.name, func(t *testing.T) {
			ctx := context.Background()
			b, count := bc.open(t)

			sizes := []int64{0, 1, 511, int64(bc.chunk) - 1, int64(bc.chunk), int64(bc.chunk) + 1, 12<<20 + 3}
			for i, size := range sizes {
				key := newKey()
				n, err := b.Put(ctx, key, pattern(uint64(i), size))
				if err != nil {
					t.Fatalf("put %d bytes: %v", size, err)
				}
				if n != size {
					t.Fatalf("put %d bytes reported %d", size, n)
				}
				want, _ := digest(t, pattern(uint64(i), size))
				rc, err := b.Open(ctx, key)
				if err != nil {
					t.Fatalf("open %d bytes: %v", size, err)
				}
				got, gotN := digest(t, rc)
				rc.Close()
				if got != want || gotN != size {
					t.Fatalf("%d bytes: read back %d bytes with a different digest", size, gotN)
				}
				if err := b.Delete(ctx, key); err != nil {
					t.Fatal(err)
				}
				if err := b.Delete(ctx, key); err != nil {
					t.Fatalf("second delete: %v", err)
				}
				if _, err := b.Open(ctx, key); !errors.Is(err, ErrNotFound) {
					t.Fatalf("open after delete: err = %v, want ErrNotFound", err)
				}
			}
			if n := count(); n != 0 {
				t.Fatalf("%d objects left after deleting everything", n)
			}

			if _, err := b.Open(ctx, newKey()); !errors.Is(err, ErrNotFound) {
				t.Fatalf("open of a missing key: err = %v, want ErrNotFound", err)
			}
			if err := b.Delete(ctx, newKey()); err != nil {
				t.Fatalf("delete of a missing key: %v", err)
			}

			// A client that goes away mid-upload (after more than one part
			// or chunk) leaves nothing behind.
			key := newKey()
			if _, err := b.Put(ctx, key, failingReader{pattern(7, int64(2*bc.chunk)+10)}); !errors.Is(err, errBroken) {
				t.Fatalf("put from a failing reader: err = %v", err)
			}
			if _, err := b.Open(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("half-written blob opens: %v", err)
			}

			// Through Store: an oversized upload is refused and removed,
			// an exact fit is kept.
			s := NewWith(b, int64(bc.chunk)+100)
			if _, err := s.Save(ctx, pattern(8, int64(bc.chunk)+101), "big.bin"); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("oversized save: err = %v, want ErrTooLarge", err)
			}
			if n := count(); n != 0 {
				t.Fatalf("%d objects left after failed uploads", n)
			}
			saved, err := s.Save(ctx, pattern(9, int64(bc.chunk)+100), "max.bin")
			if err != nil {
				t.Fatal(err)
			}
			rc, err := s.Open(ctx, saved.Key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := digest(t, rc)
			rc.Close()
			if want, _ := digest(t, pattern(9, int64(bc.chunk)+100)); got != want || saved.Size != int64(bc.chunk)+100 {
				t.Fatal("exact-fit upload changed")
			}
			if err := s.Delete(ctx, saved.Key); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDatabasePurgeIncomplete: chunks a crashed Put left (no blobs row) go
// once old enough; complete blobs stay.
func TestDatabasePurgeIncomplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := NewDatabase(db)
		d.ChunkSize = 8
		kept := newKey()
		if _, err := d.Put(ctx, kept, strings.NewReader("a complete blob of some chunks")); err != nil {
			t.Fatal(err)
		}
		orphan := newKey()
		if _, err := db.Exec(ctx, `INSERT INTO blob_chunks (blob_key, seq, data, created_at) VALUES (?, 0, ?, ?)`, orphan, []byte("half"), store.Now()-10); err != nil {
			t.Fatal(err)
		}
		n, err := d.PurgeIncomplete(ctx, store.Now())
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want 1", n, err)
		}
		rc, err := d.Open(ctx, kept)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		if !bytes.Equal(b, []byte("a complete blob of some chunks")) {
			t.Fatalf("kept blob reads %q", b)
		}
	})
}

func TestS3ConfigValidate(t *testing.T) {
	full := S3Config{Endpoint: "s3.example.com", Bucket: "b", AccessKey: "a", SecretKey: "s"}
	tests := []struct {
		name    string
		cfg     S3Config
		enabled bool
		wantErr string
	}{
		{"nothing set", S3Config{}, false, "--s3-endpoint"},
		{"complete", full, true, ""},
		{"only a bucket", S3Config{Bucket: "b"}, true, "--s3-endpoint, --s3-access-key, --s3-secret-key"},
		{"no secret", S3Config{Endpoint: "h", Bucket: "b", AccessKey: "a"}, true, "--s3-secret-key"},
		{"scheme in endpoint", S3Config{Endpoint: "https://s3.example.com", Bucket: "b", AccessKey: "a", SecretKey: "s"}, true, "without a scheme"},
		{"path in endpoint", S3Config{Endpoint: "s3.example.com/x", Bucket: "b", AccessKey: "a", SecretKey: "s"}, true, "without a scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.Enabled() != tt.enabled {
				t.Fatalf("Enabled() = %v", !tt.enabled)
			}
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func requirePostgres() bool { return os.Getenv("FRONTDESK_REQUIRE_POSTGRES") != "" }

// TestLegacyFallback: after an installation moves from disk to the
// database, files saved before still open (from the old directory), new
// ones land in the new backend only, and deletion clears both.
func TestLegacyFallback(t *testing.T) {
	ctx := context.Background()
	old, err := New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	before, err := old.Save(ctx, strings.NewReader("saved on disk"), "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.SQLite(t)
	s := &Store{Backend: NewDatabase(db), Legacy: old.Backend, MaxSize: 1 << 20}
	after, err := s.Save(ctx, strings.NewReader("saved in the database"), "b.txt")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{before.Key: "saved on disk", after.Key: "saved in the database"} {
		rc, err := s.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != want {
			t.Fatalf("%s reads %q, want %q", key, b, want)
		}
	}
	if _, err := old.Open(ctx, after.Key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a new blob went to the legacy backend: %v", err)
	}
	for _, k := range []string{before.Key, after.Key} {
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted blob %s still opens: %v", k, err)
		}
	}
}
