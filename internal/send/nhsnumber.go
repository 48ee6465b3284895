package send

import (
	"errors"
	"strings"
)

// NHSNumber is a 10-digit NHS number, stored without spaces.
type NHSNumber string

// ErrNHSNumber explains why an NHS number was refused.
var (
	ErrNHSNumberLength   = errors.New("an NHS number has 10 digits")
	ErrNHSNumberDigits   = errors.New("an NHS number contains only digits, spaces and hyphens")
	ErrNHSNumberCheck    = errors.New("the NHS number's check digit is wrong: check it has been typed correctly")
	ErrNHSNumberRepeated = errors.New("an NHS number cannot be one digit repeated")
)

// ParseNHSNumber reads an NHS number typed with or without spaces or hyphens
// and checks it by the modulus 11 algorithm in the NHS Data Dictionary
// ("NHS Number"): weights 10 down to 2 on the first nine digits, check digit
// 11 − (sum mod 11), where 11 means 0 and 10 means the number is invalid.
// Numbers of one repeated digit pass that check but are never issued.
func ParseNHSNumber(s string) (NHSNumber, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return "", ErrNHSNumberDigits
		}
	}
	n := b.String()
	if len(n) != 10 {
		return "", ErrNHSNumberLength
	}
	if strings.Count(n, n[:1]) == 10 {
		return "", ErrNHSNumberRepeated
	}
	if check, ok := checkDigit(n[:9]); !ok || check != n[9] {
		return "", ErrNHSNumberCheck
	}
	return NHSNumber(n), nil
}

// checkDigit is the modulus 11 check digit of nine digits: weights 10 down to
// 2, 11 − (sum mod 11), where 11 means 0. It is false when the result is 10:
// no NHS number starts with those nine digits.
func checkDigit(nine string) (byte, bool) {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	check := (11 - sum%11) % 11
	if check == 10 {
		return 0, false
	}
	return byte('0' + check), true
}

// CompleteNHSNumber returns the valid NHS number that begins with the nine
// digits given, or false when there is none (the check digit would be 10, or
// the number is one digit repeated). Tests, the demo and the bench make
// synthetic numbers with it.
func CompleteNHSNumber(nine string) (NHSNumber, bool) {
	if len(nine) != 9 || strings.Trim(nine, "0123456789") != "" {
		return "", false
	}
	check, ok := checkDigit(nine)
	if !ok {
		return "", false
	}
	n := nine + string(check)
	if strings.Count(n, n[:1]) == 10 {
		return "", false
	}
	return NHSNumber(n), true
}

// String displays the number as 999 123 4567.
func (n NHSNumber) String() string {
	s := string(n)
	if len(s) != 10 {
		return s
	}
	return s[:3] + " " + s[3:6] + " " + s[6:]
}
