package account

import (
	"bytes"
	"context"
	htmltemplate "html/template"
	"text/template"
	"time"

	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
)

// mailData is everything an account email may show. It holds only links
// we built and the site's own URL: never text a stranger typed.
type mailData struct {
	Base            string // the site, e.g. https://help.example.com
	Link            string // the main action
	VerifyLink      string // already_registered: a fresh verification link
	SetPasswordLink string // already_registered: a link to set a first password
	LockedFor       string // account_locked: how long, e.g. "15 minutes"
	Until           string // account_locked: when the lock ends (UTC)
	Account         string // account_locked_owner: the locked account's address
}

type mailTemplate struct {
	subject string
	text    *template.Template
	html    *htmltemplate.Template
}

func newMail(kind, subject, text, html string) mailTemplate {
	return mailTemplate{
		subject: subject,
		text:    template.Must(template.New(kind).Option("missingkey=error").Parse(text)),
		html: htmltemplate.Must(htmltemplate.New(kind).Option("missingkey=error").Parse(
			`<!DOCTYPE html><html><body style="font-family: sans-serif; line-height: 1.5">` + html + `</body></html>`)),
	}
}

var mails = map[string]mailTemplate{
	KindPasswordReset: newMail(KindPasswordReset, "Reset your password",
		`Someone asked to reset the password of your account at {{.Base}}.

To choose a new password, open this link within 1 hour:

{{.Link}}

If you did not ask for this, ignore this email: your password stays as it is.
`,
		`<p>Someone asked to reset the password of your account at {{.Base}}.</p>
<p>To choose a new password, open this link within 1 hour:</p>
<p><a href="{{.Link}}">Choose a new password</a></p>
<p>If you did not ask for this, ignore this email: your password stays as it is.</p>`),

	KindVerifyEmail: newMail(KindVerifyEmail, "Confirm your email address",
		`Thanks for signing up at {{.Base}}.

To confirm your email address and activate your account, open this link within 24 hours:

{{.Link}}

If you did not sign up, ignore this email and no account will be activated.
`,
		`<p>Thanks for signing up at {{.Base}}.</p>
<p>To confirm your email address and activate your account, open this link within 24 hours:</p>
<p><a href="{{.Link}}">Confirm my email address</a></p>
<p>If you did not sign up, ignore this email and no account will be activated.</p>`),

	KindAlreadyRegistered: newMail(KindAlreadyRegistered, "Someone tried to sign up with your email address",
		`Someone (hopefully you) tried to sign up at {{.Base}} with this email address, but it already has an account.
{{if .VerifyLink}}
Your account is not activated yet. To confirm your email address, open this link within 24 hours:

{{.VerifyLink}}
{{else if .SetPasswordLink}}
Your account has no password yet. To choose one, open this link within 1 hour:

{{.SetPasswordLink}}
{{else}}
If that was you, sign in with your existing password instead. If you have forgotten it, use "Forgot password" on the sign-in page.
{{end}}
If it was not you, ignore this email: nothing has changed.
`,
		`<p>Someone (hopefully you) tried to sign up at {{.Base}} with this email address, but it already has an account.</p>
{{if .VerifyLink}}<p>Your account is not activated yet. To confirm your email address, open this link within 24 hours:</p>
<p><a href="{{.VerifyLink}}">Confirm my email address</a></p>
{{else if .SetPasswordLink}}<p>Your account has no password yet. To choose one, open this link within 1 hour:</p>
<p><a href="{{.SetPasswordLink}}">Choose a password</a></p>
{{else}}<p>If that was you, sign in with your existing password instead. If you have forgotten it, use “Forgot password” on the sign-in page.</p>
{{end}}<p>If it was not you, ignore this email: nothing has changed.</p>`),

	KindAccountLocked: newMail(KindAccountLocked, "Your account has been locked for a while",
		`Someone tried to sign in to your account{{if .Base}} at {{.Base}}{{end}} with a wrong password too many times, so signing in from new devices is blocked for {{.LockedFor}} (until {{.Until}}).

Browsers you have signed in from before can still sign in as usual.

If that was you, wait until then, sign in from a device you have used before, or choose a new password with "Forgot password" on the sign-in page: that unlocks your account at once.

If it was not you, someone may be trying to guess your password. Nobody can sign in from a new device while the account is locked; to be safe, choose a new password that you use nowhere else.
`,
		`<p>Someone tried to sign in to your account{{if .Base}} at {{.Base}}{{end}} with a wrong password too many times, so signing in from new devices is blocked for {{.LockedFor}} (until {{.Until}}).</p>
<p>Browsers you have signed in from before can still sign in as usual.</p>
<p>If that was you, wait until then, sign in from a device you have used before, or choose a new password with “Forgot password” on the sign-in page: that unlocks your account at once.</p>
<p>If it was not you, someone may be trying to guess your password. Nobody can sign in from a new device while the account is locked; to be safe, choose a new password that you use nowhere else.</p>`),

	KindAccountLockedOwner: newMail(KindAccountLockedOwner, "An account on your help desk has been locked",
		`The account {{.Account}}{{if .Base}} at {{.Base}}{{end}} had too many wrong passwords from unfamiliar devices, so signing in to it from new devices is blocked for {{.LockedFor}} (until {{.Until}}). Devices its owner signed in from before still work, and its owner has been told.

You get this email because you own the help desk. If it happens again and again, someone may be guessing passwords.
`,
		`<p>The account {{.Account}}{{if .Base}} at {{.Base}}{{end}} had too many wrong passwords from unfamiliar devices, so signing in to it from new devices is blocked for {{.LockedFor}} (until {{.Until}}). Devices its owner signed in from before still work, and its owner has been told.</p>
<p>You get this email because you own the help desk. If it happens again and again, someone may be guessing passwords.</p>`),
}

// queueMail renders the kind's template with d and adds it to the outbox
// inside tx.
func (s *Service) queueMail(ctx context.Context, tx *store.Tx, kind, to string, d mailData, now time.Time) error {
	t := mails[kind]
	var text, html bytes.Buffer
	if err := t.text.Execute(&text, d); err != nil {
		return err
	}
	if err := t.html.Execute(&html, d); err != nil {
		return err
	}
	return s.Outbox.AddTx(ctx, tx, outbox.Message{To: to, Subject: t.subject, Text: text.String(), HTML: html.String(),
		Kind: kind, CreatedAt: now})
}
