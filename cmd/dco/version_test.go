package main

import (
	"strings"
	"testing"
)

// dco version takes --help like every command, rather than printing the
// version for it.
func TestVersion(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // stdout must start with this
		stderr string // stderr must contain this
	}{
		{"plain", []string{"version"}, 0, "dco " + version + "\n", ""},
		{"-h", []string{"version", "-h"}, 0, "Usage: dco version\n", ""},
		{"--help", []string{"version", "--help"}, 0, "Usage: dco version\n", ""},
		{"an argument", []string{"version", "extra"}, 2, "", `takes no arguments, not "extra"`},
		{"an unknown flag", []string{"version", "--short"}, 2, "", "flag provided but not defined: -short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := clockRun(t, nil, tt.args...)
			if code != tt.code || !strings.HasPrefix(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("got exit %d, stdout %q, stderr %q; want %d, stdout starting %q, stderr containing %q",
					code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
			if tt.code == 0 && stderr != "" {
				t.Errorf("got stderr %q, want none", stderr)
			}
		})
	}
}
