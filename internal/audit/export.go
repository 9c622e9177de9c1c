package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// ActionExported is recorded for every export of the audit log.
const ActionExported = "audit_log.exported"

// Exported is one entry of a JSON export: the entry with its names.
type Exported struct {
	Entry
	ActorName         string `json:"actor_name"`
	ActingAs          int64  `json:"acting_as,omitempty"`
	SourceLabel       string `json:"source_label"`
	ChangeDescription string `json:"change_description"`
}

// RequireExport allows the system and staff holding both manage_security
// and export_data: the adapters check it before they start a download.
func RequireExport(ctx context.Context) error {
	if err := requireRead(ctx); err != nil {
		return err
	}
	if !desk.PrincipalFrom(ctx).Can().ExportData {
		return desk.Forbidden("Exporting the audit log needs the export_data permission")
	}
	return nil
}

// Export writes every entry matching f (oldest first) to w as CSV (every
// cell neutralised against formula injection) or a JSON array, and records
// the export itself in the log first. Adapters that need a recent
// re-authentication check it before calling.
func Export(ctx context.Context, db *store.DB, f Filter, format string, w io.Writer) error {
	if err := RequireExport(ctx); err != nil {
		return err
	}
	if format != FormatCSV && format != FormatJSON {
		return desk.Invalid("format", "must be csv or json")
	}
	if err := f.Validate(); err != nil {
		return err
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return RecordTx(ctx, tx, Entry{Action: ActionExported, TargetType: "audit_log", Data: map[string]any{"format": format, "filter": f.describe()}})
	}); err != nil {
		return err
	}
	f.Asc, f.After, f.Offset, f.Limit = true, 0, 0, maxLimit
	var cw *CSVWriter
	var err error
	if format == FormatCSV {
		if cw, err = NewCSVWriter(w); err != nil {
			return err
		}
	} else if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	first := true
	for {
		es, more, err := Page(ctx, db, f)
		if err != nil {
			return err
		}
		n, err := Resolve(ctx, db, es)
		if err != nil {
			return err
		}
		if cw != nil {
			if err := cw.Write(es, n); err != nil {
				return err
			}
		} else {
			for _, e := range es {
				b, err := json.Marshal(Exported{Entry: e, ActorName: n.Actor(e.ActorID), ActingAs: ActingAs(e), SourceLabel: n.Label(e), ChangeDescription: Describe(e)})
				if err != nil {
					return fmt.Errorf("audit: exporting entry %d: %w", e.ID, err)
				}
				if !first {
					b = append([]byte(",\n"), b...)
				}
				first = false
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
		}
		if !more || len(es) == 0 {
			break
		}
		f.After = es[len(es)-1].ID
	}
	if cw == nil {
		_, err = io.WriteString(w, "]\n")
	}
	return err
}

// describe names the filter's set fields for the export's own entry.
func (f Filter) describe() map[string]any {
	m := map[string]any{}
	if f.ActorID != nil {
		m["actor_id"] = *f.ActorID
	}
	for k, v := range map[string]string{"action": f.Action, "target_type": f.TargetType, "ip": f.IP} {
		if v != "" {
			m[k] = v
		}
	}
	if f.TargetID != 0 {
		m["target_id"] = f.TargetID
	}
	if !f.Since.IsZero() {
		m["since"] = f.Since.UTC().Format("2006-01-02T15:04:05Z")
	}
	if !f.Until.IsZero() {
		m["until"] = f.Until.UTC().Format("2006-01-02T15:04:05Z")
	}
	return m
}
