// Package privacy answers data-subject requests (GDPR article 15, CCPA
// "right to know"): it exports everything Frontdesk holds about one person
// as a ZIP of JSON documents plus their files.
//
// An export is made of parts. The built-in ones are the profile (user
// fields, custom user fields, tags, organizations), identities, sign-in
// history (sessions, networks and devices the system remembers), tickets the
// person requested or follows or was copied on (with public comments, and
// internal notes only when an admin asks for them), the files on those
// comments, satisfaction ratings they gave, audit-log entries about them and
// security alerts about their account. Capabilities added later (forum
// posts, chat transcripts) add their own part with Service.Register; every
// part writes only under its own name. manifest.json lists every part with
// its files and record count.
//
// Nothing of other people goes in: comments by others show the author's
// display name and role only (no id, address or comment metadata), tickets
// show no other participant's id, and audit entries the person acted in
// about someone else show neither that person nor the change.
//
// Authorization lives here: staff holding export_data (and admins) may
// export end-users they can see; exporting a staff member, or including
// internal notes, needs an admin. End-users cannot export themselves
// (Zendesk has no self-service export either). Every export leaves one
// audit entry, user.data_exported, with the exporter, the person, the
// client's address and the counts.
package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// ActionDataExported is the audit action of a data-subject export.
const ActionDataExported = "user.data_exported"

// Format names the archive layout in manifest.json; Version changes when a
// part changes shape.
const (
	Format  = "frontdesk.data_export"
	Version = 1
)

// ManifestFile is the name of the manifest inside the archive.
const ManifestFile = "manifest.json"

// FileName names the export file of user id made at at: the id and the
// time, never the person's name.
func FileName(id int64, at time.Time) string {
	return fmt.Sprintf("frontdesk-user-%d-export-%s.zip", id, at.UTC().Format("20060102-150405"))
}

// Options tune one export.
type Options struct {
	// IncludeInternal adds internal notes (and their files) and the staff
	// notes on the profile. Only admins may ask for it.
	IncludeInternal bool
}

// Subject is the person an export is about, as parts see them.
type Subject struct {
	ID    int64
	Name  string
	Email string
	Role  desk.Role
}

// Exporter writes one part of an export through w and returns how many
// records it wrote. The context carries the exporting principal: an
// exporter applies its own service's visibility rules with it.
type Exporter func(ctx context.Context, w *PartWriter) (count int, err error)

// Service makes exports. Build it with New; add parts with Register.
type Service struct {
	DB      *store.DB
	Tickets *ticket.Service
	People  *people.Service
	// TempDir holds an archive while it is built ("" is the system's
	// temporary directory). The file is readable by the owner only and is
	// removed when the export ends.
	TempDir string
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	mu    sync.RWMutex
	parts []namedPart
}

type namedPart struct {
	name string
	f    Exporter
}

// New returns a Service with the built-in parts registered.
func New(db *store.DB, tickets *ticket.Service, ppl *people.Service) *Service {
	s := &Service{DB: db, Tickets: tickets, People: ppl}
	s.Register("profile", s.exportProfile)
	s.Register("identities", s.exportIdentities)
	s.Register("sign_ins", s.exportSignIns)
	s.Register("tickets", s.exportTickets)
	s.Register("satisfaction_ratings", s.exportRatings)
	s.Register("audit_log", s.exportAudit)
	s.Register("security_alerts", s.exportAlerts)
	return s
}

// partName is what a part may be called: it names its files.
var partName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Register adds a part to every later export, after those already
// registered. name ([a-z][a-z0-9_]*, unique) becomes the part's file
// (name.json) or folder (name/). It panics on a bad or repeated name: that
// is a programming error found at start-up.
func (s *Service) Register(name string, f Exporter) {
	if !partName.MatchString(name) || name == "manifest" || f == nil {
		panic(fmt.Sprintf("privacy: bad part name %q", name))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.parts {
		if p.name == name {
			panic(fmt.Sprintf("privacy: part %q registered twice", name))
		}
	}
	s.parts = append(s.parts, namedPart{name, f})
}

// Parts lists the registered parts' names, in export order.
func (s *Service) Parts() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, len(s.parts))
	for i, p := range s.parts {
		out[i] = p.name
	}
	return out
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Authorize reports whether the principal in ctx may export user userID
// with opts, returning the user: staff holding export_data (or the
// system); a staff member's data or internal notes need an admin. A user
// the caller cannot see is NotFound. Adapters call it to decide whether to
// offer the export; Export calls it again.
func (s *Service) Authorize(ctx context.Context, userID int64, opts Options) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ExportData {
		return nil, desk.Forbidden("Exporting a person's data needs the export_data permission")
	}
	u, err := s.People.GetUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("privacy: export of user %d: %w", userID, err)
	}
	if u.Role.Staff() && !p.IsAdmin() {
		return nil, desk.Forbidden("Only admins export the data of agents and admins")
	}
	if opts.IncludeInternal && !p.IsAdmin() {
		return nil, desk.Forbidden("Only admins include internal notes in an export")
	}
	return u, nil
}

// Export writes the archive about user userID to w. The archive is built
// first in a private temporary file (memory stays bounded whatever the
// person's history), then the export is recorded in the audit log with its
// counts, and only then are the bytes copied to w: an export that fails
// sends nothing and an export that is sent is always recorded.
func (s *Service) Export(ctx context.Context, userID int64, opts Options, w io.Writer) (*Manifest, error) {
	u, err := s.Authorize(ctx, userID, opts)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(s.TempDir, "frontdesk-export-*.zip")
	if err != nil {
		return nil, fmt.Errorf("privacy: export of user %d: %w", userID, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	m, err := s.build(ctx, u, opts, f)
	if err != nil {
		return nil, fmt.Errorf("privacy: export of user %d: %w", userID, err)
	}
	counts := map[string]any{}
	for _, p := range m.Parts {
		counts[p.Name] = p.Count
	}
	if err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		return audit.RecordTx(ctx, tx, audit.Entry{Action: ActionDataExported, TargetType: audit.TargetUser, TargetID: u.ID,
			Data: map[string]any{"counts": counts, "include_internal": opts.IncludeInternal}})
	}); err != nil {
		return nil, fmt.Errorf("privacy: recording the export of user %d: %w", userID, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("privacy: export of user %d: %w", userID, err)
	}
	if _, err := io.Copy(w, f); err != nil {
		return nil, fmt.Errorf("privacy: sending the export of user %d: %w", userID, err)
	}
	return m, nil
}

// Manifest is manifest.json: what the archive holds.
type Manifest struct {
	Format          string       `json:"format"`
	Version         int          `json:"version"`
	GeneratedAt     time.Time    `json:"generated_at"`
	Subject         manifestUser `json:"subject"`
	IncludeInternal bool         `json:"include_internal"`
	Parts           []PartInfo   `json:"parts"`
}

type manifestUser struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// PartInfo is one part in the manifest: its files and record count.
type PartInfo struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Files []string `json:"files"`
}

// build writes every part and the manifest to out as a ZIP.
func (s *Service) build(ctx context.Context, u *desk.User, opts Options, out io.Writer) (*Manifest, error) {
	zw := zip.NewWriter(out)
	subj := Subject{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role}
	m := &Manifest{Format: Format, Version: Version, GeneratedAt: s.now(), IncludeInternal: opts.IncludeInternal,
		Subject: manifestUser{ID: u.ID, Name: u.Name, Email: u.Email}, Parts: []PartInfo{}}
	s.mu.RLock()
	parts := append([]namedPart(nil), s.parts...)
	s.mu.RUnlock()
	for _, p := range parts {
		pw := &PartWriter{Subject: subj, IncludeInternal: opts.IncludeInternal, name: p.name, zw: zw, now: m.GeneratedAt}
		n, err := p.f(ctx, pw)
		if err != nil {
			return nil, fmt.Errorf("part %s: %w", p.name, err)
		}
		m.Parts = append(m.Parts, PartInfo{Name: p.name, Count: n, Files: pw.files})
	}
	pw := &PartWriter{name: "manifest", zw: zw, now: m.GeneratedAt}
	if err := pw.JSON(ManifestFile, m); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return m, nil
}

// PartWriter is what an Exporter writes through: files inside its part
// only, named part.json or part/….
type PartWriter struct {
	// Subject is the person exported.
	Subject Subject
	// IncludeInternal is set when an admin asked for internal notes.
	IncludeInternal bool

	name  string
	zw    *zip.Writer
	now   time.Time
	files []string
}

// Name is the part's name.
func (w *PartWriter) Name() string { return w.name }

// fileSegment is what one segment of a file name inside a part may hold.
var fileSegment = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SafeName turns any text (a user's file name) into one safe path segment:
// letters, digits, '.', '_' and '-', at most 100 bytes, never "." or "..".
func SafeName(s string) string {
	s = strings.Trim(fileSegment.ReplaceAllString(s, "_"), "._")
	if len(s) > 100 {
		s = s[len(s)-100:]
	}
	if s == "" {
		s = "file"
	}
	return s
}

// Create starts file name (name.json for the part's own document, or
// name/<segments> for anything under its folder) and returns its writer,
// valid until the next Create or JSON call.
func (w *PartWriter) Create(file string) (io.Writer, error) {
	if !w.allowed(file) {
		return nil, fmt.Errorf("privacy: part %s may not write %q", w.name, file)
	}
	for _, f := range w.files {
		if f == file {
			return nil, fmt.Errorf("privacy: part %s writes %q twice", w.name, file)
		}
	}
	fw, err := w.zw.CreateHeader(&zip.FileHeader{Name: file, Method: zip.Deflate, Modified: w.now})
	if err != nil {
		return nil, err
	}
	w.files = append(w.files, file)
	return fw, nil
}

func (w *PartWriter) allowed(file string) bool {
	if w.name == "manifest" {
		return file == ManifestFile
	}
	if file == w.name+".json" {
		return true
	}
	rest, ok := strings.CutPrefix(file, w.name+"/")
	if !ok || rest == "" {
		return false
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || seg == "." || seg == ".." || SafeName(seg) != seg {
			return false
		}
	}
	return true
}

// JSON writes v, indented, as file.
func (w *PartWriter) JSON(file string, v any) error {
	fw, err := w.Create(file)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(fw)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
