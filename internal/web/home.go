package web

import (
	"context"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"dco/internal/store"
)

// homePage is each role's home: a work list, not a welcome (docs/design.md §8).
// Casework is not built yet, so for now each role's list is the part of it
// that exists: children, and for the administrator the admin pages.
type homePage struct {
	page
	Role     store.Role
	LACounts []laCount
	Total    string
	LAName   string
	Count    int
	Children []store.Child
	More     bool
	CanAdd   bool
	// Deadlines are the overdue and due-soon clocks of every workflow, from
	// the ledger (deadlines.go); nil for roles that see no case data.
	Deadlines *homeDeadlines
	// Sections are the workflows' parts of the home page, drawn (kit.go).
	Sections []template.HTML
	// OpenRequests counts the DCO's open registration requests (registration.go).
	OpenRequests int
	// Accounts are the DCO's ICB's accounts added, or whose role or
	// organisation changed, this month; Month names the month.
	Accounts []accountRow
	Month    string
}

// accountRow is one account added or changed, as the DCO's home lists it.
type accountRow struct {
	Name, Role, Org, Change, When, By string
}

// laCount is one row of a table of children per LA.
type laCount struct {
	Name  string
	Count string // "12", or "low" for 1 to 4 on the viewer's dashboard
	Link  string // the search for that LA; "" on the viewer's dashboard
}

// homeListSize is how many children a clinician's or provider's home lists
// before linking to the full search.
const homeListSize = 25

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	p := &homePage{Role: actor.Role, CanAdd: mayRegister(actor.Role)}
	p.Title = "Home"
	var err error
	switch actor.Role {
	case store.RoleDCO:
		err = s.homeDCO(ctx, actor, p)
	case store.RoleLA:
		err = s.homeLA(ctx, actor, p)
	case store.RoleClinician, store.RoleProvider:
		p.Title = "Cases assigned to you"
		if actor.Role == store.RoleProvider {
			p.Title = "Your organisation's children"
		}
		var total int
		p.Children, total, err = s.store.SearchChildren(ctx, actor, store.ChildFilter{Limit: homeListSize})
		p.More = total > len(p.Children)
	case store.RoleViewer:
		p.Title = "Dashboard"
		err = s.homeViewer(ctx, actor, p)
	case store.RoleAdmin:
		p.Title = "Administration"
	}
	if err == nil && seesDeadlines(actor.Role) {
		p.Deadlines, err = s.homeDeadlines(ctx, actor) // the ledger's, whatever the workflow (deadlines.go)
	}
	if err == nil {
		p.Sections, err = s.homeSections(ctx, actor) // each workflow's section (kit.go)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home.html", p)
}

// homeDCO counts the children of each of the ICB's LAs, and lists the
// ICB's accounts added or changed this month.
func (s *Server) homeDCO(ctx context.Context, actor store.Actor, p *homePage) error {
	las, counts, err := s.laCounts(ctx, actor)
	if err != nil {
		return err
	}
	total := 0
	for _, o := range las {
		n := counts[o.ID]
		total += n
		p.LACounts = append(p.LACounts, laCount{Name: o.Name, Count: formatCount(n), Link: "/children?la=" + o.Code})
	}
	p.Total = formatCount(total)
	p.OpenRequests, err = s.store.CountRegistrationRequests(ctx, actor) // registration.go
	if err != nil {
		return err
	}
	return s.homeAccounts(ctx, actor, p)
}

// homeAccounts lists, for a DCO, the accounts of their ICB added this
// calendar month (in England), or whose role or organisation changed: who
// can now see the ICB's children, and who gave them that.
func (s *Server) homeAccounts(ctx context.Context, actor store.Actor, p *homePage) error {
	now := s.now().In(london)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, london)
	changes, err := s.store.AccountChanges(ctx, actor, from, from.AddDate(0, 1, 0))
	if err != nil {
		return err
	}
	p.Month = from.Format("January 2006")
	if len(changes) == 0 {
		return nil
	}
	names, _, err := s.orgNames(ctx)
	if err != nil {
		return err
	}
	org := func(orgID, laID int64) string {
		if laID != 0 {
			orgID = laID
		}
		if n := names[orgID]; n != "" {
			return n
		}
		return "None"
	}
	for _, c := range changes {
		row := accountRow{Name: c.Name, Role: roleLabel(c.Role), Org: org(c.OrgID, c.LAID), When: longTime(c.At), Change: "Account added"}
		if !c.Added {
			var parts []string
			if c.OldRole != c.Role {
				parts = append(parts, "Role changed from "+roleLabel(c.OldRole)+" to "+roleLabel(c.Role))
			}
			if was := org(c.OldOrgID, c.OldLAID); was != row.Org {
				parts = append(parts, "Organisation changed from "+was+" to "+row.Org)
			}
			row.Change = strings.Join(parts, "; ")
		}
		row.By = c.ByEmail
		if c.ByUserID == 0 && c.ByEmail == store.System.Email {
			row.By = "dco itself (the command line or the demo)"
		}
		p.Accounts = append(p.Accounts, row)
	}
	return nil
}

// laCounts returns the ICB's LAs and how many children the actor may count
// in each. Counting reads no child's details, so it is not a record access.
func (s *Server) laCounts(ctx context.Context, actor store.Actor) ([]store.Org, map[int64]int, error) {
	las, err := s.localAuthorities(ctx, actor)
	if err != nil {
		return nil, nil, err
	}
	counts, err := s.store.CountChildrenByLA(ctx, actor)
	return las, counts, err
}

func (s *Server) homeLA(ctx context.Context, actor store.Actor, p *homePage) error {
	org, err := s.store.GetOrg(ctx, actor.LAID)
	if err != nil {
		return err
	}
	p.LAName = org.Name
	p.Title = "Children in " + org.Name
	p.Count, err = s.store.CountChildren(ctx, actor)
	return err
}

// homeViewer builds the board member's dashboard: counts only, with 1 to 4
// shown as "low" as published statistics do (docs/design.md §5), so that no child
// can be singled out. The store lets a viewer count but never read a record.
func (s *Server) homeViewer(ctx context.Context, actor store.Actor, p *homePage) error {
	las, counts, err := s.laCounts(ctx, actor)
	if err != nil {
		return err
	}
	total := 0
	for _, o := range las {
		n := counts[o.ID]
		total += n
		p.LACounts = append(p.LACounts, laCount{Name: o.Name, Count: suppress(n)})
	}
	p.Total = suppress(total)
	return nil
}

// suppress shows a count as published statistics do: 1 to 4 as "low".
func suppress(n int) string {
	if n >= 1 && n <= 4 {
		return "low"
	}
	return formatCount(n)
}

// childPath is the address of a child's page.
func childPath(id int64) string { return "/children/" + strconv.FormatInt(id, 10) }

// countOnly is an offset past the end of any search: asking for that page
// returns the total and no rows, so no child's details are read.
const countOnly = math.MaxInt32
