package web_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/testkit"
)

// Browser tests drive Debian's headless Chromium. Without a chromium binary
// they skip, unless FRONTDESK_REQUIRE_BROWSER is set (CI), when they fail.

func chromiumPath() string {
	for _, p := range []string{os.Getenv("FRONTDESK_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// browser is a test's handle on the package's one headless Chromium
// process: every test opens its tabs in browser contexts of their own
// (cookies, storage), so sharing the process shares no state, and the suite
// starts Chromium once instead of once per test.
type browser struct {
	t     *testing.T
	root  context.Context // the process's first tab; tabs are opened from it
	shots string
}

// chromium is the shared process, started by the first test that needs it
// and stopped by TestMain.
var chromium struct {
	once    sync.Once
	root    context.Context
	stop    func()
	profile string
	err     error
}

func TestMain(m *testing.M) {
	// Every test environment hashes five passwords and most tests sign
	// in: at the production cost that was about a fifth of this package's
	// CPU under -race. No flow tested here depends on the cost.
	testkit.CheapPasswordHashes()
	code := m.Run()
	if chromium.stop != nil {
		chromium.stop()
	}
	if chromium.profile != "" {
		os.RemoveAll(chromium.profile)
	}
	os.Exit(code)
}

func startChromium(path string) {
	chromium.profile, chromium.err = os.MkdirTemp("", "frontdesk-chromium-")
	if chromium.err != nil {
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(chromium.profile),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	chromium.root = root
	chromium.stop = func() {
		cancelRoot()
		cancelAlloc()
	}
	chromium.err = chromedp.Do(root)
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("FRONTDESK_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is not installed (apt-get install -y chromium) and FRONTDESK_REQUIRE_BROWSER is set")
		}
		t.Skip("chromium is not installed; set FRONTDESK_REQUIRE_BROWSER=1 to make this a failure")
	}
	chromium.once.Do(func() { startChromium(path) })
	if chromium.err != nil {
		t.Fatalf("starting chromium: %v", chromium.err)
	}
	return &browser{t: t, root: chromium.root, shots: t.ArtifactDir()}
}

// tab is one page in its own browser context (its own cookies), so two
// tabs can be two different people.
type tab struct {
	b       *browser
	name    string
	ctx     context.Context
	dialogs atomic.Int32
	errs    atomic.Value // last JavaScript exception text
}

func (b *browser) tab(name string) *tab {
	tb := &tab{b: b, name: name}
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext(),
		chromedp.WithListener(func(ev any) {
			switch ev := ev.(type) {
			case *page.EventJavascriptDialogOpening:
				tb.dialogs.Add(1)
			case *runtime.EventExceptionThrown:
				tb.errs.Store(ev.ExceptionDetails.Text)
			}
		}))
	tb.ctx = ctx
	b.t.Cleanup(func() {
		if b.t.Failed() {
			tb.shot("failure")
		}
		cancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("opening tab %s: %v", name, err)
	}
	// A dialog would block the page: dismiss every one (the listener
	// counts them).
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	// Tabs share one headless window: let each behave as focused, so
	// background tabs keep rendering (screenshots) and focus events fire.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		b.t.Fatalf("tab %s: %v", name, err)
	}
	// Record Content-Security-Policy violations in every page: our pages
	// must cause none (no inline script or style, nothing from elsewhere).
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspRecorder}); err != nil {
		b.t.Fatalf("tab %s: %v", name, err)
	}
	return tb
}

const cspRecorder = `window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});`

// do runs steps with a timeout and fails the test on error.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := tb.location()
		tb.shot("error")
		tb.b.t.Fatalf("%s: %v (at %s)", tb.name, err, loc)
	}
}

func (tb *tab) location() (string, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, 3*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Location())
}

func (tb *tab) eval(expr string) string {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		tb.b.t.Fatalf("%s: eval %s: %v", tb.name, expr, err)
	}
	return v
}

// clickNow clicks the element sel matches, found and clicked in one step
// inside the page. A list the page rebuilds live (the chat queue) may
// replace the node chromedp.Click found before its click lands ("Could not
// find node with given id"); this cannot miss that way.
func (tb *tab) clickNow(sel string) {
	tb.b.t.Helper()
	if got := tb.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return "missing"; e.click(); return ""; })()`, sel)); got != "" {
		tb.b.t.Fatalf("%s: click %s: %s", tb.name, sel, got)
	}
}

// text is the visible text of the page.
func (tb *tab) text() string { return tb.eval(`document.body.innerText`) }

// waitText waits until the page's text contains want.
func (tb *tab) waitText(want string) {
	tb.b.t.Helper()
	tb.waitJS(fmt.Sprintf(`document.body && document.body.innerText.includes(%q)`, want), "text "+want)
}

// waitJS waits until a JavaScript expression is true. It polls with
// separate evaluations, so navigations in between do no harm.
func (tb *tab) waitJS(expr, what string) {
	tb.b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	tb.shot("wait")
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	txt, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	cancel()
	loc, _ := tb.location()
	tb.b.t.Fatalf("%s: waiting for %s (last error %v) at %s\npage text:\n%s", tb.name, what, last, loc, txt)
}

// waitURL waits until a JavaScript expression about location is true and
// the page has finished loading. The URL changes when a navigation
// commits, before the new document is parsed, so a page read right after
// a check of the URL alone can find no element (TestBrowserAlerts failed
// in CI that way).
func (tb *tab) waitURL(expr, what string) {
	tb.b.t.Helper()
	tb.waitJS("("+expr+`) && document.readyState === "complete"`, what)
}

func (tb *tab) open(url string) { tb.b.t.Helper(); tb.do(chromedp.Navigate(url)) }

// shot saves a PNG of the page and logs where.
func (tb *tab) shot(name string) string {
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	// Let a page that is still loading finish first.
	for i := 0; i < 50; i++ {
		st, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`))
		if err == nil && st == "complete" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A background tab may never paint: bring it to the front first.
	if _, err := chromedp.Call(ctx, page.BringToFront, cdp.Empty{}); err != nil {
		tb.b.t.Logf("%s: bring to front: %v", tb.name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			tb.b.t.Logf("%s: screenshot %s: %v", tb.name, name, err)
		}
		return ""
	}
	file := filepath.Join(tb.b.shots, fmt.Sprintf("%s-%s.png", strings.ReplaceAll(tb.name, " ", "_"), name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.b.t.Logf("screenshot: %v", err)
		return ""
	}
	tb.b.t.Logf("screenshot %s: %s", name, file)
	return file
}

// signIn signs in through a sign-in form at path.
func (tb *tab) signIn(base, path, email string) {
	tb.b.t.Helper()
	tb.open(base + path)
	tb.do(
		chromedp.WaitVisible(chromedp.CSS(`#si-email`)),
		chromedp.SendKeys(chromedp.CSS(`#si-email`), email),
		chromedp.SendKeys(chromedp.CSS(`#si-password`), password),
		chromedp.Click(chromedp.CSS(`form[action$="signin"] button[type=submit]`)),
	)
	tb.waitJS(`!location.pathname.endsWith("/signin")`, "signed in")
}

// noScriptRan fails the test if any injected script ran in the tab.
func (tb *tab) noScriptRan(where string) {
	tb.b.t.Helper()
	if n := tb.dialogs.Load(); n != 0 {
		tb.b.t.Errorf("%s: %d JavaScript dialogs opened on %s", tb.name, n, where)
	}
	if v := tb.eval(`String(window.__xss)`); v != "undefined" {
		tb.b.t.Errorf("%s: window.__xss = %s on %s", tb.name, v, where)
	}
	if v := tb.eval(`JSON.stringify(window.__csp || [])`); v != "[]" {
		tb.b.t.Errorf("%s: Content-Security-Policy violations on %s: %s", tb.name, where, v)
	}
	if js, ok := tb.errs.Load().(string); ok && js != "" {
		tb.b.t.Errorf("%s: JavaScript exception on %s: %s", tb.name, where, js)
	}
}
