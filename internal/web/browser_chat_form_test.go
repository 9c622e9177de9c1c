package web_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// TestBrowserChatPreChatForm: a widget key whose pre-chat form hides the
// name, makes the question optional and offers two teams. On a page of
// another origin the widget shows exactly that form; the team nobody in
// it is online for turns it into the message form; the visitor picks the
// team that is online, starts without a question, and the chat reaches
// that team's queue (and not the other's).
func TestBrowserChatPreChatForm(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	var key string
	site := shopSite(t, e.base, &key)
	sales := e.mustGroup("Sales")
	seller := e.mustUser("Sam Seller", "sam@example.com", desk.RoleAgent)
	if _, err := e.app.People.AddMembership(e.sys, seller.ID, sales.ID, true); err != nil {
		t.Fatal(err)
	}
	hidden, optional, groups := chat.FieldHidden, chat.FieldOptional, []int64{e.group.ID, sales.ID}
	key = e.shopKey(site, chat.KeyInput{Form: &chat.FormInput{Name: &hidden, Question: &optional, Groups: &groups}})

	// Only Sam (Sales) is online.
	ag := b.tab("sales agent")
	ag.signIn(e.base, "/agent/signin", seller.Email)
	if _, err := e.app.Assign.SetMine(desk.WithPrincipal(e.sys, &desk.Principal{UserID: seller.ID, Role: desk.RoleAgent, Email: seller.Email, Via: "web"}), assign.Online); err != nil {
		t.Fatal(err)
	}
	ag.open(e.base + "/agent/chat")
	ag.waitText("Waiting chats")

	vi := b.tab("visitor")
	vi.open(site.URL + "/")
	vi.waitJS(w(`return !!R.querySelector(".l");`), "the launcher")
	vi.eval(w(`R.querySelector(".l").click(); return "";`))
	vi.waitJS(w(`return !!R.querySelector("#fdc-group");`), "the team choice")
	got := vi.eval(w(`const q = R.querySelector("#fdc-question"), g = R.querySelector("#fdc-group");
		return JSON.stringify([!!R.querySelector("#fdc-name"), R.querySelector("label[for=fdc-question]").textContent, q.required,
			R.querySelector("label[for=fdc-group]").textContent, [...g.options].map(o => o.textContent).join("|"), g.required, R.querySelector("#fdc-email").required]);`))
	if want := `[false,"How can we help? (optional)",false,"Which team?","Choose a team|Support|Sales",true,true]`; got != want {
		t.Fatalf("form:\n got %s\nwant %s", got, want)
	}
	vi.widgetAccessible("the configured pre-chat form")
	// Support has nobody online: the form becomes the message form.
	vi.eval(w(fmt.Sprintf(`const g = R.querySelector("#fdc-group"); g.value = "%d"; g.dispatchEvent(new Event("change")); return "";`, e.group.ID)))
	vi.waitWidget("No one in this team is available")
	if got := vi.eval(w(`return R.querySelector("form.f button").textContent + "|" + R.querySelector("#fdc-question").required;`)); got != "Send message|true" {
		t.Fatalf("offline team: %s", got)
	}
	// Sales is online: a chat, the question optional. Submitting without
	// an email is stopped in the widget, with the field marked.
	vi.eval(w(fmt.Sprintf(`const g = R.querySelector("#fdc-group"); g.value = "%d"; g.dispatchEvent(new Event("change")); return "";`, sales.ID)))
	vi.waitJS(w(`return R.querySelector("form.f button").textContent === "Start chat";`), "the chat form again")
	vi.eval(w(`R.querySelector("form.f button").click(); return "";`))
	vi.waitJS(w(`return R.querySelector("#fdc-email").getAttribute("aria-invalid") === "true" && R.activeElement === R.querySelector("#fdc-email");`), "the missing email marked and focused")
	vi.widgetAccessible("the form with an error")
	vi.eval(w(`R.querySelector("#fdc-email").value = "vera@example.com"; R.querySelector("form.f button").click(); return "";`))
	// No question: the answer bot asks for one; the visitor wants a person.
	vi.waitWidget("Talk to a person")
	vi.eval(w(`[...R.querySelectorAll(".bt button")].find(b => b.textContent === "Talk to a person").click(); return "";`))
	vi.waitWidget("Waiting for an agent")

	// It reaches Sales' queue, not Support's.
	ag.waitText("vera@example.com")
	con, err := e.app.Chat.Console(as(e.agent))
	if err != nil {
		t.Fatal(err)
	}
	if len(con.Queue) != 0 {
		t.Fatalf("Support's queue holds %d chats", len(con.Queue))
	}
	con, err = e.app.Chat.Console(desk.WithPrincipal(e.sys, &desk.Principal{UserID: seller.ID, Role: desk.RoleAgent, Email: seller.Email, Via: "web"}))
	if err != nil || len(con.Queue) != 1 || con.Queue[0].GroupID != sales.ID {
		t.Fatalf("Sales' queue: %+v %v", con, err)
	}
	tk, err := e.app.Tickets.Get(e.sys, con.Queue[0].TicketID)
	if err != nil || tk.GroupID == nil || *tk.GroupID != sales.ID {
		t.Fatalf("ticket: %+v %v", tk, err)
	}
	if !slices.Contains([]string{chat.StateWaiting, chat.StateActive}, con.Queue[0].State) {
		t.Fatalf("state %s", con.Queue[0].State)
	}
	vi.noScriptRan("the widget")

	// The same form in Polish, as accessible.
	pl := b.tab("polish visitor")
	pl.open(site.URL + "/?lang=pl")
	pl.waitJS(w(`return !!R.querySelector(".l");`), "the launcher")
	pl.eval(w(`R.querySelector(".l").click(); return "";`))
	pl.waitJS(w(`return !!R.querySelector("#fdc-group");`), "the team choice")
	if got := pl.eval(w(`return R.querySelector("label[for=fdc-group]").textContent + "|" + R.querySelector("label[for=fdc-question]").textContent + "|" + R.querySelector("#fdc-group").options[0].textContent;`)); got != "Który zespół?|W czym możemy pomóc? (opcjonalnie)|Wybierz zespół" {
		t.Fatalf("Polish form: %s", got)
	}
	pl.widgetAccessible("the Polish configured pre-chat form")
}
