package admin

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPageInABrowser signs in to the page in a real browser (Debian's chromium,
// headless) on a phone-sized screen: the chart and the tables show the seeded
// figures, a table downloads as CSV, the page fits the screen's width, signing out
// goes back to the form, and /admin without the cookie sends there too. A
// screenshot is kept under the test's temp dir. Skips where no chromium is
// installed (CI installs it).
func TestPageInABrowser(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("no chromium on PATH: apt-get install chromium to run the browser test")
	}
	now := time.Now()
	_, h := seededPage(t, &now)
	srv := httptest.NewServer(h)
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(390, 844))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#token")), // sent to sign in
		chromedp.SendKeys(chromedp.CSS("#token"), testToken),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#reach-chart")),
	)
	if err == nil {
		var lang string
		lang, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
		if err == nil && lang != "en" {
			t.Errorf("the page asked for in English came in %q", lang)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return v
	}
	csvText, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('#csv-language').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	for what, c := range map[string][2]string{
		"languages": {text("#table-language"), "ar\t12"}, "week": {text("#table-week"), "Karlskoga bibliotek"},
		"tickets": {text("#table-tickets"), "ar"}, "target": {text("#target"), "110"}, "csv": {csvText, "ar,12\nuk,<5"},
	} {
		if !strings.Contains(c[0], c[1]) {
			t.Errorf("%s: %q lacks %q", what, c[0], c[1])
		}
	}
	if !fits {
		t.Error("the page is wider than a phone's screen")
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "admin.png")
	if err := os.WriteFile(name, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", name, len(shot))

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.Navigate(srv.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if url, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasSuffix(url, SignInPath) {
		t.Fatalf("after signing out, /admin is at %q: %v", url, err)
	}
}
