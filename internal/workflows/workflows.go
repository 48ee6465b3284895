// Package workflows is the one list of the workflows dco runs: each is
// wired in here by one line, and dco serve, dco bench and the web tests all
// build the service from this list (README "How to add a workflow").
package workflows

import (
	"dco/internal/advice/advicedb"
	"dco/internal/advice/adviceweb"
	"dco/internal/s23/s23db"
	"dco/internal/s23/s23web"
	"dco/internal/store"
	"dco/internal/web"
)

// Web returns the web part of every workflow, on the store st.
func Web(st *store.Store) []web.Workflow {
	return []web.Workflow{
		// Health advice comes first: its home section is drawn above the
		// notifications', and Section 23 places its LA entry after
		// "Advice requests" in the navigation.
		adviceweb.New(advicedb.New(st)), // health advice for EHC needs assessments (internal/advice)
		s23web.New(s23db.New(st)),       // Section 23 notifications (internal/s23)
	}
}
