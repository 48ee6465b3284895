package send

import "testing"

// d parses a YYYY-MM-DD date in a test, failing it on a typo.
func d(t testing.TB, s string) Date {
	t.Helper()
	v, err := ParseDate(s)
	if err != nil {
		t.Fatalf("bad test date: %v", err)
	}
	return v
}
