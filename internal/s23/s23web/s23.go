package s23web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// Section 23 notifications (Children and Families Act 2014 s.23): the pages
// a provider makes them with, an LA receives them with and a DCO oversees
// them with. The rules are internal/s23's and the scoping s23db's; these
// handlers decode, call the store and draw. Routes are in web.go.

// The banners after each change.
const (
	flashS23Created      = "s23-created"
	flashS23Sent         = "s23-sent"
	flashS23Saved        = "s23-saved"
	flashS23Acknowledged = "s23-acknowledged"
	flashS23LetterSent   = "s23-letter-sent"
	flashS23Settings     = "s23-settings"
)

var s23Flashes = map[string]web.Flash{
	flashS23Created:      {Success: true, Text: "Notification recorded. The LA will see it once you record the date it was notified."},
	flashS23Sent:         {Success: true, Text: "Notification recorded and sent to the local authority"},
	flashS23Saved:        {Success: true, Text: "Notification saved"},
	flashS23Acknowledged: {Success: true, Text: "Notification acknowledged"},
	flashS23LetterSent:   {Success: true, Text: "Letter recorded as sent"},
	flashS23Settings:     {Success: true, Text: "Notification settings saved"},
}

// s23PageSize is how many notifications a list page shows.
const s23PageSize = 25

// s23Path is the address of a notification's page.
func s23Path(id int64) string { return "/s23-notifications/" + strconv.FormatInt(id, 10) }

// s23Cal returns the working-day calendar for status tags.
func (s *Web) s23Cal(ctx context.Context) (*send.Calendar, error) { return s.Calendar(ctx) }

// s23Today is today's date in England.
func (s *Web) s23Today() send.Date { return send.Today(s.Now()) }

// s23ActorSettings is the Section 23 configuration of the actor's ICB (its
// own values, else the defaults), for the lists, counts and compliance
// figures an actor sees. A notification's own page, status and letters use
// its ICB's instead (S23Settings(ctx, n.ICBID)).
func (s *Web) s23ActorSettings(ctx context.Context, actor store.Actor) (s23db.Config, error) {
	icb, err := s.Store().ActorICB(ctx, actor)
	if err != nil {
		return s23db.Config{}, err
	}
	return s.db.Settings(ctx, icb)
}

// s23Tag is a notification's status for the role looking: the LA sees
// its receipt (how long it has had it, whether acknowledged); everyone else
// the health side's progress against the local standard.
func s23Tag(role store.Role, n s23db.Notification, cfg s23db.Config, cal *send.Calendar, today send.Date) s23.Tag {
	if role == store.RoleLA {
		return s23.Receipt(n.Steps, cfg.AckStandardDays, cal, today)
	}
	return s23.Progress(n.Kind, n.Steps, cfg.StandardDays, cal, today)
}

// s23Row is one line of a list of notifications.
type s23Row struct {
	ID                   int64
	Href                 string
	ChildName            string
	NHSNumber            send.NHSNumber
	ProviderName, LAName string
	Kind                 s23.Kind
	ParentInformedOn     send.Date
	LANotifiedOn         send.Date
	Tag                  s23.Tag
	Duplicate            bool
}

func s23RowOf(n s23db.Notification, tag s23.Tag) s23Row {
	return s23Row{
		ID: n.ID, Href: s23Path(n.ID), ChildName: n.Child.GivenName + " " + n.Child.FamilyName, NHSNumber: n.Child.NHSNumber,
		ProviderName: n.ProviderName, LAName: n.LAName, Kind: n.Kind,
		ParentInformedOn: n.Steps.ParentInformedOn, LANotifiedOn: n.Steps.LANotifiedOn, Tag: tag, Duplicate: n.Others > 0,
	}
}

// s23Option is one choice in a select.
type s23Option struct {
	Value, Text string
	Selected    bool
}

// s23Read reads the notification the path names, as the actor may see it:
// one out of scope is not_found, exactly as an absent one is.
func (s *Web) s23Read(r *http.Request) (int64, s23db.Notification, error) {
	id, err := web.PathID(r)
	if err != nil {
		return 0, s23db.Notification{}, err
	}
	n, err := s.db.Get(r.Context(), s.Actor(r), id)
	return id, n, err
}

// s23Listing is what every listing of notifications (the page, the API,
// the CSV) reads first: the actor's local standards and the filters asked
// for, whose problems are in bad.
type s23Listing struct {
	actor store.Actor
	cfg   s23db.Config
	q     url.Values
	fl    s23Filters
	bad   map[string]string
}

// s23ReadListing reads the actor's local standards and the filters of the
// request's query.
func (s *Web) s23ReadListing(r *http.Request) (s23Listing, error) {
	ctx := r.Context()
	l := s23Listing{actor: s.Actor(r), q: r.URL.Query(), bad: map[string]string{}}
	var err error
	if l.cfg, err = s.s23ActorSettings(ctx, l.actor); err != nil {
		return l, err
	}
	l.fl, err = s.readS23Filters(ctx, l.actor, l.q, l.cfg, l.bad)
	return l, err
}

// s23Tagger returns the status tag of a notification as role sees it
// today under cfg, reading the calendar once for a whole listing.
func (s *Web) s23Tagger(ctx context.Context, role store.Role, cfg s23db.Config) (func(s23db.Notification) s23.Tag, error) {
	cal, err := s.s23Cal(ctx)
	if err != nil {
		return nil, err
	}
	today := s.s23Today()
	return func(n s23db.Notification) s23.Tag { return s23Tag(role, n, cfg, cal, today) }, nil
}
