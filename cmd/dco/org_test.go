package main

import (
	"strings"
	"testing"
)

func TestOrgAddList(t *testing.T) {
	c := newCLI(t)
	if out := c.must("", "org", "list"); out != "No organisations yet: add the ICB with dco org add --kind icb.\n" {
		t.Errorf("empty list: got %q", out)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"la before the icb", []string{"--kind", "la", "--name", "Swindon", "--code", "866"},
			1, "", "dco org add: parent_id: Add the ICB before its local authorities and providers\n"},
		{"icb", []string{"--kind", "icb", "--name", "NHS BSW ICB", "--code", "qox", "--ons", "E54000040"},
			0, "Added icb NHS BSW ICB (code QOX)\n", ""},
		{"la", []string{"--kind", "LA", "--name", "Swindon", "--code", "866", "--ons", "e06000030"},
			0, "Added la Swindon (code 866)\n", ""},
		{"provider in the named icb", []string{"--kind", "provider", "--name", "Great Western Hospitals NHS Foundation Trust", "--code", "RN3", "--icb", "QOX"},
			0, "Added provider Great Western Hospitals NHS Foundation Trust (code RN3)\n", ""},
		{"duplicate code", []string{"--kind", "la", "--name", "Swindon again", "--code", "866"},
			1, "", "dco org add: An organisation with this code already exists\n"},
		{"bad la number", []string{"--kind", "la", "--name", "Nowhere", "--code", "86"},
			1, "", "dco org add: code: Enter the LA's three-digit DfE number, like 800\n"},
		{"two problems, one line", []string{"--kind", "la", "--name", "Nowhere", "--code", "86", "--ons", "X1"},
			1, "", "dco org add: code: Enter the LA's three-digit DfE number, like 800; ons_code: Enter the LA's ONS code, like E06000022\n"},
		{"unknown icb", []string{"--kind", "provider", "--name", "P", "--code", "RXX", "--icb", "QZZ"},
			1, "", `dco org add: no ICB has ODS code "QZZ" (dco org list --kind icb shows them)` + "\n"},
		{"no kind", []string{"--name", "P", "--code", "RXX"}, 2, "", "--kind is required"},
		{"bad kind", []string{"--kind", "school", "--name", "P", "--code", "RXX"}, 2, "", `kind "school" is not icb, la or provider`},
		{"no name", []string{"--kind", "provider", "--code", "RXX"}, 2, "", "--name is required"},
		{"no code", []string{"--kind", "provider", "--name", "P"}, 2, "", "--code is required"},
		{"icb in an icb", []string{"--kind", "icb", "--name", "P", "--code", "QZZ", "--icb", "QOX"}, 2, "", "drop --icb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := c.run("", append([]string{"org", "add"}, tc.args...)...)
			if code != tc.code || out != tc.stdout || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("got exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out, errOut, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
	want := `KIND      CODE  ONS        ICB  NAME
icb       QOX   E54000040  -    NHS BSW ICB
la        866   E06000030  QOX  Swindon
provider  RN3   -          QOX  Great Western Hospitals NHS Foundation Trust
`
	if out := c.must("", "org", "list"); out != want {
		t.Errorf("list:\ngot\n%s\nwant\n%s", out, want)
	}
	if out := c.must("", "org", "list", "--kind", "la"); out != "KIND  CODE  ONS        ICB  NAME\nla    866   E06000030  QOX  Swindon\n" {
		t.Errorf("list --kind la: got\n%s", out)
	}
	if code, _, errOut := c.run("", "org", "list", "--kind", "school"); code != 2 || !strings.Contains(errOut, "not icb, la or provider") {
		t.Errorf("list --kind school: got exit %d, %q", code, errOut)
	}
}
