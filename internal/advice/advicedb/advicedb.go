package advicedb

import (
	"strconv"
	"time"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Health advice for EHC needs assessments (SEND Regulations 2014 reg 8).
//
// Scope. Every query carries the actor's scope on advice_requests aliased r:
//   - dco: the requests of the ICB the DCO's OrgID names; none when it names none;
//   - la: requests made by the actor's LA;
//   - clinician: requests with a contribution assigned to the actor, and no
//     others, even for a child they may see for another reason;
//   - provider, viewer, admin: none (forbidden); System: every request.
// A request out of scope is not_found, exactly as an absent one is, and the
// attempt is audited as access.refused. Every read and change of a request
// is audited with its child's id, in the transaction that made it.

// Request is an LA's request to health for advice and information
// about one child for an EHC needs assessment.
type Request struct {
	ID          int64
	ICBID       int64
	LAID        int64 // the LA that asked
	LAName      string
	LACode      string
	ChildID     int64
	GivenName   string
	FamilyName  string
	NHSNumber   send.NHSNumber
	DateOfBirth send.Date
	LAReference string // the LA's own reference for the assessment
	// ReceivedOn is when health received the request: the reg 8(1) clock
	// starts here.
	ReceivedOn send.Date
	// AssessmentRequestedOn starts the LA's 20-week clock (reg 13(2)); the
	// zero date when the LA did not give it.
	AssessmentRequestedOn send.Date
	ServicesRequested     string // service codes, comma separated (advice.JoinServices)
	RequestNote           string
	// DueOn is ReceivedOn plus six weeks, from the statutory clock.
	DueOn               send.Date
	State               advice.State
	Triage              advice.Triage
	KnownServices       string // service codes the child is known to, or waiting for
	TriageNote          string
	TriagedAt           time.Time
	ReturnedOn          send.Date // the date the response was returned to the LA
	WithdrawnOn         send.Date // the date the LA withdrew the request
	Outcome             advice.Outcome
	ResponseNote        string
	Exception           advice.Exception
	Imported            bool // from a spreadsheet: no contributions are held
	Version             int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Contributions       []Contribution
	ContributionsHidden bool // an LA sees the contributions once the response is returned
}

// Facts are what the request's status is derived from.
func (r Request) Facts() advice.Facts {
	return advice.Facts{State: r.State, Due: r.DueOn, Returned: r.ReturnedOn, Exception: r.Exception.Kind, Started: r.Triage != ""}
}

// QueueFacts are what the work queues are decided on.
func (r Request) QueueFacts() advice.QueueFacts {
	f := advice.QueueFacts{Facts: r.Facts(), Unassigned: len(r.Contributions) == 0 && !r.ContributionsHidden,
		Parts: len(r.Contributions)}
	for _, c := range r.Contributions {
		if c.Kind == "" && c.AssigneeID == 0 {
			f.Unassigned = true
		}
		if !c.Done() {
			f.OpenParts++
		}
	}
	return f
}

// OnTime says whether a returned request was returned within six weeks and
// whether it counts in the on-time measure (send.OnTime).
func (r Request) OnTime() (onTime, counted bool) {
	if r.State != advice.StateReturned {
		return false, false
	}
	return send.OnTime(r.DueOn, r.ReturnedOn, r.Exception.Kind)
}

// ClosedOn is the date the request was returned or withdrawn; zero while
// it is open.
func (r Request) ClosedOn() send.Date {
	if r.State == advice.StateWithdrawn {
		return r.WithdrawnOn
	}
	return r.ReturnedOn
}

// Assignees names the clinicians given the request's contributions, once each.
func (r Request) Assignees() []string {
	var out []string
	seen := map[int64]bool{}
	for _, c := range r.Contributions {
		if c.AssigneeID != 0 && !seen[c.AssigneeID] {
			seen[c.AssigneeID] = true
			out = append(out, c.AssigneeName)
		}
	}
	return out
}

// Contribution is one service's or clinician's part of the answer.
type Contribution struct {
	ID            int64
	RequestID     int64
	ChildID       int64
	Service       string // an advice.Services code
	AssigneeID    int64  // the clinician; 0 while the service or HAS team has not allocated one
	AssigneeName  string
	AssigneeEmail string
	Kind          advice.Kind // how it was answered; "" while open
	Advice        advice.Advice
	Checks        advice.Checks
	ReuseOfID     int64 // the earlier contribution reused, when it was in dco
	Reuse         advice.Reuse
	ReturnedOn    send.Date
	Exception     advice.Exception
	Document      *Document // the newest upload, without its content
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Done reports whether the contribution has been answered.
func (c Contribution) Done() bool { return c.Kind != "" }

// Document is advice uploaded as a file.
type Document struct {
	ID             int64
	ContributionID int64
	RequestID      int64
	ChildID        int64
	Filename       string
	ContentType    string
	Size           int64
	SHA256         string
	Content        []byte // only from GetAdviceDocument
	CreatedAt      time.Time
}

// Filter narrows a list of requests. Empty fields do not filter.
type Filter struct {
	LAID       int64
	ChildID    int64
	Status     advice.Status // derived on the clock's day
	Open       bool          // open requests only
	Queue      advice.Queue
	Month      string // YYYY-MM of the date received
	AssigneeID int64  // waiting on this clinician: a contribution of theirs still open
	Service    string // waiting on this service: a contribution from it still open
	Unassigned bool   // in advice.QueueUnassigned: not triaged, or a part with no clinician
	// ToReturn keeps the open requests waiting on the DCO team alone: with
	// parts, every one answered, the combined response not yet sent to the
	// LA (advice.QueueFacts.ToReturn).
	ToReturn bool
	Limit    int // page size, default 50
	Offset   int
}

// Count is one row of a work-queue table: the open requests (or, by
// service and by assignee, open contributions) in each queue.
type Count struct {
	ID          int64  // the LA or the clinician; 0 for "no one yet"
	Code        string // the LA's DfE number, or the service's code
	Label       string
	Overdue     int
	DueThisWeek int
	Unassigned  int
	Paused      int
	AtRisk      int
	Open        int
}

// The groupings AdviceQueueCounts offers.
const (
	ByLA       = "la"
	ByService  = "service"
	ByAssignee = "assignee"
)

// errNoAdvice is the refusal for a role that has no part in advice requests.
func errNoAdvice() error {
	return store.Refusal(errs.E(errs.Forbidden, "Your role does not handle health advice requests"))
}

func errAdviceNotFound() error {
	return store.Refusal(errs.E(errs.NotFound, "No advice request was found"))
}

// isDCO reports whether the actor is the DCO team or dco itself.
func isDCO(a store.Actor) bool { return store.IsSystem(a) || a.Role == store.RoleDCO }

// DB is the health advice workflow's store, on the kernel store.
type DB struct{ st *store.Store }

// New returns the advice store on st.
func New(st *store.Store) *DB { return &DB{st: st} }

// itoa writes an id for an audit detail or a key.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
