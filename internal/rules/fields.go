package rules

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// SQL compiles conditions into a WHERE fragment over the tickets table,
// aliased t, with '?' placeholders (the store rebinds them for PostgreSQL).
type SQL struct {
	Dialect store.Dialect
	Now     time.Time
	// CurrentUserID resolves "current_user" (views); 0 refuses it.
	CurrentUserID int64
	args          []any
}

// Arg adds a bound argument and returns its placeholder.
func (b *SQL) Arg(v any) string { b.args = append(b.args, v); return "?" }

// Args are the bound arguments, in placeholder order.
func (b *SQL) Args() []any { return b.args }

// ErrNotSQL is returned for a condition that cannot be run over stored
// tickets (a change operator such as "changed", or a trigger-only field).
var ErrNotSQL = errors.New("cannot be tested on stored tickets")

// Compile turns c into one SQL boolean expression ("1=1" for no
// conditions), adding its arguments to b.
func (r *Registry) Compile(b *SQL, c Conditions) (string, error) {
	var all, any []string
	for _, cd := range c.All {
		s, err := r.compileOne(b, cd)
		if err != nil {
			return "", err
		}
		all = append(all, s)
	}
	for _, cd := range c.Any {
		s, err := r.compileOne(b, cd)
		if err != nil {
			return "", err
		}
		any = append(any, s)
	}
	if len(any) > 0 {
		all = append(all, "("+strings.Join(any, " OR ")+")")
	}
	if len(all) == 0 {
		return "1=1", nil
	}
	return strings.Join(all, " AND "), nil
}

func (r *Registry) compileOne(b *SQL, cd Condition) (string, error) {
	spec, ok := r.Condition(cd.Field)
	if !ok || spec.SQL == nil {
		return "", fmt.Errorf("rules: %s %w", cd.Field, ErrNotSQL)
	}
	s, err := spec.SQL(b, cd.Field, cd.Operator, cd.Value)
	if err != nil {
		return "", fmt.Errorf("rules: %s %s: %w", cd.Field, cd.Operator, err)
	}
	return "(" + s + ")", nil
}

var (
	scalarOps  = []string{OpIs, OpIsNot, OpChanged, OpNotChanged, OpValue, OpValuePrevious, OpNotValue, OpNotValuePrev}
	rankedOps  = append(slices.Clone(scalarOps), OpLessThan, OpGreaterThan)
	presentOps = append(slices.Clone(scalarOps), OpPresent, OpNotPresent)
	hourOps    = []string{OpIs, OpLessThan, OpGreaterThan}
	wordOps    = []string{OpIncludes, OpNotIncludes}
	allKinds   = AllKinds
	queryKinds = []Kind{KindTrigger, KindAutomation, KindView, KindSLAPolicy}
)

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func ptrID(p *int64) string {
	if p == nil {
		return ""
	}
	return idString(*p)
}

func ptrStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// sqlScalar compiles is / is_not / less_than / greater_than over column
// col (rankCol for the ranked comparisons, rank maps a value to its rank);
// "" means NULL.
func sqlScalar(col, rankCol string, rank func(string) int, current bool) func(b *SQL, field, op string, v any) (string, error) {
	return func(b *SQL, field, op string, v any) (string, error) {
		want := String(v)
		if want == "current_user" {
			if !current || b.CurrentUserID == 0 {
				return "", errors.New("current_user is not available here")
			}
			want = idString(b.CurrentUserID)
		}
		var arg any = want
		if strings.HasSuffix(col, "_id") && want != "" {
			n, ok := Int(want)
			if !ok {
				return "", errors.New("needs a number")
			}
			arg = n
		}
		switch op {
		case OpIs:
			if want == "" {
				return col + " IS NULL", nil
			}
			return col + " = " + b.Arg(arg), nil
		case OpIsNot:
			if want == "" {
				return col + " IS NOT NULL", nil
			}
			return col + " IS NULL OR " + col + " <> " + b.Arg(arg), nil
		case OpPresent:
			return col + " IS NOT NULL", nil
		case OpNotPresent:
			return col + " IS NULL", nil
		case OpLessThan, OpGreaterThan:
			if rank == nil || rank(want) < 0 {
				return "", errors.New("needs a ranked value")
			}
			cmp := " < "
			if op == OpGreaterThan {
				cmp = " > "
			}
			return rankCol + " >= 0 AND " + rankCol + cmp + b.Arg(rank(want)), nil
		}
		return "", ErrNotSQL
	}
}

func checkOneOf(values ...string) func(ctx context.Context, field, op string, v any) error {
	return func(_ context.Context, _, op string, v any) error {
		if !needsValue(op) {
			return nil
		}
		if !slices.Contains(values, String(v)) {
			return fmt.Errorf("must be one of %s", strings.Join(values, ", "))
		}
		return nil
	}
}

// checkID checks an id value; ref, when not nil, checks that the record
// exists.
func checkID(current bool, ref func(context.Context, int64) error) func(ctx context.Context, field, op string, v any) error {
	return func(ctx context.Context, _, op string, v any) error {
		if !needsValue(op) {
			return nil
		}
		s := String(v)
		if s == "" || current && s == "current_user" {
			return nil
		}
		n, ok := Int(s)
		if !ok || n < 0 {
			return errors.New("must be an id")
		}
		if ref != nil {
			return ref(ctx, n)
		}
		return nil
	}
}

func checkHours(_ context.Context, _, op string, v any) error {
	n, ok := Int(v)
	if !ok || n < 0 || n > 24*365*20 {
		return errors.New("must be a whole number of hours")
	}
	return nil
}

func checkWords(_ context.Context, _, op string, v any) error {
	if len(Words(v)) == 0 {
		return errors.New("needs at least one word")
	}
	return nil
}

// Zendesk's numeric via ids for the channels Frontdesk has.
var viaIDs = map[string]string{"0": "web", "4": "email", "5": "api", "29": "chat"}

func viaName(v any) string {
	s := strings.ToLower(String(v))
	if n, ok := viaIDs[s]; ok {
		return n
	}
	if s == "web_service" {
		return "api"
	}
	if s == "web_form" {
		return "web"
	}
	return s
}

func registerConditions(r *Registry) {
	statusF := func(t *desk.Ticket) string { return string(t.Status) }
	r.AddCondition("status", ConditionSpec{Title: "Status", Kinds: allKinds, Operators: rankedOps, Values: desk.Statuses,
		Match: matchScalar(statusF, desk.StatusRank), SQL: sqlScalar("t.status", "t.status_rank", desk.StatusRank, false)})

	prioF := func(t *desk.Ticket) string { return ptrStr(t.Priority) }
	r.AddCondition("priority", ConditionSpec{Title: "Priority", Kinds: allKinds, Operators: append(slices.Clone(rankedOps), OpPresent, OpNotPresent),
		Check: checkOneOf(append([]string{""}, desk.Priorities...)...),
		Match: matchScalar(prioF, desk.PriorityRank), SQL: sqlScalar("t.priority", "t.priority_rank", desk.PriorityRank, false)})

	typeF := func(t *desk.Ticket) string { return ptrStr(t.Type) }
	r.AddCondition("type", ConditionSpec{Title: "Type", Kinds: allKinds, Operators: presentOps,
		Check: checkOneOf(append([]string{""}, desk.Types...)...),
		Match: matchScalar(typeF, nil), SQL: sqlScalar("t.type", "", nil, false)})

	for _, f := range []struct {
		name, title string
		get         ticketField
		current     bool
		ref         func(context.Context, int64) error
	}{
		{"group_id", "Group", func(t *desk.Ticket) string { return ptrID(t.GroupID) }, false, CheckGroupRef},
		{"assignee_id", "Assignee", func(t *desk.Ticket) string { return ptrID(t.AssigneeID) }, true, CheckUserRef},
		{"requester_id", "Requester", func(t *desk.Ticket) string { return idString(t.RequesterID) }, true, CheckUserRef},
		{"organization_id", "Organization", func(t *desk.Ticket) string { return ptrID(t.OrganizationID) }, false, nil},
		{"ticket_form_id", "Ticket form", func(t *desk.Ticket) string { return ptrID(t.TicketFormID) }, false, nil},
	} {
		r.AddCondition(f.name, ConditionSpec{Title: f.title, Kinds: allKinds, Operators: presentOps, Check: checkID(f.current, f.ref),
			Match: matchScalar(f.get, nil), SQL: sqlScalar("t."+f.name, "", nil, f.current)})
	}

	r.AddCondition("current_tags", ConditionSpec{Title: "Tags", Kinds: allKinds, Operators: wordOps, Check: checkWords,
		Match: func(s *Subject, _, op string, v any) bool {
			found := false
			for _, w := range Words(v) {
				if hasTag(s.After(), w) {
					found = true
					break
				}
			}
			return found == (op == OpIncludes)
		},
		SQL: func(b *SQL, _, op string, v any) (string, error) {
			ws := Words(v)
			ph := make([]string, len(ws))
			for i, w := range ws {
				ph[i] = b.Arg(w)
			}
			q := "EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND tt.tag IN (" + strings.Join(ph, ", ") + "))"
			if op == OpNotIncludes {
				q = "NOT " + q
			}
			return q, nil
		}})

	r.AddCondition("custom_fields_", ConditionSpec{Title: "Custom field", Kinds: allKinds,
		Operators: append(slices.Clone(presentOps), OpLessThan, OpGreaterThan),
		Check:     checkCustomField, Match: matchCustomField, SQL: sqlCustomField})

	r.AddCondition("via_id", ConditionSpec{Title: "Channel", Kinds: queryKinds, Operators: []string{OpIs, OpIsNot},
		Check: func(_ context.Context, _, op string, v any) error {
			if n := viaName(v); n == "" || len(n) > 40 {
				return errors.New("must name a channel")
			}
			return nil
		},
		Match: func(s *Subject, _, op string, v any) bool {
			ch := s.Change.Via
			if ch == "" && s.After() != nil {
				ch = s.After().Via.Channel
			}
			return (ch == viaName(v)) == (op == OpIs)
		},
		SQL: func(b *SQL, _, op string, v any) (string, error) {
			if op == OpIs {
				return "t.via_channel = " + b.Arg(viaName(v)), nil
			}
			return "t.via_channel <> " + b.Arg(viaName(v)), nil
		}})

	r.AddCondition("update_type", ConditionSpec{Title: "Ticket is", Kinds: []Kind{KindTrigger}, Operators: []string{OpIs},
		Values: []string{"Create", "Change"},
		Match: func(s *Subject, _, _ string, v any) bool {
			return (String(v) == "Create") == s.Creating()
		}})

	r.AddCondition("role", ConditionSpec{Title: "Current user is", Kinds: []Kind{KindTrigger}, Operators: []string{OpIs, OpIsNot},
		Values: []string{"end_user", "agent"},
		Match: func(s *Subject, _, op string, v any) bool {
			role := "end_user"
			if s.Actor != nil && s.Actor.IsStaff() {
				role = "agent"
			}
			return (role == String(v)) == (op == OpIs)
		}})

	r.AddCondition("comment_is_public", ConditionSpec{Title: "Comment is", Kinds: []Kind{KindTrigger}, Operators: []string{OpIs},
		Values: []string{"true", "false", "not_relevant"},
		Match: func(s *Subject, _, _ string, v any) bool {
			c := s.Change.Comment
			switch String(v) {
			case "true":
				return c != nil && c.Public
			case "false":
				return c != nil && !c.Public
			}
			return true
		}})

	r.AddCondition("comment_includes_word", ConditionSpec{Title: "Comment text", Kinds: []Kind{KindTrigger},
		Operators: []string{OpIncludes, OpNotIncludes, OpIs, OpIsNot}, Check: checkWords,
		Match: func(s *Subject, _, op string, v any) bool {
			body := ""
			if c := s.Change.Comment; c != nil {
				body = strings.ToLower(c.Body)
			}
			return matchText(body, op, v)
		}})

	r.AddCondition("subject_includes_word", ConditionSpec{Title: "Subject text", Kinds: queryKinds,
		Operators: []string{OpIncludes, OpNotIncludes, OpIs, OpIsNot}, Check: checkWords,
		// On subjects a word matches as a substring, in memory as in SQL
		// (LIKE), so views and triggers agree.
		Match: func(s *Subject, _, op string, v any) bool {
			subj := strings.ToLower(s.After().Subject)
			if op == OpIs || op == OpIsNot {
				return matchText(subj, op, v)
			}
			found := slices.ContainsFunc(Words(v), func(w string) bool { return strings.Contains(subj, w) })
			return found == (op == OpIncludes)
		},
		SQL: func(b *SQL, _, op string, v any) (string, error) {
			if op == OpIs || op == OpIsNot {
				q := "LOWER(t.subject) LIKE " + b.Arg("%"+likeEscape(strings.ToLower(String(v)))+"%") + " ESCAPE '!'"
				if op == OpIsNot {
					return "NOT (" + q + ")", nil
				}
				return q, nil
			}
			var parts []string
			for _, w := range Words(v) {
				parts = append(parts, "LOWER(t.subject) LIKE "+b.Arg("%"+likeEscape(w)+"%")+" ESCAPE '!'")
			}
			q := strings.Join(parts, " OR ")
			if op == OpNotIncludes {
				return "NOT (" + q + ")", nil
			}
			return q, nil
		}})

	r.AddCondition("locale_id", ConditionSpec{Title: "Requester's language", Kinds: queryKinds, Operators: []string{OpIs, OpIsNot},
		Check: func(_ context.Context, _, op string, v any) error {
			if localeOf(v) == "" {
				return errors.New("must name a language")
			}
			return nil
		},
		Match: func(s *Subject, _, op string, v any) bool {
			loc := ""
			if s.RequesterLocale != nil {
				loc = s.RequesterLocale()
			}
			return sameLanguage(loc, localeOf(v)) == (op == OpIs)
		},
		SQL: func(b *SQL, _, op string, v any) (string, error) {
			l := localeOf(v)
			q := "EXISTS (SELECT 1 FROM users lu WHERE lu.id = t.requester_id AND (LOWER(lu.locale) = " + b.Arg(l) + " OR LOWER(lu.locale) LIKE " + b.Arg(likeEscape(l)+"-%") + " ESCAPE '!'))"
			if op == OpIsNot {
				q = "NOT " + q
			}
			return q, nil
		}})

	// Hours since …: automations and views (created/updated also triggers).
	hours := func(name, title string, col string, extra string, match func(s *Subject) (time.Time, bool)) {
		spec := ConditionSpec{Title: title, Kinds: []Kind{KindAutomation, KindView}, Operators: hourOps, Check: checkHours, TimeBased: true,
			SQL: func(b *SQL, _, op string, v any) (string, error) {
				n, _ := Int(v)
				ago := func(h int64) int64 { return b.Now.Add(-time.Duration(h) * time.Hour).UnixMicro() }
				var q string
				switch op {
				case OpGreaterThan: // more than n hours ago
					q = col + " > 0 AND " + col + " < " + b.Arg(ago(n))
				case OpLessThan:
					q = col + " > " + b.Arg(ago(n))
				case OpIs: // within the n-th hour
					q = col + " > " + b.Arg(ago(n+1)) + " AND " + col + " <= " + b.Arg(ago(n))
				default:
					return "", ErrNotSQL
				}
				if extra != "" {
					q = extra + " AND " + q
				}
				return q, nil
			}}
		if match != nil {
			spec.Kinds = append(spec.Kinds, KindTrigger)
			spec.Match = func(s *Subject, _, op string, v any) bool {
				at, ok := match(s)
				if !ok {
					return false
				}
				n, _ := Int(v)
				h := s.Now.Sub(at).Hours()
				switch op {
				case OpGreaterThan:
					return h > float64(n)
				case OpLessThan:
					return h < float64(n)
				case OpIs:
					return h >= float64(n) && h < float64(n+1)
				}
				return false
			}
		}
		r.AddCondition(name, spec)
	}
	hours("hours_since_created", "Hours since created", "t.created_at", "", func(s *Subject) (time.Time, bool) {
		return s.After().CreatedAt.Time, !s.After().CreatedAt.IsZero()
	})
	hours("hours_since_update", "Hours since update", "t.updated_at", "", func(s *Subject) (time.Time, bool) {
		if s.Before() == nil {
			return s.After().CreatedAt.Time, !s.After().CreatedAt.IsZero()
		}
		return s.Before().UpdatedAt.Time, !s.Before().UpdatedAt.IsZero()
	})
	for _, st := range desk.Statuses {
		extra := "t.status = '" + st + "'"
		col := "t.status_updated_at"
		if st == string(desk.StatusSolved) {
			extra, col = "t.status_rank >= "+strconv.Itoa(desk.StatusRank(st)), "t.solved_at"
		}
		hours("hours_since_"+st, "Hours since "+st, col, extra, nil)
	}
	hours("hours_since_due_date", "Hours since due date", "t.due_at", "", nil)
	hours("hours_until_due_date", "Hours until due date", "t.due_at", "", nil)
	// "until": the due date lies n hours ahead, not behind.
	if s, ok := r.Condition("hours_until_due_date"); ok {
		s.SQL = func(b *SQL, _, op string, v any) (string, error) {
			n, _ := Int(v)
			ahead := func(h int64) int64 { return b.Now.Add(time.Duration(h) * time.Hour).UnixMicro() }
			now := b.Now.UnixMicro()
			switch op {
			case OpLessThan:
				return "t.due_at > " + b.Arg(now) + " AND t.due_at < " + b.Arg(ahead(n)), nil
			case OpGreaterThan:
				return "t.due_at > " + b.Arg(ahead(n)), nil
			case OpIs:
				return "t.due_at >= " + b.Arg(ahead(n)) + " AND t.due_at < " + b.Arg(ahead(n+1)), nil
			}
			return "", ErrNotSQL
		}
	}
}

func matchText(text, op string, v any) bool {
	switch op {
	case OpIs, OpIsNot:
		return strings.Contains(text, strings.ToLower(String(v))) == (op == OpIs)
	}
	found := false
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '\'' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127)
	})
	for _, w := range Words(v) {
		if slices.Contains(words, w) {
			found = true
			break
		}
	}
	return found == (op == OpIncludes)
}

func likeEscape(s string) string {
	// '!' is the escape character (ESCAPE '!'): a backslash inside quotes
	// trips placeholder rebinding for PostgreSQL.
	return strings.NewReplacer(`!`, `!!`, `%`, `!%`, `_`, `!_`).Replace(strings.ToLower(s))
}

// Zendesk's numeric locale ids for the languages Frontdesk ships.
var localeIDs = map[string]string{"1": "en", "1176": "en", "1082": "pl", "1011": "pl"}

func localeOf(v any) string {
	s := strings.ToLower(String(v))
	if l, ok := localeIDs[s]; ok {
		return l
	}
	if len(s) > 20 {
		return ""
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '-') {
			return ""
		}
	}
	return s
}

// sameLanguage says whether user locale loc falls under rule locale want:
// "pl" covers "pl" and "pl-PL"; "en-us" only itself.
func sameLanguage(loc, want string) bool {
	loc = strings.ToLower(loc)
	return want != "" && (loc == want || strings.HasPrefix(loc, want+"-"))
}
