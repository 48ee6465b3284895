package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, ""},
		{"coded", E(NotFound, "no such child"), NotFound},
		{"wrapped", fmt.Errorf("get child: %w", E(Conflict, "stale")), Conflict},
		{"uncoded", errors.New("boom"), Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CodeOf(tc.err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMessagesHideInternalErrors(t *testing.T) {
	cause := errors.New("pq: relation children does not exist")
	if got := MessageOf(Wrap(Internal, cause, "query failed")); got != "Sorry, there is a problem with the service" {
		t.Errorf("got %q, want the generic sentence", got)
	}
	if got := MessageOf(E(Invalid, "Enter a date of birth")); got != "Enter a date of birth" {
		t.Errorf("got %q, want the message", got)
	}
	e := InvalidFields(map[string]string{"nhs_number": "Enter a 10-digit NHS number"})
	if FieldsOf(fmt.Errorf("x: %w", e))["nhs_number"] == "" {
		t.Error("fields lost through wrapping")
	}
	if !errors.Is(Wrap(Unavailable, cause, "db down"), cause) {
		t.Error("Wrap does not unwrap to its cause")
	}
	if !Is(e, Invalid) {
		t.Error("Is(e, Invalid) = false")
	}
}
