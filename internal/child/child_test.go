package child

import (
	"maps"
	"strings"
	"testing"
	"time"

	"dco/internal/send"
)

// TestValidate: Validate normalises a good child and names every problem of
// a bad one at once, with the one message each rule has.
func TestValidate(t *testing.T) {
	today := send.NewDate(2025, time.June, 2)
	good := func() Child {
		return Child{NHSNumber: "943 476 5919", GivenName: " Ada ", FamilyName: "Lovelace", DateOfBirth: send.NewDate(2015, 1, 1),
			Postcode: " ba1  1aa ", Setting: " Alpha Primary "}
	}
	t.Run("good", func(t *testing.T) {
		c := good()
		if bad := c.Validate(today); len(bad) != 0 {
			t.Fatalf("got %v, want no problems", bad)
		}
		want := Child{NHSNumber: "9434765919", GivenName: "Ada", FamilyName: "Lovelace", DateOfBirth: send.NewDate(2015, 1, 1),
			Postcode: "BA1 1AA", Setting: "Alpha Primary"}
		if c != want {
			t.Errorf("normalised: got %+v, want %+v", c, want)
		}
	})
	cases := []struct {
		name   string
		change func(c *Child)
		want   map[string]string
	}{
		{"born today", func(c *Child) { c.DateOfBirth = today }, map[string]string{}},
		{"26 tomorrow", func(c *Child) { c.DateOfBirth = send.NewDate(1999, 6, 3) }, map[string]string{}},
		{"born 26 years ago today", func(c *Child) { c.DateOfBirth = send.NewDate(1999, 6, 2) }, map[string]string{}},
		{"26 yesterday", func(c *Child) { c.DateOfBirth = send.NewDate(1999, 6, 1) },
			map[string]string{"date_of_birth": "Date of birth must be within the last 26 years"}},
		{"born tomorrow", func(c *Child) { c.DateOfBirth = today.AddDays(1) },
			map[string]string{"date_of_birth": "Date of birth must be today or in the past"}},
		{"no postcode", func(c *Child) { c.Postcode = "  " }, map[string]string{}},
		{"everything wrong", func(c *Child) {
			c.NHSNumber, c.GivenName, c.FamilyName = "", "", strings.Repeat("é", 101)
			c.DateOfBirth, c.Postcode, c.Setting = send.Date{}, "BATH", strings.Repeat("s", 201)
		}, map[string]string{
			"nhs_number":    "Enter the NHS number",
			"given_name":    "Enter the given name",
			"family_name":   "Family name must be 100 characters or fewer",
			"date_of_birth": "Enter the date of birth",
			"postcode":      "Enter a real postcode, like BA1 1AA",
			"setting":       "Setting must be 200 characters or fewer",
		}},
		{"not UTF-8, a tab", func(c *Child) { c.GivenName, c.Setting = "Ad\xffa", "Alpha\tPrimary" }, map[string]string{
			"given_name": send.MsgNotUTF8,
			"setting":    "Setting must not contain special characters such as tabs or line breaks",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.change(&c)
			if got := c.Validate(today); !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
