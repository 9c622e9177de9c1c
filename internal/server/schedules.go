package server

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/channel/email/deliver"
	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// Job kinds of the recurring tasks.
const (
	JobPurgeExpired = "account.purge_expired"
	JobPurgeUploads = "uploads.purge_unbound"
	JobPurgeChunks  = "attachments.purge_incomplete"
	JobAutomations  = "rules.automations"
	// JobAuditVerify checks the audit log's hash chain daily; a broken
	// chain is recorded and mailed to the security contact (p9-alerts).
	JobAuditVerify = "audit.verify"
	JobRetention   = "retention.run"
)

// registerSchedules wires recurring work: each task is a schedule (run by
// exactly one instance per tick, see jobs.Scheduler) plus the handler of its
// job kind on the runner, so a crash mid-task is retried by the job queue.
//
// This is the hook point for time-based work to come — automations, SLA
// breach checks, retention: add a handler that calls the owning service
// with the system principal, and a.Schedules.Every(name, interval, kind).
func (a *App) registerSchedules() {
	// Automatic assignment of tickets that waited for an available agent,
	// and CSAT surveys (p8-assign).
	a.Jobs.Handle(assign.JobBacklog, func(ctx context.Context, _ json.RawMessage) error {
		n, err := a.Assign.AssignBacklog(desk.SystemContext(ctx))
		if err == nil && n > 0 {
			a.Logger.Info("assigned waiting tickets", "tickets", n)
		}
		return err
	})
	a.Schedules.Every("assign.backlog", assign.BacklogInterval, assign.JobBacklog)
	a.Jobs.Handle(csat.JobSurveys, func(ctx context.Context, _ json.RawMessage) error {
		n, err := a.CSAT.SendSurveys(desk.SystemContext(ctx))
		if err == nil && n > 0 {
			a.Logger.Info("queued satisfaction surveys", "surveys", n)
		}
		return err
	})
	a.Schedules.Every("csat.surveys", csat.SurveyInterval, csat.JobSurveys)
	a.Jobs.Handle(JobAuditVerify, func(ctx context.Context, _ json.RawMessage) error {
		_, err := verifyAuditChain(ctx, a.DB, a.Logger)
		return err
	})
	a.Schedules.Every("audit.verify", 24*time.Hour, JobAuditVerify)
	// The audit log's own retention (audit.retention_days, auditops.go).
	a.Jobs.Handle(JobAuditRetention, func(ctx context.Context, _ json.RawMessage) error {
		_, err := runAuditRetention(ctx, a.DB, a.Settings, time.Now(), a.Logger)
		if errors.Is(err, audit.ErrChainBroken) {
			// Recorded and mailed by the verification; retrying would not mend it.
			return jobs.Permanent(err)
		}
		return err
	})
	a.Schedules.Every("audit.retention", 24*time.Hour, JobAuditRetention)
	a.Jobs.Handle(JobPurgeExpired, func(ctx context.Context, _ json.RawMessage) error {
		n, err := a.Account.PurgeExpired(desk.SystemContext(ctx))
		if err == nil && n > 0 {
			a.Logger.Info("purged expired sessions and tokens", "rows", n)
		}
		return err
	})
	a.Jobs.Handle(JobPurgeUploads, func(ctx context.Context, _ json.RawMessage) error {
		n, err := a.Tickets.PurgeUnboundUploads(desk.SystemContext(ctx), ticket.UploadTTL)
		if err == nil && n > 0 {
			a.Logger.Info("purged uploads never attached to a ticket", "uploads", n)
		}
		return err
	})
	// Outgoing mail: each round sends every due outbox message through its
	// support address's relay; failed messages wait out their back-off in
	// the outbox, so a round that dies half-way loses nothing.
	a.Jobs.Handle(deliver.JobKind, func(ctx context.Context, _ json.RawMessage) error {
		res, err := a.Mail.DeliverDue(ctx)
		if err == nil && res != (deliver.Result{}) {
			a.Logger.Info("delivered mail", "result", res.String())
		}
		return err
	})
	a.Schedules.Every("email.deliver", 30*time.Second, deliver.JobKind)
	// Finished jobs: every scheduled tick leaves a completed row, so the
	// table would only grow (see jobs.Retention).
	a.Jobs.Handle(jobs.JobPurgeFinished, func(ctx context.Context, _ json.RawMessage) error {
		n, err := jobs.PurgeFinished(ctx, a.DB, time.Now(), jobs.Retention{Completed: a.Config.JobRetention, Failed: a.Config.FailedJobRetention})
		if err == nil && n > 0 {
			a.Logger.Info("purged finished background jobs", "jobs", n)
		}
		return err
	})
	a.Schedules.Every("purge.finished_jobs", time.Hour, jobs.JobPurgeFinished)
	// The webhook delivery log keeps settled deliveries for its retention.
	a.Jobs.Handle(webhook.JobPurge, func(ctx context.Context, _ json.RawMessage) error {
		n, err := a.Webhooks.PurgeLog(desk.SystemContext(ctx))
		if err == nil && n > 0 {
			a.Logger.Info("purged the webhook delivery log", "invocations", n)
		}
		return err
	})
	a.Schedules.Every("purge.webhook_log", time.Hour, webhook.JobPurge)
	// Incoming mail: each round polls every enabled IMAP mailbox once (one
	// instance at a time); a message is marked read only after its ticket
	// change committed, so a round that dies half-way loses nothing.
	a.Jobs.Handle(imapin.JobKind, func(ctx context.Context, _ json.RawMessage) error {
		return a.IMAP.PollAll(ctx)
	})
	a.Schedules.Every("email.imap_poll", imapin.Interval, imapin.JobKind)
	// Automations: hourly, one instance at a time; each ticket's change and
	// its firing record commit together, so a run cut short resumes.
	a.Jobs.Handle(JobAutomations, func(ctx context.Context, _ json.RawMessage) error {
		res, err := a.Rules.RunAutomations(desk.SystemContext(ctx))
		if err == nil && (res.Fired > 0 || res.Failed > 0) {
			a.Logger.Info("ran automations", "result", res.String())
		}
		return err
	})
	a.Schedules.Every("rules.automations", time.Hour, JobAutomations)
	// Data retention: daily, one instance at a time, in pages; every
	// deletion commits on its own, so a run cut short resumes on the next.
	a.Jobs.Handle(JobRetention, func(ctx context.Context, _ json.RawMessage) error {
		rep, err := a.Retention.Run(desk.SystemContext(ctx), false)
		if err == nil && (rep.Deleted() || rep.Failed > 0) {
			a.Logger.Info("ran data retention policies", "totals", rep.Totals, "failed", rep.Failed)
		}
		return err
	})
	a.Schedules.Every("retention.run", 24*time.Hour, JobRetention)
	a.Schedules.Every("purge.expired_sessions", time.Hour, JobPurgeExpired)
	a.Schedules.Every("purge.unbound_uploads", time.Hour, JobPurgeUploads)
	// Attachments in the database: chunks of uploads a crash cut short.
	if dbBlobs, ok := a.Blobs.Backend.(*attach.Database); ok {
		a.Jobs.Handle(JobPurgeChunks, func(ctx context.Context, _ json.RawMessage) error {
			n, err := dbBlobs.PurgeIncomplete(ctx, time.Now().Add(-24*time.Hour).UnixMicro())
			if err == nil && n > 0 {
				a.Logger.Info("purged chunks of unfinished attachment uploads", "chunks", n)
			}
			return err
		})
		a.Schedules.Every("purge.incomplete_attachments", time.Hour, JobPurgeChunks)
	}
}

// runBackground runs the scheduler, the IMAP IDLE watcher and, on
// PostgreSQL, the event relay's listener until ctx ends; the returned
// channel closes once all stopped.
func (a *App) runBackground(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	wg.Go(func() { a.Schedules.Run(ctx) })
	wg.Go(func() { a.Mail.Run(ctx) })
	if a.IMAPIdle != nil {
		wg.Go(func() { a.IMAPIdle.Run(ctx) })
	}
	if a.Relay != nil {
		wg.Go(func() { a.Relay.Run(ctx) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}
