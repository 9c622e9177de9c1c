package notify

import (
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
}

func parse(name, subject, text, html string) tmpl {
	return tmpl{
		subject: template.Must(template.New(name + ".subject").Option("missingkey=error").Parse(subject)),
		text:    template.Must(template.New(name + ".text").Option("missingkey=error").Parse(text)),
		html: htmltemplate.Must(htmltemplate.New(name + ".html").Option("missingkey=error").Parse(
			`<!DOCTYPE html><html><body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a">` + html + `</body></html>`)),
	}
}

const historyText = `{{range .History}}
--
{{.Author}}, {{.When}}:
{{.Body}}
{{end}}`

const historyHTML = `{{range .History}}<hr><p><strong>{{.Author}}</strong>, {{.When}}:</p><p style="white-space: pre-wrap">{{.Body}}</p>{{end}}`

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
`,
			`<p>Hello {{.RecipientName}},</p>
<p>Your request #{{.TicketID}} has been received and is being reviewed by our support staff.</p>
{{if .Link}}<p><a href="{{.Link}}">Follow your request</a></p>{{end}}
<p>To add additional comments, reply to this email.</p>`),
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
`,
			`<p>Dzień dobry, {{.RecipientName}},</p>
<p>Twoje zgłoszenie nr {{.TicketID}} zostało przyjęte i nasz zespół wsparcia już się nim zajmuje.</p>
{{if .Link}}<p><a href="{{.Link}}">Śledź swoje zgłoszenie</a></p>{{end}}
<p>Aby coś dodać, odpisz na tę wiadomość.</p>`),
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

// render fills template kind in lang with d.
func render(lang string, kind Kind, d Data) (subject, text, html string, err error) {
	t := templates[language(lang)][kind]
	var sb, tb, hb strings.Builder
	if err = t.subject.Execute(&sb, d); err != nil {
		return
	}
	if err = t.text.Execute(&tb, d); err != nil {
		return
	}
	if err = t.html.Execute(&hb, d); err != nil {
		return
	}
	return sb.String(), tb.String(), hb.String(), nil
}
