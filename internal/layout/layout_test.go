// Package layout holds the test that keeps the repository in the shape
// README's Architecture section draws: workflows in folders of their own,
// on a kernel that names none of them.
package layout

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "dco"

// kernel are the packages every workflow stands on. None may import a
// workflow's package, directly or not, nor name a workflow in its code.
var kernel = []string{"internal/store", "internal/web", "internal/send", "internal/child", "internal/auth", "internal/errs", "internal/importer"}

// notYetMoved are workflows whose code still lives in the kernel: the
// kernel may import their pure rules package until they move into their
// folder. Remove a line when its workflow moves.
var notYetMoved = map[string]bool{
	"advice": true, // health advice: store/advice*.go and web/advice*.go
}

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string
	Deps       []string
	GoFiles    []string
}

// listPackages runs go list on the whole module.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = filepath.Join("..", "..")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var ps []pkg
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// workflowOf names the workflow a package belongs to ("s23" for
// dco/internal/s23/s23web), or "".
func workflowOf(path string, workflows []string) string {
	for _, w := range workflows {
		root := module + "/internal/" + w
		if path == root || strings.HasPrefix(path, root+"/") {
			return w
		}
	}
	return ""
}

// workflowsIn finds the workflows: every internal/<w> with a sub-package
// <w>db or <w>web, and those not yet moved.
func workflowsIn(ps []pkg) []string {
	var ws []string
	for w := range notYetMoved {
		ws = append(ws, w)
	}
	for _, p := range ps {
		rest, ok := strings.CutPrefix(p.ImportPath, module+"/internal/")
		if !ok {
			continue
		}
		w, sub, ok := strings.Cut(rest, "/")
		if ok && (sub == w+"db" || sub == w+"web") && !slices.Contains(ws, w) {
			ws = append(ws, w)
		}
	}
	slices.Sort(ws)
	return ws
}

// TestWorkflowsStandAlone: no workflow package imports another workflow's,
// and no kernel package imports a workflow's (directly or through another
// package) or names one in its code, so that a workflow is one folder and
// one line of wiring (internal/workflows).
func TestWorkflowsStandAlone(t *testing.T) {
	ps := listPackages(t)
	ws := workflowsIn(ps)
	if !slices.Contains(ws, "s23") {
		t.Fatalf("workflows found: %v, want s23 among them", ws)
	}
	for _, p := range ps {
		own := workflowOf(p.ImportPath, ws)
		inKernel := slices.ContainsFunc(kernel, func(k string) bool {
			root := module + "/" + k
			return p.ImportPath == root || strings.HasPrefix(p.ImportPath, root+"/")
		})
		for _, d := range p.Deps {
			other := workflowOf(d, ws)
			switch {
			case other == "" || other == own:
			case inKernel && notYetMoved[other] && d == module+"/internal/"+other:
				// the pure rules of a workflow still in the kernel
			case inKernel:
				t.Errorf("kernel package %s imports %s, of workflow %s", p.ImportPath, d, other)
			case own != "" && (!notYetMoved[other] || slices.Contains(p.Imports, d)):
				// A workflow not yet moved is part of the kernel, which
				// every workflow imports; only a direct import is its own.
				t.Errorf("package %s of workflow %s imports %s, of workflow %s", p.ImportPath, own, d, other)
			}
		}
		if inKernel {
			checkNamesNoWorkflow(t, p, ws)
		}
	}
}

// checkNamesNoWorkflow fails when a kernel package's code (tests apart)
// names a moved workflow: its package, its paths or its name.
func checkNamesNoWorkflow(t *testing.T, p pkg, ws []string) {
	t.Helper()
	for _, w := range ws {
		if notYetMoved[w] {
			continue
		}
		re := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(w) + `\b`)
		for _, f := range p.GoFiles {
			b, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				if re.MatchString(line) {
					t.Errorf("%s:%d names the workflow %s: %s", filepath.Join(p.ImportPath, f), i+1, w, strings.TrimSpace(line))
				}
			}
		}
	}
}
