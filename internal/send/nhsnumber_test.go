package send

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseNHSNumber(t *testing.T) {
	tests := []struct {
		name, in string
		want     NHSNumber
		err      error
	}{
		{"valid", "9997654323", "9997654323", nil},
		{"valid with spaces", "999 765 4323", "9997654323", nil},
		{"valid with hyphens", "999-765-4323", "9997654323", nil},
		{"valid with surrounding space", "  9991112227 ", "9991112227", nil},
		{"valid", "9995556669", "9995556669", nil},
		{"valid", "9990123454", "9990123454", nil},
		{"valid", "9991234578", "9991234578", nil},
		{"check 11 means 0", "9999900070", "9999900070", nil},
		{"check 11 means 0", "9999900100", "9999900100", nil},
		{"check 11 written as 1", "9999900071", "", ErrNHSNumberCheck},
		{"check 10 is never valid", "9991234560", "", ErrNHSNumberCheck},
		{"check 10 is never valid", "9990000000", "", ErrNHSNumberCheck},
		{"wrong check digit", "9997654324", "", ErrNHSNumberCheck},
		{"transposed digits", "9996754323", "", ErrNHSNumberCheck},
		{"all ones", "1111111111", "", ErrNHSNumberRepeated},
		{"all zeros", "0000000000", "", ErrNHSNumberRepeated},
		{"all nines", "999 999 9999", "", ErrNHSNumberRepeated},
		{"nine digits", "999765432", "", ErrNHSNumberLength},
		{"eleven digits", "99976543231", "", ErrNHSNumberLength},
		{"empty", "", "", ErrNHSNumberLength},
		{"letter", "999765432A", "", ErrNHSNumberDigits},
		{"dots", "999.765.4323", "", ErrNHSNumberDigits},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.in, func(t *testing.T) {
			got, err := ParseNHSNumber(tt.in)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestNHSNumberString(t *testing.T) {
	if got := NHSNumber("9997654323").String(); got != "999 765 4323" {
		t.Errorf("got %q, want %q", got, "999 765 4323")
	}
	if got := NHSNumber("123").String(); got != "123" {
		t.Errorf("short: got %q, want it unchanged", got)
	}
}

func FuzzParseNHSNumber(f *testing.F) {
	for _, s := range []string{"9997654323", "999 765 4323", "999-765-4323", "9991234560", "1111111111", "", "x", "99976543231", "٣٣٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNHSNumber(s)
		if err != nil {
			if n != "" {
				t.Fatalf("%q: error %v with a number %q", s, err, n)
			}
			return
		}
		if len(n) != 10 || strings.Trim(string(n), "0123456789") != "" {
			t.Fatalf("%q: accepted as %q, not ten digits", s, n)
		}
		// The displayed form parses back to the same number.
		again, err := ParseNHSNumber(n.String())
		if err != nil || again != n {
			t.Fatalf("%q: %q displayed as %q parses as %q, %v", s, n, n.String(), again, err)
		}
	})
}

// TestCompleteNHSNumber: the number it completes is the one valid number with
// those nine digits, and it refuses exactly when there is none.
func TestCompleteNHSNumber(t *testing.T) {
	if n, ok := CompleteNHSNumber("943476591"); !ok || n != "9434765919" {
		t.Errorf("943476591: got %q %v, want 9434765919", n, ok)
	}
	for _, bad := range []string{"", "12345678", "1234567890", "99900000x", "000000000"} {
		if n, ok := CompleteNHSNumber(bad); ok {
			t.Errorf("%q: got %q, want none", bad, n)
		}
	}
	for body := 999000000; body < 999002000; body++ {
		nine := strconv.Itoa(body)
		valid := ""
		for d := '0'; d <= '9'; d++ {
			if n, err := ParseNHSNumber(nine + string(d)); err == nil {
				valid = string(n)
			}
		}
		if n, ok := CompleteNHSNumber(nine); string(n) != valid || ok != (valid != "") {
			t.Errorf("%s: got %q %v, want %q", nine, n, ok, valid)
		}
	}
}
