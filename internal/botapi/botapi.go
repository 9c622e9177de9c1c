// Package botapi is the contract between the live chat and the answer bot: the chat hands
// the bot each visitor turn before a person is involved; the bot answers with text,
// suggested articles and buttons, or hands the conversation over to a person.
package botapi

import "context"

// Turn is one visitor step in a chat that the bot still holds.
type Turn struct {
	ConversationID int64
	TicketID       int64  // the chat's ticket (via chat)
	Locale         string // "en", "pl", …
	Text           string // what the visitor typed ("" when a button was pressed or the chat just opened)
	ButtonID       string // the button pressed, "" if none
	State          []byte // the bot's own state from its previous reply (nil at the start)
	VisitorUserID  int64  // 0 for an anonymous visitor
	GroupID        int64  // the chat's group (from the widget key or the pre-chat form), 0 if none
}

// Article is a help-center article the bot offers.
type Article struct {
	ID      int64
	Title   string
	URL     string // absolute path on this help desk, e.g. /hc/pl/articles/12-slug
	Snippet string // plain text
}

// Button is a choice offered to the visitor.
type Button struct {
	ID    string
	Label string
}

// Reply is the bot's answer to one Turn.
type Reply struct {
	Text     string    // plain text, may be empty
	Articles []Article // at most three
	Buttons  []Button
	State    []byte // handed back in the next Turn
	// Handover: stop the bot and route the chat to a person (GroupID if non-zero);
	// Transcript is not needed, the chat keeps it.
	Handover bool
	GroupID  int64
	// Resolved: the visitor said an article answered the question; the chat ends and is
	// recorded as a bot resolution.
	Resolved  bool
	ArticleID int64 // the article that resolved it
	// Drafted: Text holds an answer drafted automatically (by a language
	// model, from Articles); the widget labels it as an automatic answer.
	Drafted bool
	// AgentNote is plain text for the agents alone (a drafted answer the
	// visitor does not see): the chat adds it to its ticket as an
	// internal note.
	AgentNote string
}

// Bot answers visitor turns. The chat works without one (nil: straight to routing).
type Bot interface {
	Turn(ctx context.Context, t Turn) (Reply, error)
}
