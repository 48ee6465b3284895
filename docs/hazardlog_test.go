// Package docs holds dco's documents; its test keeps the hazard log tied to
// the tests it names.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	testRef  = regexp.MustCompile("`(Test[A-Za-z0-9_]+)`")
	testFunc = regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]+)\(`)
	hazard   = regexp.MustCompile(`(?m)^## (H\d+) `)
)

// TestHazardLogNamesRealTests fails when the hazard log names a test that
// does not exist, or a hazard has no test: a control is only as good as the
// test that shows it works.
func TestHazardLogNamesRealTests(t *testing.T) {
	log, err := os.ReadFile("hazard-log.md")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.go") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range testFunc.FindAllStringSubmatch(string(src), -1) {
				have[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sections := hazard.FindAllStringSubmatchIndex(string(log), -1)
	if len(sections) == 0 {
		t.Fatal("no hazards found in hazard-log.md")
	}
	for i, sec := range sections {
		end := len(log)
		if i+1 < len(sections) {
			end = sections[i+1][0]
		}
		id := string(log[sec[2]:sec[3]])
		refs := testRef.FindAllStringSubmatch(string(log[sec[0]:end]), -1)
		if len(refs) == 0 {
			t.Errorf("%s names no test", id)
		}
		for _, r := range refs {
			if !have[r[1]] {
				t.Errorf("%s names %s, which is not a test in this repository", id, r[1])
			}
		}
	}
}
