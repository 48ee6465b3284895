// Package e2e runs the real dco binary and walks user journeys in Debian's
// chromium. CI installs chromium; on a machine without it these tests fail
// in CI and are skipped elsewhere, saying why.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const demoPassword = "e2e-demo-password-2026"

// server is a running dco binary.
type server struct {
	URL  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has ended
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// The dco binary is built once for the package, in buildDir.
var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// dcoBinary builds cmd/dco the first time a test asks, and returns its path.
func dcoBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "dco-e2e-"); buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, "dco"), "../cmd/dco").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "dco")
}

// startServer builds dco (once), starts `dco serve --demo` on a free port with a
// fresh SQLite file, and stops it when the test ends.
func startServer(t *testing.T) *server {
	t.Helper()
	return launch(t, filepath.Join(t.TempDir(), "e2e.db"), true)
}

// launch starts `dco serve` on a free port over db (a SQLite file or a
// postgres:// URL, migrated with --migrate), with --demo if demo, and waits
// until it says it is listening. The server is stopped when the test ends,
// unless it has been killed already. extraEnv is added to its environment.
func launch(t *testing.T, db string, demo bool, extraEnv ...string) *server {
	t.Helper()
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", db}
	if demo {
		args = append(args, "--demo")
	}
	if strings.HasPrefix(db, "postgres") {
		args = append(args, "--migrate")
	}
	cmd := exec.Command(dcoBinary(t), args...)
	cmd.Env = append(append(os.Environ(), "DCO_DEMO_PASSWORD="+demoPassword), extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	srv := &server{cmd: cmd, done: done}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case srv.URL = <-urlc:
		return srv
	case <-done:
		t.Fatal("dco serve ended before it was listening")
	case <-time.After(3 * time.Minute):
		t.Fatal("dco serve did not say it was listening within 3 minutes")
	}
	return nil
}

// kill9 sends SIGKILL and waits for the process to end.
func (s *server) kill9() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// browser returns a chromedp context on Debian's chromium, started with the
// flags this closed network needs.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed: CI must install Debian's chromium package")
		}
		t.Skip("Debian's chromium is not installed (apt-get install chromium); CI installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 6*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	return ctx
}

// follow clicks the element that sel matches and waits until the page it
// leads to has loaded, failing on an HTTP error status. Every click that
// navigates goes through follow: waiting instead for a selector can match the
// old page, and the next step then acts on a node that the navigation has
// removed ("Could not find node with given id").
//
// A node can also be replaced between being found and being clicked: the
// NHS.UK header script rebuilds the navigation once the page has loaded, to
// fit it to the width. The click then fails before anything is sent, so
// follow finds the element again and retries, a few times.
func follow(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		var resp *network.Response
		var err error
		for attempt := 1; ; attempt++ {
			resp, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
			if err == nil || attempt == 5 || !staleNode(err) {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		if err != nil {
			return fmt.Errorf("follow %s: %w", sel, err)
		}
		// 422 is a form shown again with its errors, which the test reads.
		if resp != nil && resp.Status >= 400 && resp.Status != 422 {
			return fmt.Errorf("follow %s: %s answered %d", sel, resp.URL, resp.Status)
		}
		return nil
	})
}

// staleNode reports whether a click failed because the node it found was
// replaced before it could be clicked.
func staleNode(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Could not find node with given id") || strings.Contains(msg, "Node is detached") ||
		strings.Contains(msg, "does not belong to the document") || strings.Contains(msg, "Cannot find context with specified id")
}

// signIn signs in as the demo user with the given e-mail address.
func signIn(base, email string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/sign-in"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), demoPassword),
		follow(`form[action="/sign-in"] button[type="submit"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
	)
}

// screenshot saves a full-page PNG when DCO_E2E_SCREENSHOTS names a folder,
// so a person can look at what the test saw.
func screenshot(ctx context.Context, t *testing.T, name string) {
	dir := os.Getenv("DCO_E2E_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// text returns the text of the first element matching a CSS selector.
func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

func TestSmokeDCOSignsInAndSeesHome(t *testing.T) {
	ctx := browser(t)
	srv := startServer(t)
	err := chromedp.Do(ctx, signIn(srv.URL, "dco@demo.dco.test"))
	screenshot(ctx, t, "dco-home")
	if err != nil {
		t.Fatalf("sign in as the demo DCO: %v", err)
	}
	h1, body := text(ctx, t, "main h1"), text(ctx, t, "body")
	for _, want := range []string{"Children", "Bath and North East Somerset", "Swindon", "Wiltshire"} {
		if !strings.Contains(body, want) {
			t.Errorf("DCO home page (h1 %q) does not mention %q", h1, want)
		}
	}
	// Every other role signs in and lands on a page of its own.
	for _, email := range []string{"clinician@demo.dco.test", "provider@demo.dco.test", "la.swindon@demo.dco.test", "viewer@demo.dco.test", "admin@demo.dco.test"} {
		t.Run(email, func(t *testing.T) {
			ctx := browser(t)
			if err := chromedp.Do(ctx, signIn(srv.URL, email)); err != nil {
				t.Fatalf("sign in: %v", err)
			}
			screenshot(ctx, t, "home-"+strings.Split(email, "@")[0])
			if h1 := text(ctx, t, "main h1"); strings.Contains(strings.ToLower(h1), "sign in") {
				t.Errorf("%s: got h1 %q, want a home page", email, h1)
			}
		})
	}
}
