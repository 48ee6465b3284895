package demo

import (
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// passwordAlphabet is RFC 4648 base32 in lower case. It has no 0, 1, 8 or
// 9, so no digit can be misread as the letter o, l or b.
const passwordAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// NewPassword returns a random password for the demo users: 20 base32
// characters (100 bits) in four groups of five, easy to read aloud and type.
func NewPassword() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("demo password: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(passwordAlphabet[int(c)%len(passwordAlphabet)])
	}
	return sb.String(), nil
}

// Announce tells the person who started dco which demo users there are and
// how to sign in. When Seed created them it says how much it seeded and,
// if the password was generated, prints it, the only time it is ever shown;
// a password from DCO_DEMO_PASSWORD is never echoed. On later runs it lists
// the users and says the password was shown when they were created.
func Announce(w io.Writer, r Result, password string, generated bool) {
	if r.Created {
		fmt.Fprintf(w, "Seeded the demo ICB (%s): %d local authorities, %d providers, %d synthetic children.\n",
			ICBCode, len(laSpecs), len(providerSpecs), r.Children)
	} else {
		fmt.Fprintln(w, "The demo ICB is already seeded; nothing was added.")
	}
	fmt.Fprintln(w, "Demo users:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, u := range r.Users {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Email, u.Role, u.Organisation)
	}
	tw.Flush()
	switch {
	case r.Created && generated:
		fmt.Fprintf(w, "Password for every demo user (shown this once, not stored anywhere): %s\n", password)
	case r.Created:
		fmt.Fprintln(w, "Password for every demo user: the one in DCO_DEMO_PASSWORD.")
	default:
		fmt.Fprintln(w, "Their password was shown when they were created (or is the DCO_DEMO_PASSWORD then set).")
	}
}
