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
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(n[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 || check != int(n[9]-'0') {
		return "", ErrNHSNumberCheck
	}
	return NHSNumber(n), nil
}

// String displays the number as 999 123 4567.
func (n NHSNumber) String() string {
	s := string(n)
	if len(s) != 10 {
		return s
	}
	return s[:3] + " " + s[3:6] + " " + s[6:]
}
