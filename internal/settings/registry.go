package settings

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Every stored setting, declared once. Packages refer to these variables;
// the keys are exported for code that reads a setting inside SQL (the
// owner, in the ticket visibility rule).

// Keys of the declared settings.
const (
	KeyAssignOnSolve    = "tickets.assign_on_solve"
	KeyRequireStaff2FA  = "security.require_2fa_staff"
	KeyHelpdeskName     = "helpdesk.name"
	KeyDefaultLocale    = "helpdesk.default_locale"
	KeyDefaultTimeZone  = "helpdesk.default_time_zone"
	KeySessionLimits    = "security.sessions"
	KeyPasswordStaff    = "security.password.staff"
	KeyPasswordEndUsers = "security.password.end_users"
	KeyCSRFKey          = "web.csrf_key"
	KeyOwner            = desk.SettingOwner
	KeySetupCode        = "setup.code"
	KeyBlockedSenders   = "email.blocked_senders"
	KeyWebhooksPrivate  = "webhooks.allow_private_addresses"
	KeyRedactCards      = "tickets.redact_card_numbers"
	KeyShareableLinks   = "tickets.shareable_links"
)

// Limits of string settings.
const (
	MaxHelpdeskName = 100 // runes
	maxLocaleTag    = 35
	maxTimeZone     = 64
	minSecretBytes  = 32
)

var (
	// AssignOnSolve is Zendesk's "assign tickets upon solve": an agent who
	// solves a ticket that has no assignee becomes its assignee. Off, solving
	// a ticket without an assignee is refused (a solved ticket always has
	// one, as in Zendesk).
	AssignOnSolve = declare(boolSetting(KeyAssignOnSolve, true,
		"An agent who solves an unassigned ticket becomes its assignee (off: solving needs an assignee)."))

	// RequireStaff2FA makes agents and admins use two-factor authentication.
	RequireStaff2FA = declare(boolSetting(KeyRequireStaff2FA, false,
		"Agents and admins must use two-factor authentication."))

	// WebhooksAllowPrivate lets webhooks call private, loopback and
	// link-local addresses (endpoints on the help desk's own network). Off,
	// such addresses are refused when the endpoint is saved and at every
	// connection (package webhook).
	WebhooksAllowPrivate = declare(boolSetting(KeyWebhooksPrivate, false,
		"Webhooks may call private, loopback and link-local addresses (off: only public addresses)."))

	// RedactCardNumbers redacts payment-card numbers (13–19 digits passing
	// the Luhn check) in comments from end-users before they are stored.
	RedactCardNumbers = declare(boolSetting(KeyRedactCards, false,
		"Redact payment-card numbers in messages from customers before they are stored."))

	// ShareableLinks lets staff make shareable links to tickets: a random
	// token URL (/shared/{token}) that shows the ticket's subject, status
	// and public comments to anyone holding it, without signing in (package
	// ticket, share.go). Off (the default), no ticket is reachable by URL
	// without signing in, and every link made earlier answers "not found".
	ShareableLinks = declare(boolSetting(KeyShareableLinks, false,
		"Staff may make shareable links that show a ticket's public conversation without signing in (off: no ticket is reachable without signing in)."))

	// HelpdeskName is the name shown in page titles and emails ("" = Frontdesk).
	HelpdeskName = declare(stringSetting(KeyHelpdeskName, "", "The help desk's name in titles and emails.",
		func(v string) string {
			if utf8.RuneCountInString(v) > MaxHelpdeskName || !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r\n") ||
				strings.TrimSpace(v) != v {
				return "must be at most 100 characters on one line, without surrounding spaces"
			}
			return ""
		}))

	// DefaultLocale is the language for visitors whose browser asks for
	// none Frontdesk has. The web UI also checks it is one it ships.
	DefaultLocale = declare(stringSetting(KeyDefaultLocale, "en", "Default language (a BCP 47 tag).",
		func(v string) string {
			if v == "" || len(v) > maxLocaleTag || strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
				return "must be a language tag such as en or pl"
			}
			return ""
		}))

	// DefaultTimeZone is the IANA zone for users who chose none.
	DefaultTimeZone = declare(stringSetting(KeyDefaultTimeZone, "UTC", "Default time zone (an IANA name).",
		func(v string) string {
			if v == "" || v == "Local" || len(v) > maxTimeZone {
				return "must be a time zone name such as Europe/Warsaw"
			}
			if _, err := time.LoadLocation(v); err != nil {
				return "must be a time zone name such as Europe/Warsaw"
			}
			return ""
		}))

	// SessionLimits holds the session lifetimes an admin chose (a JSON
	// object owned by internal/account; absent = the configured lifetimes).
	SessionLimits = declare(jsonSetting(KeySessionLimits, "Session lifetimes chosen by an admin."))

	// PasswordStaff and PasswordEndUsers hold the password policies (JSON
	// objects owned by internal/password; absent = its Recommended policy).
	PasswordStaff    = declare(jsonSetting(KeyPasswordStaff, "Password policy for agents and admins."))
	PasswordEndUsers = declare(jsonSetting(KeyPasswordEndUsers, "Password policy for end-users."))

	// CSRFKey signs the web UI's CSRF tokens. It is created on first start
	// and shared by every instance through the store.
	CSRFKey = declare(&Setting[[]byte]{
		key: KeyCSRFKey, kind: KindSecret, description: "Key for the web UI's CSRF tokens (created on first start).",
		parse:  hex.DecodeString,
		format: hex.EncodeToString,
		check: func(v []byte) string {
			if len(v) < minSecretBytes {
				return "must be at least 32 bytes"
			}
			return ""
		},
	})

	// BlockedSenders lists addresses ("a@example.com") and domains
	// ("@example.com" or "example.com"), separated by spaces, commas or
	// lines, whose mail goes to the suspended tickets queue.
	BlockedSenders = declare(stringSetting(KeyBlockedSenders, "", "Addresses and domains whose mail is suspended.",
		func(v string) string {
			if len(v) > 64<<10 || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return "must be at most 64 KiB of addresses and domains"
			}
			return ""
		}))

	// Owner is the account owner's user ID (0 = none yet). The ticket
	// visibility rule also reads it in SQL, under KeyOwner.
	Owner = declare(&Setting[int64]{
		key: KeyOwner, kind: KindInt, description: "The account owner's user ID (set by the first admin and by transfers).",
		parse:  func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) },
		format: func(v int64) string { return strconv.FormatInt(v, 10) },
		check: func(v int64) string {
			if v <= 0 {
				return "must be a user ID"
			}
			return ""
		},
	})
)

// SetupCode holds the SHA-256 of the one-time first-run setup code that
// `frontdesk serve` prints while the account has no owner (empty = none, or
// void since the first admin was created). Declared apart from the var block
// above to keep merges with other settings easy.
var SetupCode = declare(&Setting[[]byte]{
	key: KeySetupCode, kind: KindSecret, description: "Hash of the one-time first-run setup code (void once an admin exists).",
	parse:  hex.DecodeString,
	format: hex.EncodeToString,
	check: func(v []byte) string {
		if len(v) != 0 && len(v) != 32 {
			return "must be a SHA-256 hash or empty"
		}
		return ""
	},
})

func boolSetting(key string, def bool, desc string) *Setting[bool] {
	return &Setting[bool]{key: key, kind: KindBool, def: def, description: desc,
		parse: func(s string) (bool, error) {
			// Stored by strconv.FormatBool; anything else is damage.
			switch s {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
			return false, errors.New("not true or false")
		},
		format: strconv.FormatBool,
	}
}

func stringSetting(key, def, desc string, check func(string) string) *Setting[string] {
	return &Setting[string]{key: key, kind: KindString, def: def, description: desc,
		parse:  func(s string) (string, error) { return s, nil },
		format: func(s string) string { return s },
		check:  check,
	}
}

func jsonSetting(key, desc string) *Setting[json.RawMessage] {
	return &Setting[json.RawMessage]{key: key, kind: KindJSON, description: desc,
		parse:  func(s string) (json.RawMessage, error) { return json.RawMessage(s), nil },
		format: func(v json.RawMessage) string { return string(v) },
		check: func(v json.RawMessage) string {
			var m map[string]json.RawMessage
			if json.Unmarshal(v, &m) != nil || m == nil {
				return "must be a JSON object"
			}
			return ""
		},
	}
}

// Agent availability, automatic assignment and CSAT (p8-assign). Declared
// apart from the blocks above to keep merges with other settings easy.
const (
	KeyAvailabilityMinutes = "assignment.availability_minutes"
	KeyCSATEnabled         = "csat.enabled"
	KeyCSATDelayHours      = "csat.delay_hours"
)

var (
	// AvailabilityMinutes is how long an agent who chose "online" stays
	// available for automatic assignment after their last activity in the
	// workspace (a request on a signed-in session). Past it, or once every
	// session has ended, they count as offline whatever they chose.
	AvailabilityMinutes = declare(&Setting[int64]{
		key: KeyAvailabilityMinutes, kind: KindInt, def: 15,
		description: "Minutes without workspace activity after which an online agent counts as offline (1 to 1440).",
		parse:       func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) },
		format:      func(v int64) string { return strconv.FormatInt(v, 10) },
		check: func(v int64) string {
			if v < 1 || v > 1440 {
				return "must be between 1 and 1440 minutes"
			}
			return ""
		},
	})

	// CSATEnabled turns customer satisfaction surveys on: solved tickets
	// get a rating email after CSATDelayHours, and requesters may rate.
	CSATEnabled = declare(boolSetting(KeyCSATEnabled, false,
		"Customer satisfaction surveys: requesters rate solved tickets good or bad."))

	// CSATDelayHours is how long after a solve the survey email goes out.
	CSATDelayHours = declare(&Setting[int64]{
		key: KeyCSATDelayHours, kind: KindInt, def: 24,
		description: "Hours after a ticket is solved before the satisfaction survey is sent (0 to 720).",
		parse:       func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) },
		format:      func(v int64) string { return strconv.FormatInt(v, 10) },
		check: func(v int64) string {
			if v < 0 || v > 720 {
				return "must be between 0 and 720 hours"
			}
			return ""
		},
	})
)

// The community's rate limits (p10-community): how many posts and comments
// one user, and one client address, may write in an hour (0: no limit).
// Staff are never limited. Declared apart from the blocks above to keep
// merges with other settings easy.
const (
	KeyCommunityPostsPerUser    = "community.posts_per_user_hour"
	KeyCommunityPostsPerIP      = "community.posts_per_ip_hour"
	KeyCommunityCommentsPerUser = "community.comments_per_user_hour"
	KeyCommunityCommentsPerIP   = "community.comments_per_ip_hour"
)

// MaxCommunityRate bounds the community's hourly limits.
const MaxCommunityRate = 10000

func communityRate(key string, def int64, desc string) *Setting[int64] {
	return &Setting[int64]{
		key: key, kind: KindInt, def: def, description: desc,
		parse:  func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) },
		format: func(v int64) string { return strconv.FormatInt(v, 10) },
		check: func(v int64) string {
			if v < 0 || v > MaxCommunityRate {
				return "must be between 0 (no limit) and 10000"
			}
			return ""
		},
	}
}

// The community's hourly limits (package community reads them at each
// post and comment).
var (
	CommunityPostsPerUser = declare(communityRate(KeyCommunityPostsPerUser, 10,
		"Community posts one user may write in an hour (0: no limit; staff are not limited)."))
	CommunityPostsPerIP = declare(communityRate(KeyCommunityPostsPerIP, 30,
		"Community posts one client address may send in an hour (0: no limit; staff are not limited)."))
	CommunityCommentsPerUser = declare(communityRate(KeyCommunityCommentsPerUser, 60,
		"Community comments one user may write in an hour (0: no limit; staff are not limited)."))
	CommunityCommentsPerIP = declare(communityRate(KeyCommunityCommentsPerIP, 180,
		"Community comments one client address may send in an hour (0: no limit; staff are not limited)."))
)

// The answer bot (p11-bot). Declared apart to keep merges easy.
const KeyAnswerBotEmail = "answer_bot.email_suggestions"

// AnswerBotEmail puts up to three help-center articles, each with a
// "this answered my question" link that solves the ticket, into the
// acknowledgement of a new email ticket.
var AnswerBotEmail = declare(boolSetting(KeyAnswerBotEmail, true,
	"Suggest help-center articles in the acknowledgement of a new email ticket, with links that solve it."))
