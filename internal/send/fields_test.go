package send

import "testing"

// TestTextRule: the one free-text rule, for a line and for a note.
func TestTextRule(t *testing.T) {
	line := TextRule{Label: "reason", Max: 5, Required: true}
	note := TextRule{Label: "note", Max: 20, Lines: true}
	cases := []struct {
		name      string
		rule      TextRule
		in        string
		want, msg string
	}{
		{"trimmed", line, "  ok \n", "ok", ""},
		{"blank required", line, "   ", "", "Enter the reason"},
		{"blank optional", note, "", "", ""},
		{"too long", line, "abcdef", "abcdef", "Reason must be 5 characters or fewer"},
		{"characters, not bytes", line, "ééééé", "ééééé", ""},
		{"tab in a line", line, "a\tb", "a\tb", "Reason must not contain special characters such as tabs or line breaks"},
		{"lines in a note", note, "one\r\ntwo\tthree", "one\r\ntwo\tthree", ""},
		{"bell in a note", note, "a\x07b", "a\x07b", "Note must not contain special characters"},
		{"not UTF-8", note, "a\xffb", "a\xffb", MsgNotUTF8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := tc.rule.Check(tc.in)
			if got != tc.want || msg != tc.msg {
				t.Errorf("got %q, %q; want %q, %q", got, msg, tc.want, tc.msg)
			}
		})
	}
}

// TestCheckPostcode: blank is allowed, a postcode is normalised, anything
// else is refused with the one message.
func TestCheckPostcode(t *testing.T) {
	cases := []struct{ in, want, msg string }{
		{"", "", ""},
		{"  ", "", ""},
		{"ba11aa", "BA1 1AA", ""},
		{" sw1a  2aa ", "SW1A 2AA", ""},
		{"M1 1AE", "M1 1AE", ""},
		{"BATH", "BATH", MsgPostcode},
		{"BA1 1A", "BA1 1A", MsgPostcode},
	}
	for _, tc := range cases {
		got, msg := CheckPostcode(tc.in)
		if got != tc.want || msg != tc.msg {
			t.Errorf("CheckPostcode(%q): got %q, %q; want %q, %q", tc.in, got, msg, tc.want, tc.msg)
		}
	}
}

// TestCheckNHSNumber: required, and ParseNHSNumber's reason as a sentence.
func TestCheckNHSNumber(t *testing.T) {
	cases := []struct{ in, want, msg string }{
		{" ", "", "Enter the NHS number"},
		{"943 476 5919", "9434765919", ""},
		{"12345", "12345", "An NHS number has 10 digits"},
	}
	for _, tc := range cases {
		got, msg := CheckNHSNumber(tc.in)
		if string(got) != tc.want || msg != tc.msg {
			t.Errorf("CheckNHSNumber(%q): got %q, %q; want %q, %q", tc.in, got, msg, tc.want, tc.msg)
		}
	}
}
