package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{"right", "correct horse battery staple", true},
		{"wrong", "correct horse battery stapler", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckPassword(h, tc.pw)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := HashPassword("short"); err != ErrWeakPassword {
		t.Errorf("got %v, want ErrWeakPassword", err)
	}
	if _, err := CheckPassword("$bcrypt$x", "x"); err == nil {
		t.Error("got nil error for a foreign hash")
	}
}

func TestSecretsAreDistinctAndHashed(t *testing.T) {
	a, ha, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, hb, _ := NewSecret()
	if a == b || ha == hb {
		t.Fatal("two secrets were equal")
	}
	if HashSecret(a) != ha {
		t.Errorf("got %s, want %s", HashSecret(a), ha)
	}
}

func TestThrottle(t *testing.T) {
	th := NewThrottle()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		if w := th.Wait("a", now); w != 0 {
			t.Fatalf("attempt %d: got wait %v, want 0", i, w)
		}
		th.Fail("a", now)
	}
	if w := th.Wait("a", now); w != 0 {
		t.Fatalf("after 5 failures got wait %v, want 0", w)
	}
	th.Fail("a", now)
	if w := th.Wait("a", now); w != time.Second {
		t.Fatalf("after 6 failures got wait %v, want 1s", w)
	}
	for i := 0; i < 30; i++ {
		th.Fail("a", now)
	}
	if w := th.Wait("a", now); w != 15*time.Minute {
		t.Fatalf("got wait %v, want the 15m cap", w)
	}
	if w := th.Wait("a", now.Add(16*time.Minute)); w != 0 {
		t.Fatalf("got wait %v after the cap passed, want 0: the real user is never locked out", w)
	}
	if w := th.Wait("b", now); w != 0 {
		t.Fatalf("another key got wait %v, want 0", w)
	}
	th.Succeed("a")
	if w := th.Wait("a", now); w != 0 {
		t.Fatalf("after success got wait %v, want 0", w)
	}
}

func TestSignInThrottle(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		fail      func(th *SignInThrottle) // failures recorded at now
		acct, adr string                   // the attempt asked about
		want      time.Duration
	}{
		{"guesser's own lane grows to 15 minutes", func(th *SignInThrottle) {
			for range 40 {
				th.Fail("x@nhs.net", "203.0.113.9", now)
			}
		}, "x@nhs.net", "203.0.113.9", 15 * time.Minute},
		{"the account elsewhere waits at most a minute", func(th *SignInThrottle) {
			for range 40 {
				th.Fail("x@nhs.net", "203.0.113.9", now)
			}
		}, "x@nhs.net", "198.51.100.7", time.Minute},
		{"another account from the guessing address waits at most a minute", func(th *SignInThrottle) {
			for range 40 {
				th.Fail("x@nhs.net", "203.0.113.9", now)
			}
		}, "y@nhs.net", "203.0.113.9", time.Minute},
		{"spraying: 20 accounts from one address are free", func(th *SignInThrottle) {
			for i := range 20 {
				th.Fail(fmt.Sprintf("u%d@nhs.net", i), "203.0.113.9", now)
			}
		}, "z@nhs.net", "203.0.113.9", 0},
		{"spraying: the 21st failure slows the address", func(th *SignInThrottle) {
			for i := range 21 {
				th.Fail(fmt.Sprintf("u%d@nhs.net", i), "203.0.113.9", now)
			}
		}, "z@nhs.net", "203.0.113.9", time.Second},
		{"five failures of one's own are free", func(th *SignInThrottle) {
			for range 5 {
				th.Fail("x@nhs.net", "198.51.100.7", now)
			}
		}, "x@nhs.net", "198.51.100.7", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := NewSignInThrottle()
			tt.fail(th)
			if got := th.Wait(tt.acct, tt.adr, now); got != tt.want {
				t.Errorf("got wait %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("success clears the account and the pair, not the address", func(t *testing.T) {
		th := NewSignInThrottle()
		for i := range 30 {
			th.Fail(fmt.Sprintf("u%d@nhs.net", i), "203.0.113.9", now)
		}
		th.Succeed("u0@nhs.net", "203.0.113.9")
		if got := th.Wait("u0@nhs.net", "203.0.113.9", now); got != time.Minute {
			t.Errorf("got wait %v, want the address's minute still", got)
		}
	})
}
