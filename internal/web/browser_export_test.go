package web_test

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestBrowserUserExport: in a real browser an admin whose confirmation is
// stale opens a customer's page, confirms the password in the export box,
// and downloads the ZIP with the keyboard-reachable button; both states
// of the box pass the accessibility check. Runs on every store.
func TestBrowserUserExport(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			e.stale()
			ad.open(fmt.Sprintf("%s/agent/users/%d", e.base, e.customer.ID))
			ad.waitJS(`document.querySelector("#u-export") && document.querySelector("#reauth-box")`, "the confirmation form")
			if ad.eval(`document.querySelector("#export-form") ? "form" : "none"`) != "none" {
				t.Fatal("the export form shows before the confirmation")
			}
			ad.accessible("the user page asking to confirm before an export")
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#rb-password`), password),
				chromedp.Click(chromedp.CSS(`#reauth-box button[type=submit]`)),
			)
			ad.waitJS(`document.querySelector("#export-form")`, "the export form")
			ad.accessible("the user page with the export form")

			dir := t.TempDir()
			events := true
			if _, err := chromedp.Call(ad.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
				Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events,
				BrowserContextID: chromedp.FromContext(ad.ctx).BrowserContextID}); err != nil {
				t.Fatal(err)
			}
			ad.do(chromedp.Click(chromedp.CSS(`#export-form button[type=submit]`)))
			profile := waitForZipFile(t, dir, "profile.json")
			if !strings.Contains(profile, e.customer.Email) || strings.Contains(profile, e.customer2.Email) {
				t.Fatalf("downloaded profile.json: %s", profile)
			}
			ad.noScriptRan("the user page")
		})
	}
}

// waitForZipFile waits until dir holds a complete ZIP (the browser's
// download) and returns the text of file name inside it.
func waitForZipFile(t *testing.T, dir, name string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		paths, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, p := range paths {
			if strings.HasSuffix(p, ".crdownload") {
				continue
			}
			zr, err := zip.OpenReader(p)
			if err != nil {
				continue
			}
			for _, f := range zr.File {
				if f.Name == name {
					r, err := f.Open()
					if err != nil {
						t.Fatal(err)
					}
					b, err := io.ReadAll(r)
					r.Close()
					zr.Close()
					if err != nil {
						t.Fatal(err)
					}
					return string(b)
				}
			}
			zr.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	t.Fatalf("no downloaded ZIP with %s in %s (%v)", name, dir, entries)
	return ""
}
