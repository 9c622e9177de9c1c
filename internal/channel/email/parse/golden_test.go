package parse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// expected is the shape of testdata/mail/*.json. Absent fields are not
// checked; "html": "" asserts there is no HTML body.
type expected struct {
	Kind              string   `json:"kind"`
	Subject           string   `json:"subject"`
	From              string   `json:"from"`
	FromName          *string  `json:"from_name"`
	To                []string `json:"to"`
	Cc                []string `json:"cc"`
	MessageID         string   `json:"message_id"`
	InReplyTo         string   `json:"in_reply_to"`
	References        []string `json:"references"`
	Date              *string  `json:"date"`
	Reply             *string  `json:"reply"`
	ReplyContains     []string `json:"reply_contains"`
	TextContains      []string `json:"text_contains"`
	HTML              *string  `json:"html"`
	HTMLContains      []string `json:"html_contains"`
	HTMLAbsent        []string `json:"html_absent"`
	ReplyHTMLContains []string `json:"reply_html_contains"`
	ReplyHTMLAbsent   []string `json:"reply_html_absent"`
	Attachments       []struct {
		Filename    string `json:"filename"`
		ContentType string `json:"content_type"`
		Size        int64  `json:"size"`
		Inline      bool   `json:"inline"`
		ContentID   string `json:"content_id"`
	} `json:"attachments"`
	Bounce []BounceRecipient `json:"bounce"`
}

// storedAttachment is what the test attachment store kept.
type storedAttachment struct {
	info AttachmentInfo
	sum  string
	size int
}

// memoryStore is an Options.Attachment that hashes content and hands out
// sequential refs.
func memoryStore(out *[]storedAttachment) func(AttachmentInfo, io.Reader) (string, error) {
	return func(info AttachmentInfo, r io.Reader) (string, error) {
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			return "", err
		}
		*out = append(*out, storedAttachment{info: info, sum: hex.EncodeToString(h.Sum(nil)), size: int(n)})
		return "ref-" + string(rune('0'+len(*out))), nil
	}
}

func TestGoldenCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/mail/*.eml")
	if err != nil || len(files) < 15 {
		t.Fatalf("corpus missing: %v %d", err, len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want expected
			js, err := os.ReadFile(strings.TrimSuffix(file, ".eml") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatal(err)
			}
			var stored []storedAttachment
			m, err := Parse(bytes.NewReader(raw), Options{Attachment: memoryStore(&stored)})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkMessage(t, m, want, stored, int64(len(raw)))
		})
	}
}

func checkMessage(t *testing.T, m *Message, want expected, stored []storedAttachment, size int64) {
	t.Helper()
	eq := func(field, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	eq("kind", m.Kind.String(), want.Kind)
	eq("subject", m.Subject, want.Subject)
	eq("from", m.From.Address, want.From)
	if want.FromName != nil {
		eq("from name", m.From.Name, *want.FromName)
	}
	if m.Size != size {
		t.Errorf("size = %d, want %d", m.Size, size)
	}
	checkAddresses(t, "to", m.To, want.To)
	checkAddresses(t, "cc", m.Cc, want.Cc)
	if want.MessageID != "" {
		eq("message id", m.MessageID, want.MessageID)
	}
	if want.InReplyTo != "" {
		eq("in-reply-to", m.InReplyTo, want.InReplyTo)
	}
	if want.References != nil {
		eq("references", strings.Join(m.References, " "), strings.Join(want.References, " "))
	}
	if want.Date != nil {
		got := ""
		if !m.Date.IsZero() {
			got = m.Date.UTC().Format(time.RFC3339)
		}
		eq("date", got, *want.Date)
	}
	if want.Reply != nil {
		eq("reply", m.Reply, *want.Reply)
	}
	contains(t, "reply", m.Reply, want.ReplyContains, true)
	contains(t, "text", strings.Join(strings.Fields(m.Text), " "), want.TextContains, true)
	if want.HTML != nil {
		eq("html", m.HTML, *want.HTML)
	}
	contains(t, "html", m.HTML, want.HTMLContains, true)
	contains(t, "html", strings.ToLower(m.HTML), want.HTMLAbsent, false)
	for _, h := range []string{m.HTML, m.ReplyHTML} {
		if problem := unsafeHTML(h); problem != "" {
			t.Errorf("unsafe HTML (%s): %s", problem, h)
		}
	}
	contains(t, "reply html", m.ReplyHTML, want.ReplyHTMLContains, true)
	contains(t, "reply html", m.ReplyHTML, want.ReplyHTMLAbsent, false)
	if want.Attachments != nil {
		checkAttachments(t, m, want, stored)
	}
	if want.Bounce != nil {
		if m.Bounce == nil {
			t.Fatalf("no bounce details")
		}
		got, _ := json.Marshal(m.Bounce.Recipients)
		exp, _ := json.Marshal(want.Bounce)
		eq("bounce recipients", string(got), string(exp))
	}
}

func checkAddresses(t *testing.T, field string, got []mail.Address, want []string) {
	t.Helper()
	if want == nil {
		return
	}
	var list []string
	for _, a := range got {
		list = append(list, a.Address)
	}
	if strings.Join(list, ",") != strings.Join(want, ",") {
		t.Errorf("%s = %v, want %v", field, list, want)
	}
}

func contains(t *testing.T, field, s string, subs []string, present bool) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) != present {
			if present {
				t.Errorf("%s lacks %q:\n%s", field, sub, s)
			} else {
				t.Errorf("%s still has %q:\n%s", field, sub, s)
			}
		}
	}
}

func checkAttachments(t *testing.T, m *Message, want expected, stored []storedAttachment) {
	t.Helper()
	if len(m.Attachments) != len(want.Attachments) || len(stored) != len(want.Attachments) {
		t.Fatalf("attachments = %+v (stored %d), want %+v", m.Attachments, len(stored), want.Attachments)
	}
	for i, w := range want.Attachments {
		a := m.Attachments[i]
		if a.Filename != w.Filename || a.ContentType != w.ContentType || a.Size != w.Size || a.Inline != w.Inline || a.ContentID != w.ContentID {
			t.Errorf("attachment %d = %+v, want %+v", i, a, w)
		}
		if int64(stored[i].size) != a.Size || a.Ref != "ref-"+string(rune('1'+i)) {
			t.Errorf("attachment %d: stored %d bytes under %q, reported %d", i, stored[i].size, a.Ref, a.Size)
		}
	}
}
