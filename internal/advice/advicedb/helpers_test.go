package advicedb

import (
	"testing"

	"dco/internal/store"
)

// The store's test helpers, for the advice store tests (store/testing.go).
var (
	forEachEngine = store.ForEachEngine
	testNow       = store.TestNow
)

func child(t testing.TB, i int, laID int64) store.Child { return store.TestChild(t, i, laID) }
