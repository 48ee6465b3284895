package store

import (
	"context"
	"testing"

	"dco/internal/errs"
)

// A child's names are one line each, by every route: the store refuses a
// tab or a line break as the child form and the importers do, so a
// notification's child (the Section 23 form, API and file) and the
// children API get the same answer.
func TestChildNamesRefuseControlCharacters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		tests := []struct {
			name, given, family, field, want string
		}{
			{"tab in the given name", "Am\telia", "Ashworth", "given_name", "Given name must not contain special characters such as tabs or line breaks"},
			{"line break in the family name", "Amelia", "Ash\nworth", "family_name", "Family name must not contain special characters such as tabs or line breaks"},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := child(t, 900+i, f.LA1.ID)
				c.GivenName, c.FamilyName = tc.given, tc.family
				err := s.CreateChild(context.Background(), f.DCO, &c)
				if got := errs.FieldsOf(err)[tc.field]; errs.CodeOf(err) != errs.Invalid || got != tc.want {
					t.Errorf("got %v (%v), want invalid with %s: %q", err, errs.FieldsOf(err), tc.field, tc.want)
				}
			})
		}
	})
}
