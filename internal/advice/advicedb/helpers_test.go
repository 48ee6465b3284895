package advicedb

import (
	"testing"
	"time"

	"dco/internal/send"
	"dco/internal/store"
)

// The store's test helpers, for the advice store tests (store/testing.go).
var (
	forEachEngine = store.ForEachEngine
	testNow       = store.TestNow
)

func child(t testing.TB, i int, laID int64) store.Child { return store.TestChild(t, i, laID) }

// youngChild is child i, born in 2022: under compulsory school age.
func youngChild(t testing.TB, i int, laID int64) store.Child {
	c := child(t, i, laID)
	c.DateOfBirth = send.NewDate(2022, time.May, 1+i%28)
	return c
}
