package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Transcripts by email. A visitor asks from the widget, during the chat or
// after it; the transcript goes only to the address given in that chat's
// pre-chat form (or signed by the host site), never to one named in the
// request, so the call cannot relay mail to anyone else. It is queued
// through the outbox in the transaction that records the request on the
// ticket (an internal note), at most once per TranscriptEvery per chat,
// within a per-IP budget and a per-address cap.
const (
	// KindTranscript is the outbox kind of a chat transcript.
	KindTranscript = "chat_transcript"
	// TranscriptEvery is how long after one transcript of a chat the next
	// may be sent.
	TranscriptEvery = 10 * time.Minute
	// DefaultTranscriptsPerHour bounds the transcripts one IP asks for.
	DefaultTranscriptsPerHour = 5
	// maxTranscriptsPerAddressDay bounds the transcripts one address
	// receives in a day, whoever asks.
	maxTranscriptsPerAddressDay = 5
)

// TranscriptSent says where a transcript went: the address is shown
// half-hidden, as the widget displays it.
type TranscriptSent struct {
	To string `json:"to"`
}

// maskEmail hides most of an address's local part: "v***@example.com".
func maskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at <= 0 {
		return "***"
	}
	r := []rune(e[:at])
	return string(r[0]) + "***" + e[at:]
}

// VisitorTranscript queues the transcript of v's chat to the email address
// of its pre-chat form. ip is the caller's address (its budget).
func (s *Service) VisitorTranscript(ctx context.Context, v *Visitor, ip string) (*TranscriptSent, error) {
	if s.Outbox == nil {
		return nil, &desk.Error{Code: desk.ENOTFOUND, Message: "Transcripts by email are not available"}
	}
	if err := s.takeBudgets(ctx, "transcript", ip, "Too many transcripts asked for from here; wait a while and try again",
		budget{"h", LimitOf(s.TranscriptsPerHour, DefaultTranscriptsPerHour), time.Hour}); err != nil {
		return nil, err
	}
	st := s.settingsSvc()
	tzName, err := settings.DefaultTimeZone.Get(ctx, st)
	if err != nil {
		return nil, err
	}
	tz, err := time.LoadLocation(tzName)
	if err != nil {
		tz, tzName = time.UTC, "UTC"
	}
	deskLocale, err := settings.DefaultLocale.Get(ctx, st)
	if err != nil {
		return nil, err
	}
	var sent *TranscriptSent
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.conversation(ctx, tx, v.Conversation.ID)
		if err != nil {
			return err
		}
		var email string
		if err := tx.QueryRow(ctx, `SELECT visitor_email FROM chat_conversations WHERE id = ?`, c.ID).Scan(&email); err != nil {
			return fmt.Errorf("chat: transcript address: %w", err)
		}
		if email == "" {
			return &desk.Error{Code: desk.ECONFLICT, Message: "This chat has no email address to send its transcript to"}
		}
		now := s.now()
		// Claim the chat's turn: one UPDATE, so of two requests at once
		// one sends.
		res, err := tx.Exec(ctx, `UPDATE chat_conversations SET transcript_at = ? WHERE id = ? AND transcript_at <= ?`,
			now.UnixMicro(), c.ID, now.Add(-TranscriptEvery).UnixMicro())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var last int64
			if err := tx.QueryRow(ctx, `SELECT transcript_at FROM chat_conversations WHERE id = ?`, c.ID).Scan(&last); err != nil {
				return err
			}
			return &LimitError{Err: &desk.Error{Code: desk.ETOOMANY, Message: "The transcript of this chat was sent a moment ago; check your email"},
				RetryAfter: max(time.UnixMicro(last).Add(TranscriptEvery).Sub(now), time.Second)}
		}
		n, err := s.Outbox.CountSinceTx(ctx, tx, email, KindTranscript, now.Add(-24*time.Hour))
		if err != nil {
			return err
		}
		if n >= maxTranscriptsPerAddressDay {
			return &LimitError{Err: &desk.Error{Code: desk.ETOOMANY, Message: "Too many transcripts were sent to this address today; try again tomorrow"},
				RetryAfter: 24 * time.Hour}
		}
		ms, err := s.allMessages(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		m, err := renderTranscript(c, ms, locale.Default().Printer(c.Locale, tz), tzName)
		if err != nil {
			return err
		}
		m.To = email
		if err := s.Outbox.AddTx(ctx, tx, m); err != nil {
			if desk.ErrorCode(err) == desk.EINVALID {
				return &desk.Error{Code: desk.ECONFLICT, Message: "This chat has no email address to send its transcript to"}
			}
			return err
		}
		note := locale.Default().Printer(deskLocale, nil).T("email.chat_transcript.note", "email", email)
		priv := false
		if _, _, err := s.Tickets.EditTx(systemCtx(ctx), tx, c.TicketID, func(e *ticket.Edit) error {
			return e.AddComment(&ticket.CommentInput{Body: note, Public: &priv})
		}); err != nil {
			return err
		}
		sent = &TranscriptSent{To: maskEmail(email)}
		return nil
	})
	if err != nil {
		var le *LimitError
		if !errors.As(err, &le) && desk.ErrorCode(err) == desk.EINTERNAL {
			s.log().Warn("chat: transcript", "conversation", v.Conversation.ID, "err", err)
		}
		return nil, err
	}
	return sent, nil
}

// allMessages is every line of conversation id, oldest first, read a page
// at a time.
func (s *Service) allMessages(ctx context.Context, q store.Querier, id int64) ([]*Message, error) {
	var all []*Message
	after := int64(0)
	for {
		ms, err := s.messages(ctx, q, id, after)
		if err != nil {
			return nil, err
		}
		all = append(all, ms...)
		if len(ms) < maxMessagesRead {
			return all, nil
		}
		after = ms[len(ms)-1].ID
	}
}

// transcriptLine is one line of a transcript.
type transcriptLine struct {
	Time   string
	Author string
	Text   string
	// File is the name of a file sent in the chat: named only, never
	// linked (a link would have to carry the visitor's token into mail).
	File string
	// System marks a line the chat itself wrote (joined, ended).
	System bool
}

var transcriptHTML = template.Must(template.New("t").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:sans-serif;color:#111">
<p>{{.Intro}}</p>
<table role="presentation" style="border-collapse:collapse">
{{range .Lines}}<tr><td style="padding:2px 8px 2px 0;color:#4b5563;vertical-align:top;white-space:nowrap">{{.Time}}</td>{{if .System}}<td colspan="2" style="padding:2px 0;font-style:italic;color:#374151">{{.Text}}</td>{{else}}<td style="padding:2px 8px 2px 0;vertical-align:top;font-weight:bold">{{.Author}}</td><td style="padding:2px 0;white-space:pre-wrap">{{if .File}}[{{$.FileLabel}}: {{.File}}]{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{end}}</table>
<p style="color:#4b5563">{{.Zone}}</p>
{{if .HasFiles}}<p style="color:#4b5563">{{.FilesNote}}</p>{{end}}
<p style="color:#4b5563">{{.Footer}}</p>
</body></html>`))

// renderTranscript writes chat c's transcript, in the chat's language with
// times in the help desk's zone: a plain-text part and an HTML part whose
// every value is escaped.
func renderTranscript(c *Conversation, ms []*Message, pr *locale.Printer, zone string) (outbox.Message, error) {
	var lines []transcriptLine
	hasFiles := false
	for _, m := range ms {
		l := transcriptLine{Time: pr.DateTime(m.CreatedAt.Time), Text: m.Body}
		switch m.Kind {
		case KindSystem:
			l.System = true
			l.Text = systemText(pr, m)
			if l.Text == "" {
				continue
			}
		case KindBot:
			l.Author = pr.T("email.chat_transcript.assistant")
		case KindVisitor:
			l.Author = c.VisitorName
		default:
			l.Author = m.AuthorName
			if l.Author == "" {
				l.Author = pr.T("email.chat_transcript.agent")
			}
		}
		if m.Data != nil && m.Data.Code == "file" && m.Kind != KindSystem {
			l.File, hasFiles = m.Body, true
		}
		lines = append(lines, l)
	}
	subject := pr.T("email.chat_transcript.subject", "id", c.TicketID)
	intro := pr.T("email.chat_transcript.intro", "date", pr.DateTime(c.CreatedAt.Time))
	zoneLine := pr.T("email.chat_transcript.zone", "zone", zone)
	filesNote := pr.T("email.chat_transcript.files_note")
	footer := pr.T("email.chat_transcript.footer")
	fileLabel := pr.T("email.chat_transcript.file")

	var text strings.Builder
	text.WriteString(intro + "\n\n")
	for _, l := range lines {
		switch {
		case l.System:
			fmt.Fprintf(&text, "[%s] * %s\n", l.Time, l.Text)
		case l.File != "":
			fmt.Fprintf(&text, "[%s] %s: [%s: %s]\n", l.Time, l.Author, fileLabel, l.File)
		default:
			body := strings.ReplaceAll(l.Text, "\n", "\n    ")
			fmt.Fprintf(&text, "[%s] %s: %s\n", l.Time, l.Author, body)
		}
	}
	text.WriteString("\n" + zoneLine + "\n")
	if hasFiles {
		text.WriteString(filesNote + "\n")
	}
	text.WriteString("\n" + footer + "\n")

	var html bytes.Buffer
	if err := transcriptHTML.Execute(&html, map[string]any{
		"Lang": pr.Locale, "Subject": subject, "Intro": intro, "Lines": lines, "Zone": zoneLine,
		"HasFiles": hasFiles, "FilesNote": filesNote, "Footer": footer, "FileLabel": fileLabel,
	}); err != nil {
		return outbox.Message{}, err
	}
	return outbox.Message{Subject: subject, Text: text.String(), HTML: html.String(), Kind: KindTranscript,
		TicketID: c.TicketID, AutoSubmitted: "auto-generated"}, nil
}

// systemText is a system line in the transcript's language ("" for a code
// it does not know).
func systemText(pr *locale.Printer, m *Message) string {
	code := ""
	var args []string
	if m.Data != nil {
		code, args = m.Data.Code, m.Data.Args
	}
	switch code {
	case "joined":
		name := pr.T("email.chat_transcript.agent")
		if len(args) > 0 && args[0] != "" {
			name = args[0]
		}
		return pr.T("email.chat_transcript.joined", "name", name)
	case "transferred", "agent_ended", "visitor_ended", "left_message", "bot_resolved":
		return pr.T("email.chat_transcript." + code)
	}
	return ""
}
