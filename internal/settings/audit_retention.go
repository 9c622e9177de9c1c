package settings

import "strconv"

// KeyAuditRetentionDays is the audit log's own retention (issue P9).
const KeyAuditRetentionDays = "audit.retention_days"

// Bounds of AuditRetentionDays (other than 0, keep forever).
const (
	MinAuditRetentionDays = 365
	MaxAuditRetentionDays = 36500
)

// AuditRetentionDays is how long audit-log entries are kept: 0 keeps them
// forever, else at least a year, so it is always longer than the retention
// of the data the entries are about. It is separate from the other
// retention schedules; a removal keeps the chain verifiable from an
// anchor (the hash before the first entry kept, audit_chain).
var AuditRetentionDays = declare(&Setting[int]{
	key: KeyAuditRetentionDays, kind: KindInt, description: "Days audit-log entries are kept (0 = forever; else 365 to 36500).",
	parse:  func(s string) (int, error) { return strconv.Atoi(s) },
	format: strconv.Itoa,
	check: func(v int) string {
		if v != 0 && (v < MinAuditRetentionDays || v > MaxAuditRetentionDays) {
			return "must be 0 (keep forever) or between 365 and 36500 days"
		}
		return ""
	},
})
