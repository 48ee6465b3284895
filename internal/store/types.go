package store

import (
	"time"

	childrec "dco/internal/child"
	"dco/internal/send"
)

// Role is what a user does in dco; docs/design.md §2 sets out what each may see.
type Role string

// The roles.
const (
	RoleDCO       Role = "dco"       // Designated Clinical/Medical Officer: the whole ICB
	RoleClinician Role = "clinician" // works on the cases assigned to them
	RoleProvider  Role = "provider"  // a health provider organisation: what it sent
	RoleLA        Role = "la"        // an LA caseworker: their own LA only
	RoleViewer    Role = "viewer"    // board member: aggregates only, never a name
	RoleAdmin     Role = "admin"     // accounts, organisations, settings; no case data
)

// Roles lists every role, in the order pages show them.
var Roles = []Role{RoleDCO, RoleClinician, RoleProvider, RoleLA, RoleViewer, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// OrgKind is the kind of an organisation.
type OrgKind string

// The organisation kinds.
const (
	OrgICB      OrgKind = "icb"
	OrgLA       OrgKind = "la"
	OrgProvider OrgKind = "provider"
)

// Org is an organisation: the ICB, one of its local authorities, or a
// health provider. Code is the ODS code for an ICB or provider and the DfE
// three-digit LA number for an LA; ONSCode is an LA's ONS code (E06000022).
type Org struct {
	ID      int64
	Kind    OrgKind
	Name    string
	Code    string
	ONSCode string
	// ParentID is the ICB an LA or provider belongs to; 0 for an ICB.
	ParentID  int64
	Version   int64
	CreatedAt time.Time
}

// User is a person who signs in.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         Role
	OrgID        int64 // the ICB (dco, viewer, admin) or provider (provider, clinician); 0 if none
	LAID         int64 // the LA organisation (la role), 0 if none
	PasswordHash string
	Disabled     bool
	// MustChangePassword is set on an account an administrator added: the
	// password they typed works once, to choose the person's own.
	MustChangePassword bool
	Version            int64
	CreatedAt          time.Time
}

// Actor is who is making a request: the user and what scopes them. Every
// store method that touches case data takes one, filters by its scope in SQL,
// and writes the audit row in the same transaction.
type Actor struct {
	UserID int64
	Email  string
	Role   Role
	OrgID  int64
	LAID   int64
	// Addr is the client address, for sign-in audit rows.
	Addr string
}

// System is the actor for work done by dco itself (imports, demo seeding).
var System = Actor{Email: "system", Role: RoleAdmin}

// Session is a signed-in browser session, held on the server. The cookie
// carries a random id; the store keeps only its SHA-256.
type Session struct {
	IDHash     string
	UserID     int64
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// AuditEntry is one line of the append-only, hash-chained audit trail.
type AuditEntry struct {
	ID         int64
	At         time.Time
	UserID     int64
	Email      string
	Role       Role
	OrgID      int64
	Action     string // e.g. "child.view", "child.update", "signin", "signin.failed", "access.refused"
	ObjectType string // e.g. "child"
	ObjectID   int64
	ChildID    int64  // the child whose record this concerns, 0 if none
	Outcome    string // "ok", "refused", "failed"
	Detail     string // never a name or NHS number
	Addr       string // client address, when known
	PrevHash   string
	Hash       string

	// Children are the children whose data a list, search or export
	// showed (entry(...).withChildren): named in Detail as "children=…",
	// so the hash covers them, and indexed in audit_children, so that each
	// child's access log finds the row.
	Children []int64
}

// Flags are the yes/no facts recorded against a child (internal/child).
type Flags = childrec.Flags

// Child is a child or young person: the kernel's record, whose own rules
// are child.Child's Validate.
type Child = childrec.Child

// ChildFilter narrows a search of children. Empty fields do not filter.
type ChildFilter struct {
	Query       string    // name fragment, or an NHS number with or without spaces
	DateOfBirth send.Date // exact date of birth
	LAID        int64     // one LA (on top of the actor's own scope)
	Limit       int       // page size, default 50
	Offset      int
}

// AuditFilter narrows a listing of the audit trail. Empty fields do not filter.
type AuditFilter struct {
	Limit   int // page size, default 50
	Offset  int
	Action  string
	UserID  int64
	ChildID int64
}
