// Package deliver sends the outbox: it claims due messages, composes each
// as a MIME message (multipart/alternative, UTF-8, quoted-printable, RFC
// 2047 headers), signs it with DKIM when the mailbox has a key, and hands
// it to the mailbox's SMTP relay with go-smtp. A temporary failure (4xx,
// a broken connection) is retried with exponential back-off; a permanent
// one (5xx) or too many attempts gives up and shows on the admin outbox.
package deliver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/outbox"
)

// Envelope is a composed message ready for SMTP.
type Envelope struct {
	From string // envelope sender (MAIL FROM): the support address
	To   string
	Data []byte
}

// signedHeaders are the header fields DKIM signatures cover.
var signedHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
	"Reply-To", "Auto-Submitted", "MIME-Version", "Content-Type"}

// Compose builds message m as sent by sender with Message-ID id at date,
// signed with DKIM when the sender has a key.
func Compose(m outbox.Message, sender *mailbox.Sender, id string, date time.Time) (*Envelope, error) {
	var b bytes.Buffer
	from := mail.Address{Name: sender.Name, Address: sender.Address}
	if from.Name == sender.Address {
		from.Name = ""
	}
	h := []struct{ k, v string }{
		{"From", from.String()},
		{"To", (&mail.Address{Address: m.To}).String()},
		{"Subject", mime.QEncoding.Encode("utf-8", m.Subject)},
		{"Date", date.Format(time.RFC1123Z)},
		{"Message-ID", "<" + id + ">"},
	}
	if m.InReplyTo != "" {
		h = append(h, struct{ k, v string }{"In-Reply-To", "<" + m.InReplyTo + ">"})
	}
	if len(m.References) > 0 {
		h = append(h, struct{ k, v string }{"References", "<" + strings.Join(m.References, ">\r\n <") + ">"})
	}
	if m.ReplyTo != "" {
		h = append(h, struct{ k, v string }{"Reply-To", (&mail.Address{Name: from.Name, Address: m.ReplyTo}).String()})
	}
	if m.AutoSubmitted != "" {
		h = append(h, struct{ k, v string }{"Auto-Submitted", m.AutoSubmitted})
		h = append(h, struct{ k, v string }{"X-Auto-Response-Suppress", "All"})
	}
	h = append(h, struct{ k, v string }{"MIME-Version", "1.0"})
	for _, f := range h {
		b.WriteString(f.k + ": " + f.v + "\r\n")
	}
	if err := writeBody(&b, m); err != nil {
		return nil, err
	}
	data := b.Bytes()
	if sender.DKIM != nil {
		signed, err := sign(data, sender)
		if err != nil {
			return nil, err
		}
		data = signed
	}
	return &Envelope{From: sender.Address, To: m.To, Data: data}, nil
}

// writeBody writes Content-Type and the body: one text part, or
// multipart/alternative with text then HTML (clients show the last part
// they understand).
func writeBody(b *bytes.Buffer, m outbox.Message) error {
	if m.HTML == "" || m.Text == "" {
		ct, body := "text/plain", m.Text
		if m.Text == "" {
			ct, body = "text/html", m.HTML
		}
		b.WriteString("Content-Type: " + ct + "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		return writeQP(b, body)
	}
	mw := multipart.NewWriter(b)
	boundary := make([]byte, 12)
	_, _ = rand.Read(boundary)
	if err := mw.SetBoundary("fd-" + hex.EncodeToString(boundary)); err != nil {
		return err
	}
	b.WriteString("Content-Type: multipart/alternative; boundary=\"" + mw.Boundary() + "\"\r\n\r\n")
	for _, part := range []struct{ ct, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ct + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return err
		}
		if err := writeQP(w, part.body); err != nil {
			return err
		}
	}
	return mw.Close()
}

// writeQP writes s quoted-printable with CRLF line ends.
func writeQP(w io.Writer, s string) error {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, s); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\r\n")
	return err
}

func sign(data []byte, sender *mailbox.Sender) ([]byte, error) {
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(data), &dkim.SignOptions{
		Domain:                 sender.Domain(),
		Selector:               sender.DKIMSelector,
		Signer:                 sender.DKIM,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             presentHeaders(data),
	})
	if err != nil {
		return nil, fmt.Errorf("deliver: DKIM signing: %w", err)
	}
	return out.Bytes(), nil
}

// presentHeaders lists the signed header fields the message has.
func presentHeaders(data []byte) []string {
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	var out []string
	for _, k := range signedHeaders {
		if bytes.HasPrefix(head, []byte(k+":")) || bytes.Contains(head, []byte("\r\n"+k+":")) {
			out = append(out, k)
		}
	}
	return out
}
