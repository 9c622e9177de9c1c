package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/backup"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

type desk_ struct {
	db      *store.DB
	tickets *ticket.Service
	blobs   *attach.Store
	once    sync.Once
}

func openDesk(t *testing.T, dir string) *desk_ {
	t.Helper()
	db, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	d := &desk_{db: db}
	t.Cleanup(d.close)
	blobs, err := attach.New(filepath.Join(dir, backup.AttachmentsDir), 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	d.tickets, d.blobs = ticket.New(db, events.New(), blobs), blobs
	return d
}

func (d *desk_) close() { d.once.Do(func() { d.db.Close() }) }

// committed is a ticket whose creation returned, with its file's content.
type committed struct {
	id      int64
	content string
}

func (d *desk_) create(t *testing.T, n int) (committed, error) {
	sys := desk.SystemContext(context.Background())
	content := fmt.Sprintf("attachment %d: %s", n, strings.Repeat("x", n%700))
	up, err := d.tickets.CreateUpload(sys, fmt.Sprintf("file-%d.txt", n), strings.NewReader(content))
	if err != nil {
		return committed{}, err
	}
	subject := fmt.Sprintf("ticket %d", n)
	tk, _, err := d.tickets.Create(sys, ticket.Input{Subject: &subject,
		Requester: &ticket.RequesterInput{Name: "Kasia", Email: fmt.Sprintf("kasia%d@klient.example", n%5)},
		Comment:   &ticket.CommentInput{Body: "see the file", Uploads: []string{up.Token}}})
	if err != nil {
		return committed{}, err
	}
	return committed{id: tk.ID, content: content}, nil
}

// check finds every ticket of want in d with its attachment's bytes.
func (d *desk_) check(t *testing.T, want []committed) {
	t.Helper()
	sys := desk.SystemContext(context.Background())
	for _, w := range want {
		tk, err := d.tickets.Get(sys, w.id)
		if err != nil {
			t.Fatalf("ticket %d committed before the backup is not in the restored store: %v", w.id, err)
		}
		cs, _, err := d.tickets.Comments(sys, tk.ID, 0, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 || len(cs[0].Attachments) != 1 {
			t.Fatalf("ticket %d: want one comment with one attachment, got %+v", w.id, cs)
		}
		_, rc, err := d.tickets.OpenAttachment(sys, cs[0].Attachments[0].ID)
		if err != nil {
			t.Fatalf("ticket %d: attachment: %v", w.id, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != w.content {
			t.Fatalf("ticket %d: attachment holds %q (%v), want %q", w.id, got, err, w.content)
		}
	}
}

// TestBackupUnderConcurrentWrites backs up while goroutines keep creating
// tickets with attachments through the ticket service, restores into a
// new directory and finds every ticket committed before the backup began,
// with its file.
func TestBackupUnderConcurrentWrites(t *testing.T) {
	src := t.TempDir()
	d := openDesk(t, src)
	var (
		started atomic.Bool
		mu      sync.Mutex
		before  []committed
		total   atomic.Int64
		seq     atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		errs    = make(chan error, 8)
	)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := d.create(t, int(seq.Add(1)))
				if err != nil {
					errs <- err
					return
				}
				total.Add(1)
				// Read the flag after the create returned: false means the
				// commit happened before the backup began.
				if !started.Load() {
					mu.Lock()
					before = append(before, c)
					mu.Unlock()
				}
			}
		})
	}
	for total.Load() < 40 {
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
			time.Sleep(5 * time.Millisecond)
		}
	}
	atBackup := total.Load()
	var archive bytes.Buffer
	started.Store(true)
	m, err := backup.Create(context.Background(), src, &archive, backup.Options{Version: "test", TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	// Keep writing a little after the backup, then stop.
	for total.Load() < atBackup+20 {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if m.Format != backup.Format || m.Version != "test" || m.SchemaVersion == 0 || m.IncludesKey {
		t.Fatalf("manifest = %+v", m)
	}
	t.Logf("%d tickets committed before the backup, %d in all, %d files in the archive", len(before), total.Load(), len(m.Files))

	dst := filepath.Join(t.TempDir(), "restored")
	got, err := backup.Restore(context.Background(), bytes.NewReader(archive.Bytes()), dst, backup.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != m.SchemaVersion || len(got.Files) != len(m.Files) {
		t.Fatalf("restored manifest %+v, want %+v", got, m)
	}
	if _, err := os.Stat(filepath.Join(dst, secrets.KeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the key file was restored without --include-key: %v", err)
	}
	entries, _ := os.ReadDir(dst)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".restore-") {
			t.Fatalf("staging directory %s left behind", e.Name())
		}
	}
	r := openDesk(t, dst)
	r.check(t, before)
	var n int64
	if err := r.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < int64(len(before)) || n > total.Load() {
		t.Fatalf("restored store has %d tickets, want between %d and %d", n, len(before), total.Load())
	}
	// The restored store works: it takes new tickets.
	if _, err := r.create(t, 100000); err != nil {
		t.Fatal(err)
	}
}

// smallBackup returns an archive of a store with a few tickets.
func smallBackup(t *testing.T, opt backup.Options) ([]byte, []committed, string) {
	t.Helper()
	src := t.TempDir()
	d := openDesk(t, src)
	var want []committed
	for i := range 3 {
		c, err := d.create(t, i+1)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c)
	}
	if opt.IncludeKey {
		if _, err := secrets.Open(src); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := backup.Create(context.Background(), src, &buf, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), want, src
}

// rewrite rebuilds an archive, passing each entry through edit (which may
// change the name or the body, or drop the entry by returning ok=false).
func rewrite(t *testing.T, archive []byte, edit func(name string, body []byte) (string, []byte, bool)) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name, body, ok := edit(hdr.Name, body)
		if !ok {
			continue
		}
		hdr.Name, hdr.Size = name, int64(len(body))
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	gw.Close()
	return out.Bytes()
}

func TestRestoreRefusesCorruptArchives(t *testing.T) {
	archive, _, _ := smallBackup(t, backup.Options{})
	firstAttachment := ""
	rewrite(t, archive, func(name string, body []byte) (string, []byte, bool) {
		if firstAttachment == "" && strings.HasPrefix(name, backup.AttachmentsDir+"/") {
			firstAttachment = name
		}
		return name, body, true
	})
	if firstAttachment == "" {
		t.Fatal("no attachment in the archive")
	}
	flipped := bytes.Clone(archive)
	flipped[len(flipped)/2] ^= 0x55
	cases := map[string][]byte{
		"empty":      {},
		"not gzip":   []byte("this is not an archive"),
		"truncated":  archive[:len(archive)*2/3],
		"bit flip":   flipped,
		"no trailer": archive[:len(archive)-8],
		"changed attachment": rewrite(t, archive, func(name string, body []byte) (string, []byte, bool) {
			if name == firstAttachment {
				body = bytes.Clone(body)
				body[0] ^= 1
			}
			return name, body, true
		}),
		"missing attachment": rewrite(t, archive, func(name string, body []byte) (string, []byte, bool) {
			return name, body, name != firstAttachment
		}),
		"no manifest": rewrite(t, archive, func(name string, body []byte) (string, []byte, bool) {
			return name, body, name != backup.ManifestName
		}),
		"extra file": rewrite(t, archive, func(name string, body []byte) (string, []byte, bool) {
			if name == firstAttachment {
				// Another name beside it (the stored names are random: a
				// fixed last character would sometimes be the same name).
				last := "0"
				if strings.HasSuffix(firstAttachment, "0") {
					last = "1"
				}
				return firstAttachment[:len(firstAttachment)-1] + last, body, true
			}
			return name, body, true
		}),
		"path escape": rewrite(t, archive, func(name string, body []byte) (string, []byte, bool) {
			if name == firstAttachment {
				return "../../evil", body, true
			}
			return name, body, true
		}),
		"damaged database": rewrite(t, archive, func(name string, body []byte) (string, []byte, bool) {
			if name == store.DBFile {
				return name, body[:4096], true
			}
			if name == backup.ManifestName {
				return name, []byte(strings.Replace(string(body), `"name": "frontdesk.db"`, `"name": "ignored"`, 1)), true
			}
			return name, body, true
		}),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "data")
			_, err := backup.Restore(context.Background(), bytes.NewReader(data), dst, backup.RestoreOptions{})
			if !errors.Is(err, backup.ErrCorrupt) {
				t.Fatalf("Restore = %v, want ErrCorrupt", err)
			}
			entries, _ := os.ReadDir(dst)
			if len(entries) != 0 {
				t.Fatalf("a refused archive left %v in the data directory", entries)
			}
			if _, err := backup.Verify(context.Background(), bytes.NewReader(data), t.TempDir()); !errors.Is(err, backup.ErrCorrupt) {
				t.Fatalf("Verify = %v, want ErrCorrupt", err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(t.TempDir()), "evil")); err == nil {
		t.Fatal("an archive wrote outside the data directory")
	}
}

func TestRestoreIntoNonEmptyDirectory(t *testing.T) {
	archive, want, _ := smallBackup(t, backup.Options{})
	dst := t.TempDir()
	other := openDesk(t, dst)
	if _, err := other.create(t, 77); err != nil {
		t.Fatal(err)
	}
	other.close()
	if _, err := backup.Restore(context.Background(), bytes.NewReader(archive), dst, backup.RestoreOptions{}); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("Restore into a used data directory = %v, want ErrNotEmpty", err)
	}
	if _, err := backup.Restore(context.Background(), bytes.NewReader(archive), dst, backup.RestoreOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	r := openDesk(t, dst)
	r.check(t, want)
	var n int
	if err := r.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil || n != len(want) {
		t.Fatalf("restored store has %d tickets (%v), want %d: the old store's were not replaced", n, err, len(want))
	}
}

func TestIncludeKey(t *testing.T) {
	t.Setenv(secrets.EnvKey, "")
	archive, _, src := smallBackup(t, backup.Options{IncludeKey: true})
	dst := filepath.Join(t.TempDir(), "data")
	m, err := backup.Restore(context.Background(), bytes.NewReader(archive), dst, backup.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.IncludesKey {
		t.Fatal("manifest does not record the key")
	}
	a, _ := os.ReadFile(filepath.Join(src, secrets.KeyFile))
	b, err := os.ReadFile(filepath.Join(dst, secrets.KeyFile))
	if err != nil || !bytes.Equal(a, b) || len(a) == 0 {
		t.Fatalf("restored key file %q (%v), want %q", b, err, a)
	}
	if fi, err := os.Stat(filepath.Join(dst, secrets.KeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("restored key file mode: %v %v", fi, err)
	}
	// Without a key file to include, --include-key is an error.
	if _, err := backup.Create(context.Background(), t.TempDir(), io.Discard, backup.Options{IncludeKey: true}); err == nil {
		t.Fatal("backup --include-key without a key file succeeded")
	}
}

func TestBackupWithoutDatabase(t *testing.T) {
	_, err := backup.Create(context.Background(), t.TempDir(), io.Discard, backup.Options{})
	if err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("Create on an empty directory = %v", err)
	}
}

// FuzzRestore feeds arbitrary bytes to Restore: it must never panic, and
// whatever it refuses leaves the data directory empty.
func FuzzRestore(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x1f\x8b\x08\x00garbage"))
	var buf bytes.Buffer
	gw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gw)
	body := []byte(`{"format":1,"schema_version":1,"files":[{"name":"frontdesk.db","size":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]}`)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: store.DBFile, Size: 0, Mode: 0o600})
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: backup.ManifestName, Size: int64(len(body)), Mode: 0o600})
	tw.Write(body)
	tw.Close()
	gw.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		dst := filepath.Join(t.TempDir(), "data")
		if _, err := backup.Restore(context.Background(), bytes.NewReader(data), dst, backup.RestoreOptions{}); err == nil {
			if _, err := store.InspectSQLite(context.Background(), filepath.Join(dst, store.DBFile)); err != nil {
				t.Fatalf("Restore accepted an archive whose database does not check: %v", err)
			}
			return
		}
		entries, _ := os.ReadDir(dst)
		if len(entries) != 0 {
			t.Fatalf("a refused archive left %v behind", entries)
		}
	})
}
