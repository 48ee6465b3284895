package s23web

import (
	"context"
	"net/http"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// s23LetterPage is a letter's print view.
type s23LetterPage struct {
	web.Page
	N        s23db.Notification
	Letter   string // s23db.LetterParent or s23db.LetterLA
	Heading  string
	Text     string
	Blank    []string
	SentOn   send.Date
	CanMark  bool
	Sent     web.DateParts
	Action   string
	Path     string
	Settings bool
}

func (s *Web) s23ParentLetter(w http.ResponseWriter, r *http.Request) {
	s.s23Letter(w, r, s23db.LetterParent)
}

func (s *Web) s23LALetter(w http.ResponseWriter, r *http.Request) {
	s.s23Letter(w, r, s23db.LetterLA)
}

// s23LetterData fills a letter from the record and the ICB's template.
func (s *Web) s23LetterData(ctx context.Context, actor store.Actor, n s23db.Notification, letter string) (*s23LetterPage, error) {
	cfg, err := s.db.Settings(ctx, n.ICBID)
	if err != nil {
		return nil, err
	}
	icb := ""
	if n.ICBID != 0 {
		if o, err := s.Store().GetOrg(ctx, n.ICBID); err == nil {
			icb = o.Name
		}
	}
	l := s23.Letter{
		ChildGivenName: n.Child.GivenName, ChildFamilyName: n.Child.FamilyName, ChildDateOfBirth: n.Child.DateOfBirth,
		ChildNHSNumber: n.Child.NHSNumber, ChildPostcode: n.Child.Postcode,
		LAName: n.LAName, ICBName: icb, ProviderName: n.ProviderName, Professional: n.Professional, Service: n.Service,
		Needs: n.Needs, Reasons: n.Reasons, Steps: n.Steps, Consent: n.Consent, VoluntaryOrgs: n.VoluntaryOrgs,
		Today: s.s23Today(),
	}
	tmpl, heading, sent := cfg.ParentLetter, "Letter to the parent", n.ParentLetterSentOn
	if letter == s23db.LetterLA {
		tmpl, heading, sent = cfg.LANotification, "Notification to "+n.LAName, n.LALetterSentOn
	}
	v := l.Values()
	p := &s23LetterPage{
		N: n, Letter: letter, Heading: heading, Text: s23.Fill(tmpl, v), Blank: s23.BlankFields(tmpl, v),
		SentOn: sent, CanMark: actor.Role == store.RoleDCO || actor.Role == store.RoleProvider,
		Sent: web.DatePartsOf(s.s23Today()), Path: s23Path(n.ID), Settings: actor.Role == store.RoleDCO,
	}
	p.Action = p.Path + "/" + letter + "-letter/sent"
	p.Title = heading + ": " + n.Child.GivenName + " " + n.Child.FamilyName
	p.Back, p.BackText = p.Path, "Back to the notification"
	return p, nil
}

func (s *Web) s23Letter(w http.ResponseWriter, r *http.Request, letter string) {
	ctx := r.Context()
	actor := s.Actor(r)
	id, err := web.PathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	n, err := s.db.GetLetter(ctx, actor, id, letter)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.s23LetterData(ctx, actor, n, letter)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "s23_letter.html", p)
}

func (s *Web) s23ParentLetterSent(w http.ResponseWriter, r *http.Request) {
	s.s23LetterSent(w, r, s23db.LetterParent)
}

func (s *Web) s23LALetterSent(w http.ResponseWriter, r *http.Request) {
	s.s23LetterSent(w, r, s23db.LetterLA)
}

// s23LetterSent records that a letter went on the date given. Marking the
// LA notification sent is what tells the LA when no date was recorded, and
// the store refuses it before the parent was informed.
func (s *Web) s23LetterSent(w http.ResponseWriter, r *http.Request, letter string) {
	actor := s.Actor(r)
	s.s23PostDate(w, r, s23DateForm{
		field: "sent_on", label: "Date the letter was sent", tmpl: "s23_letter.html", flash: flashS23LetterSent,
		page: func(ctx context.Context, id int64, parts web.DateParts) (s23ErrorPage, error) {
			n, err := s.db.GetLetter(ctx, actor, id, letter)
			if err != nil {
				return nil, err
			}
			p, err := s.s23LetterData(ctx, actor, n, letter)
			if err != nil {
				return nil, err
			}
			p.Sent = parts
			return p, nil
		},
		save: func(ctx context.Context, id, version int64, on send.Date) error {
			_, err := s.db.MarkLetterSent(ctx, actor, id, version, letter, on)
			return err
		},
	})
}
