package settings

import "strconv"

// Live chat (p11-chat). Declared apart from the other blocks to keep
// merges with other settings easy.
const (
	KeyChatMaxPerAgent = "chat.max_chats_per_agent"
	KeyChatRouting     = "chat.routing"
	KeyChatWaitSeconds = "chat.wait_seconds"
	KeyChatTokenDays   = "chat.visitor_token_days"
)

// Chat routing modes.
const (
	ChatRoutingBroadcast  = "broadcast"
	ChatRoutingRoundRobin = "round_robin"
)

func intRange(key string, def, lo, hi int64, desc, why string) *Setting[int64] {
	return &Setting[int64]{
		key: key, kind: KindInt, def: def, description: desc,
		parse:  func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) },
		format: func(v int64) string { return strconv.FormatInt(v, 10) },
		check: func(v int64) string {
			if v < lo || v > hi {
				return why
			}
			return ""
		},
	}
}

var (
	// ChatMaxPerAgent is how many chats an agent holds at once: past it
	// the agent cannot accept another and routing passes them by.
	ChatMaxPerAgent = declare(intRange(KeyChatMaxPerAgent, 3, 1, 50,
		"Live chats an agent may hold at once (1 to 50).", "must be between 1 and 50"))

	// ChatRouting is how a waiting chat reaches an agent: broadcast (every
	// online agent of the chat's group with capacity sees it and one
	// accepts) or round_robin (the next such agent gets it).
	ChatRouting = declare(stringSetting(KeyChatRouting, ChatRoutingBroadcast,
		"How waiting chats reach agents: broadcast (offered to every online agent with capacity) or round_robin (assigned in turn).",
		func(v string) string {
			if v != ChatRoutingBroadcast && v != ChatRoutingRoundRobin {
				return "must be broadcast or round_robin"
			}
			return ""
		}))

	// ChatWaitSeconds is how long a visitor waits in the queue with nobody
	// accepting before the widget offers to leave a message instead.
	ChatWaitSeconds = declare(intRange(KeyChatWaitSeconds, 120, 10, 3600,
		"Seconds a visitor waits for an agent before the widget offers to leave a message (10 to 3600).", "must be between 10 and 3600 seconds"))

	// ChatTokenDays is how long after a chat ended its visitor's token
	// still opens it (to read it again, ask for its transcript): past
	// that a leaked or forgotten token reads nothing.
	ChatTokenDays = declare(intRange(KeyChatTokenDays, 30, 1, 3650,
		"Days after a chat ended that the visitor's token still opens it (1 to 3650).", "must be between 1 and 3650 days"))
)
