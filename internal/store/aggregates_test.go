package store

import (
	"context"
	"testing"

	"dco/internal/errs"
)

func TestCountChildrenByLA(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		for i := 0; i < 3; i++ {
			mustCreate(t, s, f.DCO, child(t, i, f.LA1.ID))
		}
		mustCreate(t, s, f.DCO, child(t, 10, f.LA2.ID))
		ctx := context.Background()
		tests := []struct {
			name     string
			actor    Actor
			want1    int
			want2    int
			wantCode errs.Code
		}{
			{"dco counts every LA", f.DCO, 3, 1, ""},
			{"viewer counts every LA", f.Viewer, 3, 1, ""},
			{"la counts only its own", f.LA1User, 3, 0, ""},
			{"other la counts only its own", f.LA2User, 0, 1, ""},
			{"clinician counts only granted", f.Clinician, 0, 0, ""},
			{"admin may not count case data", f.Admin, 0, 0, errs.Forbidden},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.CountChildrenByLA(ctx, tc.actor)
				if errs.CodeOf(err) != tc.wantCode {
					t.Fatalf("got error %v, want code %q", err, tc.wantCode)
				}
				if got[f.LA1.ID] != tc.want1 || got[f.LA2.ID] != tc.want2 {
					t.Errorf("got %d and %d, want %d and %d", got[f.LA1.ID], got[f.LA2.ID], tc.want1, tc.want2)
				}
			})
		}
	})
}
