// Package parse turns one raw inbound e-mail (RFC 5322 / MIME) into the
// fields the email channel needs: addresses, subject, threading headers,
// plain and sanitized HTML bodies, the reply without quoted history,
// attachments (streamed to a callback, never held whole) and a
// classification (normal mail, auto-reply, bounce, read receipt).
//
// Parsing is best effort: broken charsets, encoded-words, transfer
// encodings, multipart structure and truncated input degrade the result
// but do not fail it. Parse fails only when the input is larger than
// Options.MaxBytes, when reading the input fails, or when the attachment
// callback fails.
package parse

import (
	"errors"
	"io"
	"net/mail"
	"net/textproto"
	"time"
)

// ErrTooLarge is returned when the message exceeds Options.MaxBytes.
var ErrTooLarge = errors.New("parse: message larger than the size limit")

// Defaults used when the corresponding Options field is zero.
const (
	DefaultMaxBytes       int64 = 64 << 20
	DefaultMaxAttachments       = 100
	// maxTextBytes caps each text part kept in memory; the rest is dropped.
	maxTextBytes = 4 << 20
	// maxDepth caps MIME nesting (multipart in multipart, forwarded mail).
	maxDepth = 20
)

// Options tune Parse. The zero value is usable.
type Options struct {
	// MaxBytes is the largest accepted raw message; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxAttachments caps the attachments passed to Attachment; later ones
	// are skipped and counted in Message.SkippedAttachments. 0 means
	// DefaultMaxAttachments.
	MaxAttachments int
	// Attachment receives each attachment's decoded content as a stream and
	// returns a reference (e.g. a storage key) kept in Attachment.Ref. It
	// must consume or abandon r before returning. When nil, attachment
	// content is read and discarded (sizes are still reported).
	Attachment func(AttachmentInfo, io.Reader) (ref string, err error)
	// AllowRemoteImages keeps <img> elements pointing at remote URLs in the
	// sanitized HTML; by default they are removed (they track readers).
	AllowRemoteImages bool
}

// Kind classifies a message for the channel: only KindNormal mail should
// create tickets or trigger replies.
type Kind int

// Message kinds.
const (
	KindNormal Kind = iota
	// KindAutoReply is a vacation / auto-responder / bulk message.
	KindAutoReply
	// KindBounce is a delivery status notification (standard or not).
	KindBounce
	// KindDisposition is a message disposition notification (read receipt).
	KindDisposition
)

func (k Kind) String() string {
	switch k {
	case KindAutoReply:
		return "auto_reply"
	case KindBounce:
		return "bounce"
	case KindDisposition:
		return "disposition"
	default:
		return "normal"
	}
}

// AttachmentInfo describes an attachment before its content is streamed.
type AttachmentInfo struct {
	Filename    string
	ContentType string
	ContentID   string // without angle brackets
	Inline      bool
}

// Attachment is one stored attachment or inline image.
type Attachment struct {
	Filename    string
	ContentType string
	Size        int64 // decoded bytes
	ContentID   string
	Inline      bool
	Ref         string // what Options.Attachment returned
}

// Bounce holds what a delivery status notification says.
type Bounce struct {
	Recipients []BounceRecipient
}

// BounceRecipient is one recipient a bounce reports on.
type BounceRecipient struct {
	Address    string
	Action     string // failed, delayed, …; "failed" when not stated
	Status     string // enhanced status code such as 5.1.1, when known
	Diagnostic string
}

// Message is the parsed result.
type Message struct {
	MessageID   string // without angle brackets
	InReplyTo   string // without angle brackets
	References  []string
	From        mail.Address
	ReplyTo     []mail.Address
	To          []mail.Address
	Cc          []mail.Address
	DeliveredTo []mail.Address
	Subject     string
	Date        time.Time
	// Text is the plain-text body (derived from HTML for HTML-only mail).
	Text string
	// HTML is the sanitized HTML body, "" if the message has none.
	HTML string
	// Reply is Text without quoted history and signature.
	Reply string
	// ReplyHTML is HTML without quoted history, sanitized; "" without HTML.
	ReplyHTML   string
	Attachments []Attachment
	// SkippedAttachments counts attachments beyond Options.MaxAttachments.
	SkippedAttachments int
	Kind               Kind
	Bounce             *Bounce
	// Headers holds the headers useful to the channel (threading, loop and
	// auto-reply detection), decoded.
	Headers textproto.MIMEHeader
	// Size is the raw message size in bytes.
	Size int64
}
