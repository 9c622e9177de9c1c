package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
)

// The trigger dry run page: which triggers would fire on ticket N, pass by
// pass, and the ticket's field values after them (rules.Service.DryRun:
// the real engine run, nothing stored).

func (s *Server) registerTriggerDryRun(h func(string, access, handlerFunc)) {
	h("GET /agent/admin/triggers/dry-run", staff, s.adminTriggerDryRun)
}

type dryRunData struct {
	// TicketParam is the ticket id as typed (kept in the form).
	TicketParam string
	Result      *rules.DryRun
	MaxPasses   int
	LoopTitles  string
}

// Final values of the ticket after the run, for the template.
func (d dryRunData) Status() string   { return string(d.Result.Ticket.Status) }
func (d dryRunData) Priority() string { return ptrText(d.Result.Ticket.Priority) }
func (d dryRunData) Type() string     { return ptrText(d.Result.Ticket.Type) }
func (d dryRunData) Tags() string     { return strings.Join(d.Result.Ticket.Tags, " ") }

func ptrText(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) adminTriggerDryRun(w http.ResponseWriter, r *http.Request) error {
	if s.d.Rules == nil {
		return desk.NotFound()
	}
	if err := s.d.Rules.CanManage(r.Context()); err != nil {
		return err
	}
	pg := s.adminPage(r, "rules.dry_run_title", triggerPages.Path)
	d := dryRunData{TicketParam: strings.TrimSpace(r.URL.Query().Get("ticket_id")), MaxPasses: rules.MaxPasses}
	status := http.StatusOK
	if d.TicketParam != "" {
		id, err := strconv.ParseInt(d.TicketParam, 10, 64)
		if err != nil || id <= 0 {
			pg.Error, status = pg.T("rules.dry_run_bad_ticket"), http.StatusUnprocessableEntity
		} else if d.Result, err = s.d.Rules.DryRun(r.Context(), id); err != nil {
			switch desk.ErrorCode(err) {
			case desk.ENOTFOUND:
				pg.Error, status = pg.T("rules.dry_run_no_ticket"), http.StatusNotFound
			case desk.EINVALID:
				pg.Error, status = pg.T("errors.validation")+" "+errorText(err), http.StatusUnprocessableEntity
			default:
				return err
			}
		} else if d.Result.Looped {
			titles := make([]string, len(d.Result.Loop))
			for i, ref := range d.Result.Loop {
				titles[i] = ref.Title
			}
			d.LoopTitles = strings.Join(titles, ", ")
		}
	}
	pg.Data = d
	return s.render(w, status, "admin_trigger_dry_run", pg)
}
