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
// <w>db or <w>web.
func workflowsIn(ps []pkg) []string {
	var ws []string
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
	for _, w := range []string{"advice", "s23"} {
		if !slices.Contains(ws, w) {
			t.Fatalf("workflows found: %v, want %s among them", ws, w)
		}
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
			case inKernel:
				t.Errorf("kernel package %s imports %s, of workflow %s", p.ImportPath, d, other)
			case own != "":
				t.Errorf("package %s of workflow %s imports %s, of workflow %s", p.ImportPath, own, d, other)
			}
		}
		if inKernel {
			checkNamesNoWorkflow(t, p, ws)
		}
	}
}

// wordsAllowed are the kernel files that may use a workflow's name as a
// plain word, and why. In them only the workflow's code is refused: its
// packages and its routes.
var wordsAllowed = map[string]string{
	// The statutory clock table names the duties the law sets: health advice
	// to the LA within six weeks (SEND Regulations 2014 reg 8), and the
	// reg 8(2) exceptions to it.
	"dco/internal/send/rules.go":      "statute",
	"dco/internal/send/exceptions.go": "statute",
	// The work_grants migration matches, word for word, the grants older dco
	// wrote when advice was the one workflow that assigned work, and words
	// the end of each in the audit trail.
	"dco/internal/store/work_grants.go": "migration data",
}

// checkNamesNoWorkflow fails when a kernel package's code (tests apart)
// names a workflow: its package, its paths or its name.
func checkNamesNoWorkflow(t *testing.T, p pkg, ws []string) {
	t.Helper()
	for _, w := range ws {
		q := regexp.QuoteMeta(w)
		word := regexp.MustCompile(`(?i)\b` + q + `\b`)
		code := regexp.MustCompile(`\b` + q + `(db|web|import)?\.[A-Za-z]|internal/` + q + `\b|"[A-Z]* ?/(api/v1/)?` + q + `[-/]`)
		for _, f := range p.GoFiles {
			file := p.ImportPath + "/" + f
			re := word
			if _, ok := wordsAllowed[file]; ok {
				re = code
			}
			b, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				if re.MatchString(line) {
					t.Errorf("%s:%d names the workflow %s: %s", file, i+1, w, strings.TrimSpace(line))
				}
			}
		}
	}
}
