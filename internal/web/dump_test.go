package web

import (
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	e := newEnv(t)
	res := e.as(os.Getenv("DUMP_AS")).get(os.Getenv("DUMP"))
	t.Logf("%d %v\n%s", res.StatusCode, res.Header, res.Body)
}
