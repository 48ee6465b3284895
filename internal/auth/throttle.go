package auth

import (
	"sync"
	"time"
)

// Throttle slows down password guessing without locking out the real user
// (OWASP ASVS 5.0 V6.3): each failed sign-in for an account, or from an
// address, doubles the wait before the next attempt is considered, up to
// Max. A successful sign-in clears the account's count. Nothing is ever
// locked permanently, so an attacker cannot deny the real user service for
// longer than Max.
type Throttle struct {
	Base time.Duration // wait after the first failure beyond Free
	Max  time.Duration // the longest wait
	Free int           // failures allowed before any wait

	mu    sync.Mutex
	state map[string]*throttleState
}

type throttleState struct {
	failures int
	until    time.Time
	last     time.Time
}

// NewThrottle returns a throttle with dco's settings: 5 free failures, then
// 1 s doubling to at most 15 minutes.
func NewThrottle() *Throttle {
	return &Throttle{Base: time.Second, Max: 15 * time.Minute, Free: 5}
}

// Wait returns how long the key must wait before another attempt, or 0.
func (t *Throttle) Wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.state[key]
	if st == nil || !now.Before(st.until) {
		return 0
	}
	return st.until.Sub(now)
}

// Fail records a failed attempt for key.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == nil {
		t.state = map[string]*throttleState{}
	}
	st := t.state[key]
	if st == nil || now.Sub(st.last) > 24*time.Hour {
		st = &throttleState{}
		t.state[key] = st
	}
	st.failures++
	st.last = now
	if over := st.failures - t.Free; over > 0 {
		wait := t.Base
		for i := 1; i < over && wait < t.Max; i++ {
			wait *= 2
		}
		if wait > t.Max {
			wait = t.Max
		}
		st.until = now.Add(wait)
	}
	if len(t.state) > 100000 {
		t.prune(now)
	}
}

// Succeed clears the record for key.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.state, key)
}

func (t *Throttle) prune(now time.Time) {
	for k, st := range t.state {
		if now.Sub(st.last) > 24*time.Hour {
			delete(t.state, k)
		}
	}
}

// SignInThrottle is the sign-in policy built from three throttles, so that
// guessing is slowed wherever it comes from while the real user is never
// kept out for long (OWASP ASVS 5.0 V6.3.1, docs/quality-bar.md §13):
//
//   - Pair, one account from one address: the guesser's own lane. It grows
//     to 15 minutes, and it is the only wait that long, so an attacker who
//     keeps trying slows only their own address.
//   - Account, one account from anywhere: guessing spread over many
//     addresses. Capped at one minute, because the real user shares it.
//   - Addr, one address across accounts: password spraying. Capped at one
//     minute and allowing 20 failures, because an NHS or LA network may put
//     many people behind one address.
//
// A successful sign-in clears the pair and the account, never the address,
// so an attacker cannot reset their address by signing in to an account of
// their own.
type SignInThrottle struct {
	Pair, Account, Addr *Throttle
}

// NewSignInThrottle returns dco's sign-in policy.
func NewSignInThrottle() *SignInThrottle {
	return &SignInThrottle{
		Pair:    NewThrottle(),
		Account: &Throttle{Base: time.Second, Max: time.Minute, Free: 10},
		Addr:    &Throttle{Base: time.Second, Max: time.Minute, Free: 20},
	}
}

// Wait returns how long a sign-in to account from addr must wait, or 0.
func (t *SignInThrottle) Wait(account, addr string, now time.Time) time.Duration {
	return max(t.Pair.Wait(pairKey(account, addr), now), t.Account.Wait(account, now), t.Addr.Wait(addr, now))
}

// Fail records a failed sign-in to account from addr.
func (t *SignInThrottle) Fail(account, addr string, now time.Time) {
	t.Pair.Fail(pairKey(account, addr), now)
	t.Account.Fail(account, now)
	t.Addr.Fail(addr, now)
}

// Succeed records a successful sign-in to account from addr.
func (t *SignInThrottle) Succeed(account, addr string) {
	t.Pair.Succeed(pairKey(account, addr))
	t.Account.Succeed(account)
}

// pairKey joins an account and an address; the NUL cannot occur in either.
func pairKey(account, addr string) string { return account + "\x00" + addr }
