package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// The person erased: every string is distinctive, so any occurrence in the
// store after the erasure is theirs.
const (
	erasedName  = "Xylophrax Quornwell"
	erasedEmail = "xylophrax.quornwell@erase-me.test"
	erasedPhone = "+44 7911 835246"
)

// erasedTraces are the byte strings that must not survive an erasure:
// the whole name, email and phone, and the pieces a full-text index keeps
// (tokens, stems), lower-cased.
var erasedTraces = []string{
	strings.ToLower(erasedName), erasedEmail, erasedPhone, "7911 835246", "7911835246",
	"xylophr", "quornw", "erase-me.test",
}

// TestErasureLeavesNoTrace gives a person everything Frontdesk keeps about
// people — tickets they requested, are copied on and commented on, a file
// they uploaded, custom user field values and tags, a session, sign-in
// history and a security alert, mail to them in the outbox, webhook
// deliveries whose payload names them, audit entries about them, search
// documents — permanently deletes them, and then finds no trace of their
// name, email or phone anywhere: on SQLite in the raw bytes of the
// database files and of every file under the data directory; on PostgreSQL
// in any text, json or bytea column of any table of the schema. The
// anonymised statistics (the tickets, their count) stay, and the audit
// chain still verifies.
func TestErasureLeavesNoTrace(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sys := desk.SystemContext(ctx)
			var dataDir string
			app, base, _, _ := start(t, u, func(c *server.Config) { c.MaxUpload = 1 << 20; dataDir = c.DataDir })

			var hooked atomic.Int64 // the webhook's deliveries, counted on the server's goroutines
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				hooked.Add(1)
				w.Write([]byte(`{"ok":true}`))
			}))
			t.Cleanup(hook.Close)
			if err := settings.WebhooksAllowPrivate.Set(sys, app.Settings, true); err != nil {
				t.Fatal(err)
			}

			adminEmail := "eraser-admin@example.test"
			tok := blobAdmin(t, app, adminEmail)
			call := func(method, path string, body any, want int) []byte {
				t.Helper()
				var r io.Reader
				if body != nil {
					b, _ := json.Marshal(body)
					r = bytes.NewReader(b)
				}
				code, _, answer := apiCall(t, method, base+path, adminEmail, tok, r)
				if code != want {
					t.Fatalf("%s %s: %d %s", method, path, code, answer)
				}
				return answer
			}
			idOf := func(answer []byte, key string) int64 {
				t.Helper()
				var m map[string]struct {
					ID    int64  `json:"id"`
					Token string `json:"token"`
				}
				if err := json.Unmarshal(answer, &m); err != nil || m[key].ID == 0 {
					t.Fatalf("no %s id in %s (%v)", key, answer, err)
				}
				return m[key].ID
			}

			// Fields that hold their values, and a webhook that receives
			// ticket and user events.
			call("POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"type": "text", "key": "nickname", "title": "Nickname"}}, 201)
			fieldID := idOf(call("POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "text", "title": "Contact note"}}, 201), "ticket_field")
			call("POST", "/api/v2/webhooks", map[string]any{"webhook": map[string]any{
				"name": "erasure watch", "endpoint": hook.URL, "http_method": "POST", "request_format": "json", "status": "active",
				"subscriptions": []string{"zen:event-type:ticket.created", "zen:event-type:ticket.comment_added"},
			}}, 201)

			// The person.
			userID := idOf(call("POST", "/api/v2/users", map[string]any{"user": map[string]any{
				"name": erasedName, "email": erasedEmail, "phone": erasedPhone, "role": "end-user",
				"tags": []string{"quornwell-vip"}, "notes": "Call " + erasedPhone, "details": "Lives at the Quornwell farm",
				"user_fields": map[string]any{"nickname": "Xylophrax the Quornwell"},
			}}, 201), "user")
			pw := "Erasure-Test-Passw0rd-42"
			if _, err := app.People.UpdateUser(sys, userID, people.UserInput{Password: &pw}); err != nil {
				t.Fatal(err)
			}
			// A session, sign-in history (two networks: the second alerts).
			for _, ip := range []string{"198.51.100.7", "203.0.113.9"} {
				if _, err := app.Account.SignInDevice(ctx, erasedEmail, pw, ip, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", ""); err != nil {
					t.Fatalf("sign in from %s: %v", ip, err)
				}
			}

			// An upload of theirs, a ticket they requested (their terms in the
			// subject, the body and a custom field), one they are copied on,
			// and one of someone else's they comment on.
			var up struct {
				Upload struct {
					Token string `json:"token"`
				} `json:"upload"`
			}
			apiCreate(t, "upload", base+"/api/v2/uploads?filename=quornwell-passport.txt", adminEmail, tok,
				[]byte("passport of "+erasedName+" <"+erasedEmail+">"), &up)
			mine := idOf(call("POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
				"subject":       "Refund for " + erasedName,
				"requester_id":  userID,
				"comment":       map[string]any{"body": "Please call me on " + erasedPhone + " or write to " + erasedEmail, "uploads": []string{up.Upload.Token}, "author_id": userID},
				"custom_fields": []map[string]any{{"id": fieldID, "value": "prefers " + erasedEmail}},
				"tags":          []string{"refund"},
			}}, 201), "ticket")
			copied := idOf(call("POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
				"subject":       "Team trip",
				"requester":     map[string]any{"name": "Other Person", "email": "other.person@keep.test"},
				"comment":       map[string]any{"body": "Copying Xylophrax on this."},
				"email_ccs":     []map[string]any{{"user_id": userID, "action": "put"}},
				"collaborators": []int64{userID},
			}}, 201), "ticket")
			call("PUT", "/api/v2/tickets/"+strconv.FormatInt(copied, 10), map[string]any{"ticket": map[string]any{
				"comment": map[string]any{"body": "Thanks, this is " + erasedName + " (" + erasedPhone + ")", "author_id": userID, "public": true},
			}}, 200)
			call("PUT", "/api/v2/users/"+strconv.FormatInt(userID, 10), map[string]any{"user": map[string]any{"phone": erasedPhone, "notes": "updated for " + erasedName}}, 200)
			// A satisfaction rating with a comment of theirs.
			if err := settings.CSATEnabled.Set(sys, app.Settings, true); err != nil {
				t.Fatal(err)
			}
			adminID := idOf(call("GET", "/api/v2/users/me", nil, 200), "user")
			call("PUT", "/api/v2/tickets/"+strconv.FormatInt(mine, 10), map[string]any{"ticket": map[string]any{"status": "solved", "assignee_id": adminID}}, 200)
			asThem := desk.WithPrincipal(ctx, &desk.Principal{UserID: userID, Role: desk.RoleEndUser, Email: erasedEmail, Via: "web"})
			if _, err := app.CSAT.Rate(asThem, mine, csat.Input{Score: csat.Good, Comment: "Great help, " + erasedName + " is happy"}); err != nil {
				t.Fatal(err)
			}
			drainJobs(t, app)

			// Every kind of record is there before the erasure.
			for what, q := range map[string]string{
				"attachments":         `SELECT COUNT(*) FROM attachments WHERE comment_id IN (SELECT id FROM ticket_comments WHERE author_id = ?)`,
				"sessions":            `SELECT COUNT(*) FROM sessions WHERE user_id = ?`,
				"signin_networks":     `SELECT COUNT(*) FROM signin_networks WHERE user_id = ?`,
				"security_alerts":     `SELECT COUNT(*) FROM security_alerts WHERE user_id = ?`,
				"collaborators":       `SELECT COUNT(*) FROM ticket_collaborators WHERE user_id = ?`,
				"audit entries":       `SELECT COUNT(*) FROM audit_log WHERE target_type = 'user' AND target_id = ?`,
				"outbox mail":         `SELECT COUNT(*) FROM outbox WHERE to_addr = '` + erasedEmail + `' AND ? > 0`,
				"webhook invocations": `SELECT COUNT(*) FROM webhook_invocations WHERE ? > 0`,
				"ratings":             `SELECT COUNT(*) FROM satisfaction_ratings WHERE requester_id = ? AND comment <> ''`,
			} {
				var n int
				if err := app.DB.QueryRow(ctx, q, userID).Scan(&n); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if n == 0 {
					t.Errorf("the test gave them no %s", what)
				}
			}
			if hooked.Load() == 0 {
				t.Error("the webhook received nothing")
			}
			if found := traces(t, app.DB, dataDir, u != ""); len(found) == 0 {
				t.Fatal("the scan finds no trace of them before the erasure: it cannot fail")
			}
			if hits := searchHits(t, base, adminEmail, tok); hits == 0 {
				t.Fatal("search finds nothing of them before the erasure")
			}
			var tickets int
			if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&tickets); err != nil {
				t.Fatal(err)
			}

			// The erasure.
			call("DELETE", "/api/v2/users/"+strconv.FormatInt(userID, 10), nil, 200)
			call("DELETE", "/api/v2/deleted_users/"+strconv.FormatInt(userID, 10), nil, 200)
			drainJobs(t, app)

			if hits := searchHits(t, base, adminEmail, tok); hits != 0 {
				t.Errorf("search still finds %d results naming them", hits)
			}
			var after int
			if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&after); err != nil {
				t.Fatal(err)
			}
			if after != tickets {
				t.Errorf("tickets went from %d to %d: the statistics must stay", tickets, after)
			}
			for what, q := range map[string]string{
				"sessions":        `SELECT COUNT(*) FROM sessions WHERE user_id = ?`,
				"signin_networks": `SELECT COUNT(*) FROM signin_networks WHERE user_id = ?`,
				"security_alerts": `SELECT COUNT(*) FROM security_alerts WHERE user_id = ?`,
				"attachments":     `SELECT COUNT(*) FROM attachments WHERE uploader_id = ? OR comment_id IN (SELECT id FROM ticket_comments WHERE author_id = ?)`,
			} {
				var n int
				args := []any{userID}
				if what == "attachments" {
					args = append(args, userID)
				}
				if err := app.DB.QueryRow(ctx, q, args...).Scan(&n); err != nil || n != 0 {
					t.Errorf("%s of theirs after the erasure: %d (%v)", what, n, err)
				}
			}
			var good int
			if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM satisfaction_ratings WHERE ticket_id = ? AND score = 'good'`, mine).Scan(&good); err != nil || good != 1 {
				t.Errorf("satisfaction ratings after the erasure: %d good (%v): the statistics must stay", good, err)
			}
			for _, id := range []int64{mine, copied} {
				call("GET", "/api/v2/tickets/"+strconv.FormatInt(id, 10), nil, 200)
			}
			rep, err := audit.Verify(sys, app.DB)
			if err != nil || !rep.OK {
				t.Fatalf("audit chain after the erasure: %+v %v", rep, err)
			}
			var purged int
			if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.permanently_deleted' AND target_id = ?`, userID).Scan(&purged); err != nil || purged != 1 {
				t.Errorf("erasure audit entries: %d (%v)", purged, err)
			}
			for _, f := range traces(t, app.DB, dataDir, u != "") {
				t.Errorf("trace left: %s", f)
			}
		})
	}
}

// drainJobs runs every due job.
func drainJobs(t *testing.T, app *server.App) {
	t.Helper()
	for range 1000 {
		found, err := app.Jobs.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			return
		}
	}
	t.Fatal("jobs do not run out")
}

// searchHits counts the results of searching for their name, email and
// phone.
func searchHits(t *testing.T, base, email, tok string) int {
	t.Helper()
	n := 0
	for _, q := range []string{"Quornwell", "Xylophrax", erasedEmail, "type:user Quornwell"} {
		code, _, body := apiCall(t, "GET", base+"/api/v2/search?query="+strings.ReplaceAll(q, " ", "+"), email, tok, nil)
		if code != 200 {
			t.Fatalf("search %q: %d %s", q, code, body)
		}
		var res struct {
			Count int `json:"count"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatal(err)
		}
		n += res.Count
	}
	return n
}

// traces lists where the erased person's strings occur: on PostgreSQL in
// any column of a text, json, tsvector or bytea type of any table of the
// store's schema (found through information_schema, so tables added later
// are covered); on SQLite in the raw bytes of every file under the data
// directory (the database, its -wal and -shm, attachments), compared
// case-insensitively.
func traces(t *testing.T, db *store.DB, dataDir string, postgres bool) []string {
	t.Helper()
	if postgres {
		return pgTraces(t, db)
	}
	found := sqliteTraces(t, db)
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		low := bytes.ToLower(b)
		for _, s := range erasedTraces {
			if i := bytes.Index(low, []byte(s)); i >= 0 {
				lo, hi := max(0, i-40), min(len(b), i+len(s)+40)
				found = append(found, fmt.Sprintf("%s at byte %d: %q", filepath.Base(path), i, b[lo:hi]))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func pgTraces(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'tsvector', 'bytea', 'ARRAY', 'USER-DEFINED')
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, column, typ string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 50 {
		t.Fatalf("only %d text columns found: the enumeration is wrong", len(cols))
	}
	var found []string
	for _, c := range cols {
		expr := fmt.Sprintf(`lower(%q::text)`, c.column)
		if c.typ == "bytea" {
			expr = fmt.Sprintf(`lower(encode(%q, 'escape'))`, c.column)
		}
		for _, s := range erasedTraces {
			var n int
			q := fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE strpos(%s, ?) > 0`, c.table, expr)
			if err := db.QueryRow(ctx, q, s).Scan(&n); err != nil {
				t.Fatalf("%s.%s: %v", c.table, c.column, err)
			}
			if n > 0 {
				found = append(found, fmt.Sprintf("%s.%s: %d rows contain %q", c.table, c.column, n, s))
			}
		}
	}
	return found
}

// sqliteTraces is pgTraces for SQLite: every column of every table (from
// sqlite_master and table_info), cast to text.
func sqliteTraces(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, column string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 100 {
		t.Fatalf("only %d columns found: the enumeration is wrong", len(cols))
	}
	var found []string
	for _, c := range cols {
		for _, s := range erasedTraces {
			var n int
			q := fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE instr(lower(CAST(%q AS TEXT)), ?) > 0`, c.table, c.column)
			if err := db.QueryRow(ctx, q, s).Scan(&n); err != nil {
				t.Fatalf("%s.%s: %v", c.table, c.column, err)
			}
			if n > 0 {
				found = append(found, fmt.Sprintf("%s.%s: %d rows contain %q", c.table, c.column, n, s))
			}
		}
	}
	return found
}
