package audit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Committed entries reach the file, one JSON line each, in chain order;
// rolled-back ones do not; another store's entries do not either.
func TestStreamToFile(t *testing.T) {
	db := storetest.SQLite(t)
	other := storetest.SQLite(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	spec, err := audit.ParseStreamSpec("file:" + path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := audit.OpenStream(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := audit.Subscribe(db, st.Add)
	ctx := audit.WithClient(desk.SystemContext(context.Background()), "192.0.2.9", "ua")
	write := func(db *store.DB, action string, fail bool) {
		_ = db.InTx(ctx, func(tx *store.Tx) error {
			if err := audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: "user", TargetID: 1}); err != nil {
				return err
			}
			if fail {
				return context.Canceled
			}
			return nil
		})
	}
	write(db, "user.created", false)
	write(db, "user.rolled_back", true)
	write(other, "user.elsewhere", false)
	write(db, "user.suspended", false)
	stop()
	write(db, "user.after_stop", false)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e audit.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if e.ID == 0 || e.Seq == 0 || e.Hash == "" || e.IP != "192.0.2.9" {
			t.Errorf("streamed entry %+v", e)
		}
		got = append(got, e.Action)
	}
	if strings.Join(got, ",") != "user.created,user.suspended" {
		t.Errorf("streamed %v", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("stream file mode %v", fi.Mode())
	}
}

func TestStreamToSyslog(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	spec, err := audit.ParseStreamSpec("syslog+udp://" + pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	st, err := audit.OpenStream(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Add([]audit.Entry{{ID: 5, Action: "user.created", TargetType: "user"}})
	buf := make([]byte, 4096)
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if msg := string(buf[:n]); !strings.Contains(msg, "frontdesk-audit") || !strings.Contains(msg, `"action":"user.created"`) {
		t.Errorf("syslog message %q", msg)
	}
	st.Close()
	st.Add([]audit.Entry{{ID: 6}}) // after Close: ignored, no panic
}

func TestOpenStreamFailsEarly(t *testing.T) {
	spec, _ := audit.ParseStreamSpec("file:" + filepath.Join(t.TempDir(), "missing", "dir", "audit.jsonl"))
	if _, err := audit.OpenStream(spec, nil); err == nil {
		t.Fatal("a stream to a directory that does not exist opened")
	}
}
