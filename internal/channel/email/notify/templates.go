package notify

import (
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
)

// Kind names a notification (and its outbox kind).
type Kind string

const (
	KindPublicReply   Kind = "ticket.public_reply"   // to the requester and CCs
	KindAssigned      Kind = "ticket.assigned"       // to the new assignee
	KindCustomerReply Kind = "ticket.customer_reply" // to the assignee, or the group
	// KindReceived acknowledges a request that arrived by email (Zendesk's
	// "Notify requester of received request").
	KindReceived Kind = "ticket.request_received"
)

// Data is what a template may show. Everything a person typed (subject,
// names, comment bodies) is escaped by html/template in the HTML part.
type Data struct {
	TicketID      int64
	Subject       string
	RequesterName string
	RecipientName string
	AuthorName    string
	Body          string // the new comment, plain text
	History       []Entry
	// Link is the ticket in the portal (requesters) or the workspace
	// (agents); "" when no public URL is configured.
	Link  string
	Brand string
	// Suggestions are help-center articles that may answer a new email
	// request, in its acknowledgement (the answer bot; empty otherwise).
	Suggestions []Suggestion
}

// Suggestion is one suggested article: its title (plain text, escaped by
// the HTML template), its address and the signed link that solves the
// request because the article answered it.
type Suggestion struct {
	Title       string
	URL         string
	AnsweredURL string
}

// Entry is one earlier public comment.
type Entry struct {
	Author string
	When   string
	Body   string
}

type tmpl struct {
	subject *template.Template
	text    *template.Template
	html    *htmltemplate.Template
	// src is the text the template was parsed from: what admins see as
	// the default and may override (see Templates).
	src Source
}

// Source is a notification template as written: the subject line and the
// plain-text body (text/template), and the HTML body's content
// (html/template, placed inside the message's <body>).
type Source struct {
	Subject string
	Text    string
	HTML    string
}

// htmlPage wraps a template's HTML body into the message's document.
const htmlPage = `<!DOCTYPE html><html><body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a">%s</body></html>`

func parse(name, subject, text, html string) tmpl {
	t, err := compile(name, Source{Subject: subject, Text: text, HTML: html})
	if err != nil {
		panic(err)
	}
	return t
}

// compile parses src; each part's error names the part.
func compile(name string, src Source) (tmpl, error) {
	t := tmpl{src: src}
	var err error
	if t.subject, err = template.New(name + ".subject").Option("missingkey=error").Parse(src.Subject); err != nil {
		return t, partError{PartSubject, err}
	}
	if t.text, err = template.New(name + ".text").Option("missingkey=error").Parse(src.Text); err != nil {
		return t, partError{PartText, err}
	}
	if t.html, err = htmltemplate.New(name + ".html").Option("missingkey=error").Parse(fmt.Sprintf(htmlPage, src.HTML)); err != nil {
		return t, partError{PartHTML, err}
	}
	return t, nil
}

const historyText = `{{range .History}}
--
{{.Author}}, {{.When}}:
{{.Body}}
{{end}}`

const historyHTML = `{{range .History}}<hr><p><strong>{{.Author}}</strong>, {{.When}}:</p><p style="white-space: pre-wrap">{{.Body}}</p>{{end}}`

// The answer bot's suggested articles in the acknowledgement of a new
// email request (Data.Suggestions).
const (
	suggestionsTextEN = `{{if .Suggestions}}
These articles may already answer your question:
{{range .Suggestions}}
- {{.Title}}
  Read it: {{.URL}}
  This answered my question: {{.AnsweredURL}}
{{end}}{{end}}`
	suggestionsHTMLEN = `{{if .Suggestions}}<p>These articles may already answer your question:</p>
<ul>{{range .Suggestions}}<li><a href="{{.URL}}">{{.Title}}</a> — <a href="{{.AnsweredURL}}">This answered my question</a></li>{{end}}</ul>{{end}}`
	suggestionsTextPL = `{{if .Suggestions}}
Te artykuły mogą już odpowiadać na Twoje pytanie:
{{range .Suggestions}}
- {{.Title}}
  Przeczytaj: {{.URL}}
  To odpowiada na moje pytanie: {{.AnsweredURL}}
{{end}}{{end}}`
	suggestionsHTMLPL = `{{if .Suggestions}}<p>Te artykuły mogą już odpowiadać na Twoje pytanie:</p>
<ul>{{range .Suggestions}}<li><a href="{{.URL}}">{{.Title}}</a> — <a href="{{.AnsweredURL}}">To odpowiada na moje pytanie</a></li>{{end}}</ul>{{end}}`
)

// templates holds the built-in templates per language ("en", "pl").
var templates = map[string]map[Kind]tmpl{
	"en": {
		KindPublicReply: parse("en.reply", `{{.Subject}}`,
			`{{.AuthorName}} replied to your request #{{.TicketID}}:

{{.Body}}
{{if .Link}}
See the whole conversation: {{.Link}}
{{end}}
Reply to this email to answer.
`+historyText,
			`<p><strong>{{.AuthorName}}</strong> replied to your request #{{.TicketID}}:</p>
<p style="white-space: pre-wrap">{{.Body}}</p>
{{if .Link}}<p><a href="{{.Link}}">See the whole conversation</a></p>{{end}}
<p>Reply to this email to answer.</p>`+historyHTML),
		KindAssigned: parse("en.assigned", `Assigned to you: {{.Subject}}`,
			`Ticket #{{.TicketID}} "{{.Subject}}" from {{.RequesterName}} is now assigned to you.
{{if .Link}}
Open it: {{.Link}}
{{end}}`,
			`<p>Ticket #{{.TicketID}} “{{.Subject}}” from {{.RequesterName}} is now assigned to you.</p>
{{if .Link}}<p><a href="{{.Link}}">Open the ticket</a></p>{{end}}`),
		KindCustomerReply: parse("en.customer", `New reply: {{.Subject}}`,
			`{{.AuthorName}} replied on ticket #{{.TicketID}}:

{{.Body}}
{{if .Link}}
Open it: {{.Link}}
{{end}}`,
			`<p><strong>{{.AuthorName}}</strong> replied on ticket #{{.TicketID}}:</p>
<p style="white-space: pre-wrap">{{.Body}}</p>
{{if .Link}}<p><a href="{{.Link}}">Open the ticket</a></p>{{end}}`),
		KindReceived: parse("en.received", `Request received: {{.Subject}}`,
			`Hello {{.RecipientName}},

Your request #{{.TicketID}} has been received and is being reviewed by our support staff.
{{if .Link}}
Follow it here: {{.Link}}
{{end}}
To add additional comments, reply to this email.
`+suggestionsTextEN,
			`<p>Hello {{.RecipientName}},</p>
<p>Your request #{{.TicketID}} has been received and is being reviewed by our support staff.</p>
{{if .Link}}<p><a href="{{.Link}}">Follow your request</a></p>{{end}}
<p>To add additional comments, reply to this email.</p>`+suggestionsHTMLEN),
	},
	"pl": {
		KindPublicReply: parse("pl.reply", `{{.Subject}}`,
			`{{.AuthorName}} odpowiada na Twoje zgłoszenie nr {{.TicketID}}:

{{.Body}}
{{if .Link}}
Cała rozmowa: {{.Link}}
{{end}}
Aby odpowiedzieć, odpisz na tę wiadomość.
`+historyText,
			`<p><strong>{{.AuthorName}}</strong> odpowiada na Twoje zgłoszenie nr {{.TicketID}}:</p>
<p style="white-space: pre-wrap">{{.Body}}</p>
{{if .Link}}<p><a href="{{.Link}}">Zobacz całą rozmowę</a></p>{{end}}
<p>Aby odpowiedzieć, odpisz na tę wiadomość.</p>`+historyHTML),
		KindAssigned: parse("pl.assigned", `Przypisano do Ciebie: {{.Subject}}`,
			`Zgłoszenie nr {{.TicketID}} „{{.Subject}}” od {{.RequesterName}} jest teraz przypisane do Ciebie.
{{if .Link}}
Otwórz: {{.Link}}
{{end}}`,
			`<p>Zgłoszenie nr {{.TicketID}} „{{.Subject}}” od {{.RequesterName}} jest teraz przypisane do Ciebie.</p>
{{if .Link}}<p><a href="{{.Link}}">Otwórz zgłoszenie</a></p>{{end}}`),
		KindCustomerReply: parse("pl.customer", `Nowa odpowiedź: {{.Subject}}`,
			`{{.AuthorName}} odpowiada w zgłoszeniu nr {{.TicketID}}:

{{.Body}}
{{if .Link}}
Otwórz: {{.Link}}
{{end}}`,
			`<p><strong>{{.AuthorName}}</strong> odpowiada w zgłoszeniu nr {{.TicketID}}:</p>
<p style="white-space: pre-wrap">{{.Body}}</p>
{{if .Link}}<p><a href="{{.Link}}">Otwórz zgłoszenie</a></p>{{end}}`),
		KindReceived: parse("pl.received", `Otrzymaliśmy zgłoszenie: {{.Subject}}`,
			`Dzień dobry, {{.RecipientName}},

Twoje zgłoszenie nr {{.TicketID}} zostało przyjęte i nasz zespół wsparcia już się nim zajmuje.
{{if .Link}}
Możesz je śledzić tutaj: {{.Link}}
{{end}}
Aby coś dodać, odpisz na tę wiadomość.
`+suggestionsTextPL,
			`<p>Dzień dobry, {{.RecipientName}},</p>
<p>Twoje zgłoszenie nr {{.TicketID}} zostało przyjęte i nasz zespół wsparcia już się nim zajmuje.</p>
{{if .Link}}<p><a href="{{.Link}}">Śledź swoje zgłoszenie</a></p>{{end}}
<p>Aby coś dodać, odpisz na tę wiadomość.</p>`+suggestionsHTMLPL),
	},
}

// language picks the template language of a user locale ("pl-PL" → "pl");
// anything without templates gets English.
func language(locale string) string {
	lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(locale)), "-")
	if _, ok := templates[lang]; ok {
		return lang
	}
	return "en"
}

// render fills the built-in template kind in lang with d.
func render(lang string, kind Kind, d Data) (subject, text, html string, err error) {
	return templates[language(lang)][kind].execute(d)
}

// execute fills t with d. Each part's output is bounded (maxOutput), so
// not even an admin's template can make a message without end.
func (t tmpl) execute(d Data) (subject, text, html string, err error) {
	sb, tb, hb := &limitedBuilder{}, &limitedBuilder{}, &limitedBuilder{}
	if err = t.subject.Execute(sb, d); err != nil {
		return "", "", "", partError{PartSubject, err}
	}
	if err = t.text.Execute(tb, d); err != nil {
		return "", "", "", partError{PartText, err}
	}
	if err = t.html.Execute(hb, d); err != nil {
		return "", "", "", partError{PartHTML, err}
	}
	return sb.String(), tb.String(), hb.String(), nil
}

// maxOutput bounds one rendered part.
const maxOutput = 256 << 10

// errTooLong stops a template whose output passes maxOutput.
var errTooLong = fmt.Errorf("makes more than %d KiB of text", maxOutput>>10)

type limitedBuilder struct{ strings.Builder }

func (b *limitedBuilder) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxOutput {
		return 0, errTooLong
	}
	return b.Builder.Write(p)
}

// Part names a part of a template, in errors.
type Part string

const (
	PartSubject Part = "subject"
	PartText    Part = "text_body"
	PartHTML    Part = "html_body"
)

// partError is an error in one part of a template.
type partError struct {
	part Part
	err  error
}

func (e partError) Error() string { return string(e.part) + ": " + e.err.Error() }
func (e partError) Unwrap() error { return e.err }
