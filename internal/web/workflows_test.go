package web_test

import (
	"dco/internal/web"
	"dco/internal/workflows"
)

// The test servers run every workflow, as dco serve does: the workflows'
// web packages import this one, so only the external test package may
// name them (helpers_test.go's TestWorkflows).
func init() { web.TestWorkflows = workflows.Web }
