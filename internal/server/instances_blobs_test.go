package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
)

// blobConfig sets what these tests need of each instance: an upload limit
// above the file they send, the API rate limit rate (0: none), and S3
// settings s3 (zero: attachments in the database).
func blobConfig(rate int, s3 attach.S3Config) func(*server.Config) {
	return func(c *server.Config) {
		c.APIRateLimit = rate
		c.MaxUpload = 8 << 20
		c.S3 = s3
	}
}

// apiCall sends an API request with a token and returns the status, the
// headers and the body.
func apiCall(t *testing.T, method, url, email, token string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(email+"/token", token)
	if method == http.MethodPost && body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// apiCreate POSTs body to url with a token, fails the test unless the
// answer is 201 Created, decodes it into out and returns it; what names the
// request in failures.
func apiCreate(t *testing.T, what, url, email, token string, body []byte, out any) []byte {
	t.Helper()
	code, _, answer := apiCall(t, http.MethodPost, url, email, token, bytes.NewReader(body))
	if code != http.StatusCreated {
		t.Fatalf("%s: %d %s", what, code, answer)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		t.Fatalf("%s answer %s: %v", what, answer, err)
	}
	return answer
}

func blobAdmin(t *testing.T, app *server.App, email string) string {
	t.Helper()
	sys := desk.SystemContext(context.Background())
	name, role := "Admin "+email, desk.RoleAdmin
	u, err := app.People.CreateUser(sys, people.UserInput{Email: &email, Name: &name, Role: &role})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := app.People.CreateToken(sys, u.ID, "instances")
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// uploadOnADownloadOnB uploads a file of several chunks or parts through
// A's API, attaches it to a new ticket there, and downloads it through B.
func uploadOnADownloadOnB(t *testing.T, a, b *instance, email string) {
	t.Helper()
	tok := blobAdmin(t, a.App, email)
	// Several database chunks or S3 parts, not a multiple of either size.
	content := make([]byte, 6<<20+12345)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte(rng.Uint32())
	}
	var up struct {
		Upload struct {
			Token string `json:"token"`
		} `json:"upload"`
	}
	if body := apiCreate(t, "upload on A", a.URL+"/api/v2/uploads?filename=report.bin", email, tok, content, &up); up.Upload.Token == "" {
		t.Fatalf("upload answer %s: no token", body)
	}
	ticket, _ := json.Marshal(map[string]any{"ticket": map[string]any{
		"subject":   "A file for every instance",
		"requester": map[string]any{"email": "customer@instances.test", "name": "Customer"},
		"comment":   map[string]any{"body": "see attached", "uploads": []string{up.Upload.Token}},
	}})
	var created struct {
		Ticket struct {
			ID int64 `json:"id"`
		} `json:"ticket"`
	}
	apiCreate(t, "ticket on A", a.URL+"/api/v2/tickets", email, tok, ticket, &created)

	code, _, body := apiCall(t, "GET", b.URL+"/api/v2/tickets/"+strconv.FormatInt(created.Ticket.ID, 10)+"/comments", email, tok, nil)
	if code != http.StatusOK {
		t.Fatalf("comments on B: %d %s", code, body)
	}
	var comments struct {
		Comments []struct {
			Attachments []struct {
				ContentURL string `json:"content_url"`
				Size       int64  `json:"size"`
			} `json:"attachments"`
		} `json:"comments"`
	}
	if err := json.Unmarshal(body, &comments); err != nil || len(comments.Comments) != 1 || len(comments.Comments[0].Attachments) != 1 {
		t.Fatalf("comments on B: %s (%v)", body, err)
	}
	att := comments.Comments[0].Attachments[0]
	if att.Size != int64(len(content)) {
		t.Fatalf("attachment size %d, want %d", att.Size, len(content))
	}
	code, hdr, got := apiCall(t, "GET", att.ContentURL, email, tok, nil)
	if code != http.StatusOK {
		t.Fatalf("download from B (%s): %d %s", att.ContentURL, code, got)
	}
	if sha256.Sum256(got) != sha256.Sum256(content) || hdr.Get("Content-Length") != strconv.Itoa(len(content)) {
		t.Fatalf("B served %d bytes that differ from the %d uploaded to A", len(got), len(content))
	}
}

// TestInstancesShareAttachmentsAndRateLimit runs two instances on one
// PostgreSQL database with separate data directories (no shared disk): a
// file uploaded through A downloads byte for byte from B, and one token's
// rate-limit budget is spent by requests to either.
func TestInstancesShareAttachmentsAndRateLimit(t *testing.T) {
	const limit = 8
	ins := startInstances(t, 2, blobConfig(limit, attach.S3Config{}), nil)
	a, b := ins[0], ins[1]

	t.Run("attachment uploaded on A downloads from B", func(t *testing.T) {
		uploadOnADownloadOnB(t, a, b, "files@instances.test")
		// Neither data directory holds the file: it lives in the database.
		for _, inst := range []*instance{a, b} {
			if _, err := os.Stat(filepath.Join(inst.DataDir, "attachments")); !os.IsNotExist(err) {
				t.Fatalf("an attachments directory exists in %s: %v", inst.DataDir, err)
			}
		}
	})

	t.Run("one rate-limit budget per token across instances", func(t *testing.T) {
		email := "limited@instances.test"
		tok := blobAdmin(t, a.App, email)
		for i := range limit {
			inst := []*instance{a, b}[i%2]
			code, hdr, body := apiCall(t, "GET", inst.URL+"/api/v2/users/me", email, tok, nil)
			if code != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, code, body)
			}
			if hdr.Get("X-Rate-Limit") != strconv.Itoa(limit) || hdr.Get("X-Rate-Limit-Remaining") != strconv.Itoa(limit-i-1) {
				t.Fatalf("request %d: X-Rate-Limit %q remaining %q", i+1, hdr.Get("X-Rate-Limit"), hdr.Get("X-Rate-Limit-Remaining"))
			}
		}
		// Each instance alone has seen only half the budget; both refuse.
		for _, inst := range []*instance{a, b} {
			code, hdr, body := apiCall(t, "GET", inst.URL+"/api/v2/users/me", email, tok, nil)
			if code != http.StatusTooManyRequests {
				t.Fatalf("over the shared limit on %s: %d %s", inst.URL, code, body)
			}
			if secs, err := strconv.Atoi(hdr.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
				t.Fatalf("Retry-After %q", hdr.Get("Retry-After"))
			}
		}
		// Another token still has its own budget.
		other := "other@instances.test"
		otherTok := blobAdmin(t, b.App, other)
		if code, _, body := apiCall(t, "GET", b.URL+"/api/v2/users/me", other, otherTok, nil); code != http.StatusOK {
			t.Fatalf("another token: %d %s", code, body)
		}
	})
}

// TestInstancesShareAttachmentsInS3: with S3 settings, two instances keep
// attachments in the bucket (an in-process S3 server on 127.0.0.1), not in
// the database, and each reads what the other stored.
func TestInstancesShareAttachmentsInS3(t *testing.T) {
	mem := s3mem.New()
	if err := mem.CreateBucket("frontdesk-files"); err != nil {
		t.Fatal(err)
	}
	fake := httptest.NewServer(gofakes3.New(mem).Server())
	t.Cleanup(fake.Close)
	s3 := attach.S3Config{Endpoint: strings.TrimPrefix(fake.URL, "http://"), Bucket: "frontdesk-files", AccessKey: "key", SecretKey: "secret"}
	ins := startInstances(t, 2, blobConfig(0, s3), nil)
	a, b := ins[0], ins[1]

	uploadOnADownloadOnB(t, a, b, "s3@instances.test")
	list, err := mem.ListBucket("frontdesk-files", nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 1 || !strings.HasPrefix(list.Contents[0].Key, "attachments/") {
		t.Fatalf("bucket holds %d objects, want the one attachment", len(list.Contents))
	}
	var inDB int
	if err := a.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM blobs`).Scan(&inDB); err != nil || inDB != 0 {
		t.Fatalf("%d blobs in the database (%v), want none with S3 configured", inDB, err)
	}
}
