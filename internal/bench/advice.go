package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
)

// adviceDays is how far back the received dates of the generated advice
// requests go: five years of a DCO team's work, as docs/quality-bar.md §18 asks.
const adviceDays = 5*365 + 1

// adviceRow is request i (counted over the whole dataset) for child c: a
// health-advice request received in the last five years, in c's LA. Most
// are long since returned, some late; the recent ones are open or returned
// as their turnaround says; a few old ones were withdrawn and a few are
// stragglers, still open long past their six weeks. With about 1,000
// requests an LA has some 35 open and overdue, more than a page of them.
func adviceRow(i int, c store.Child, today send.Date) advicedb.ImportRow {
	h := mix(uint64(i) ^ 0x5bd1e9955bd1e995)
	age := int(h % adviceDays)
	received := today.AddDays(-age)
	turnaround := 20 + int(h>>16%50) // days to return: 20 to 69; six weeks is about 42
	r := advicedb.ImportRow{
		Line:        i + 2,
		LAID:        c.LAID,
		LAReference: fmt.Sprintf("BENCH-%07d", i+1),
		Child: store.Child{NHSNumber: c.NHSNumber, GivenName: c.GivenName, FamilyName: c.FamilyName,
			DateOfBirth: c.DateOfBirth},
		ReceivedOn: received,
	}
	switch p := h >> 32 % 100; {
	case age < 120 && age < turnaround: // still being worked on
	case age >= 120 && p < 3: // a straggler: open, long overdue
	case p < 5:
		r.Outcome, r.ReturnedOn = advice.OutcomeWithdrawn, received.AddDays(min(age, 5+int(h>>40%30)))
	case p < 12:
		r.Outcome, r.ReturnedOn = advice.OutcomeNotKnown, received.AddDays(turnaround)
	default:
		r.Outcome, r.ReturnedOn = advice.OutcomeAdvice, received.AddDays(turnaround)
	}
	return r
}

// countAdvice returns how many advice requests the store holds.
func countAdvice(ctx context.Context, s *store.Store) (int, error) {
	clock := advice.NewClock(send.DefaultCalendar(), send.Today(time.Now()))
	_, n, err := advicedb.New(s).ListAdviceRequests(ctx, store.System, clock, advicedb.Filter{Limit: 1})
	if err != nil {
		return 0, fmt.Errorf("bench: count advice requests: %w", err)
	}
	return n, nil
}

// childPage is how many children one look-up reads (the store's most).
const childPage = 1000

// fillAdvice imports advice requests until the dataset holds want of them,
// in batches of batch rows, each stored by one ImportAdviceRequests call
// (all or nothing: every row checked against the database, the due date
// worked out on the calendar, an audit row per request). Request i is for
// the child at place i (modulo the number of children) in the store's
// order of names, so the requests spread over the LAs as the children do,
// and every row names its child as the register has it. Only the store
// call is timed. progress, when not nil, is told after every batch.
func fillAdvice(ctx context.Context, s *store.Store, d *dataset, want, batch int, progress func(done, want int, elapsed time.Duration)) ([]importSample, error) {
	if d.children == 0 || d.advice >= want {
		return nil, nil
	}
	cal := send.DefaultCalendar()
	today := send.Today(time.Now())
	var (
		out      []importSample
		children []store.Child // the page of children that holds place from
		from     = -1
	)
	child := func(k int) (store.Child, error) {
		k %= d.children
		if from < 0 || k < from || k >= from+len(children) {
			from = k - k%childPage
			var err error
			children, _, err = s.SearchChildren(ctx, store.System, store.ChildFilter{Limit: childPage, Offset: from})
			if err != nil {
				return store.Child{}, fmt.Errorf("bench: read children for advice requests: %w", err)
			}
			if k >= from+len(children) {
				return store.Child{}, fmt.Errorf("bench: child %d of %d is not there", k+1, d.children)
			}
		}
		return children[k-from], nil
	}
	start := time.Now()
	for d.advice < want {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		n := min(batch, want-d.advice)
		rows := make([]advicedb.ImportRow, 0, n)
		for i := d.advice; i < d.advice+n; i++ {
			c, err := child(i)
			if err != nil {
				return out, err
			}
			rows = append(rows, adviceRow(i, c, today))
		}
		t0 := time.Now()
		res, err := advicedb.New(s).ImportAdviceRequests(ctx, store.System, cal, rows, false)
		t1 := time.Now()
		if err != nil {
			return out, fmt.Errorf("bench: import advice requests at request %d: %w", d.advice+1, describeImport(err))
		}
		out = append(out, importSample{rows: res.Requests, store: t1.Sub(t0)})
		d.advice += res.Requests
		if progress != nil {
			progress(d.advice, want, time.Since(start))
		}
	}
	return out, nil
}

// describeImport adds the first of an import's line problems to its error,
// which the error's message alone leaves out.
func describeImport(err error) error {
	var ie *advicedb.ImportError
	if errors.As(err, &ie) && len(ie.Lines) > 0 {
		return fmt.Errorf("%w (%d lines, the first: line %d: %s)", err, len(ie.Lines), ie.Lines[0].Line, ie.Lines[0].Message)
	}
	return describe(err)
}
