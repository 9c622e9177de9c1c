package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/privacy"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestExportCarriesCommunityContent: the server registers the community's
// part of a data-subject export: the person's posts (held ones too) are in
// community.json, somebody else's are not.
func TestExportCarriesCommunityContent(t *testing.T) {
	dir := t.TempDir()
	storetest.SeedSQLite(t, dir)
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: dir, ShutdownGrace: time.Second}
	app, err := server.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	sys := desk.SystemContext(context.Background())
	endUser := desk.RoleEndUser
	mk := func(name, email string, role desk.Role) *desk.User {
		u, err := app.People.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	admin := mk("Ada Admin", "ada@export.test", desk.RoleAdmin)
	sam := mk("Sam Subject", "sam@export.test", endUser)
	olga := mk("Olga Other", "olga@export.test", endUser)
	topicName := "Printers"
	topic, err := app.Community.CreateTopic(sys, community.TopicInput{Name: &topicName})
	if err != nil {
		t.Fatal(err)
	}
	post := func(u *desk.User, title string) {
		ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: u.Role, Email: u.Email, Via: "web"})
		body := "details of " + title
		if _, err := app.Community.CreatePost(ctx, community.PostInput{Title: &title, Details: &body, TopicID: &topic.ID}); err != nil {
			t.Fatal(err)
		}
	}
	post(sam, "Sams paper jam question")
	post(olga, "Olgas toner idea")

	adminCtx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: admin.ID, Role: desk.RoleAdmin, Email: admin.Email, Via: "web"})
	var buf bytes.Buffer
	if _, err := app.Privacy.Export(adminCtx, sam.ID, privacy.Options{}, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var part string
	for _, f := range zr.File {
		if f.Name == "community.json" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			part = string(b)
		}
	}
	if !strings.Contains(part, "Sams paper jam question") || !strings.Contains(part, "details of Sams paper jam question") {
		t.Fatalf("community.json lacks the person's post: %q", part)
	}
	if strings.Contains(buf.String(), "Olgas toner idea") || strings.Contains(part, "Olga") {
		t.Fatalf("the export holds somebody else's post: %q", part)
	}
}
