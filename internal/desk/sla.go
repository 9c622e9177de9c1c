package desk

// TicketSLAs is a ticket's SLA as Zendesk shows it with ?include=slas:
// the targets of its policy and where each stands.
type TicketSLAs struct {
	// PolicyID names the SLA policy the ticket has (null: none).
	PolicyID      *int64      `json:"policy_id"`
	PolicyMetrics []SLAMetric `json:"policy_metrics"`
}

// SLAMetric is one target of a ticket's SLA. BreachAt is set while the
// timer runs (stage active); Days, Hours and Minutes are the time left
// until then (negative once breached), in the target's own clock of
// calendar time.
type SLAMetric struct {
	Metric   string `json:"metric"`
	Stage    string `json:"stage"`
	BreachAt Time   `json:"breach_at"`
	Days     int    `json:"days"`
	Hours    int    `json:"hours"`
	Minutes  int    `json:"minutes"`
	// Breached says the target was missed (while running or when it was
	// achieved); AchievedAt is set once it was achieved.
	Breached      bool `json:"breached"`
	AchievedAt    Time `json:"achieved_at"`
	Target        int  `json:"target"`
	BusinessHours bool `json:"business_hours"`
}
