// Package errs is dco's coded error: every failure that reaches a person or
// an API client carries one of a handful of codes, and exactly one function
// in internal/web turns a code into an HTTP status and a page or JSON body.
package errs

import (
	"errors"
	"fmt"
)

// Code says what kind of failure an error is.
type Code string

// The codes. Their HTTP statuses are decided in internal/web alone.
const (
	Invalid      Code = "invalid"      // bad input; Fields says which
	NotFound     Code = "not_found"    // no such thing, or not yours to see
	Conflict     Code = "conflict"     // stale version, or a duplicate
	Forbidden    Code = "forbidden"    // signed in but not allowed
	Unauthorized Code = "unauthorized" // not signed in
	TooMany      Code = "too_many"     // too many attempts: wait, then try again
	Unavailable  Code = "unavailable"  // database unreachable, disk full
	Internal     Code = "internal"     // a bug; logged, never shown
)

// Error is a coded error with a message fit to show a person.
type Error struct {
	Code    Code
	Message string
	// Fields maps a form field or JSON property to what is wrong with it,
	// worded as the NHS.UK error-summary pattern asks ("Enter the date of birth").
	Fields map[string]string
	// Err is the underlying cause, logged but never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// E returns a coded error with a message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns a coded error around a cause.
func Wrap(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// InvalidFields returns an invalid-input error naming each bad field.
func InvalidFields(fields map[string]string) *Error {
	return &Error{Code: Invalid, Message: "There is a problem with what was entered", Fields: fields}
}

// CodeOf returns the code of err, Internal for an uncoded error and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageOf returns the message of a coded error, or a generic sentence.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	return "Sorry, there is a problem with the service"
}

// FieldsOf returns the field errors of an invalid-input error, or nil.
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
