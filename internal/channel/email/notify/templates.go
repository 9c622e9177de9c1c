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
