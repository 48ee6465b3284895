package advicedb

import (
	"context"

	"dco/internal/advice"
	"dco/internal/send"
	"dco/internal/store"
)

// The health-advice clock in the ledger of deadlines (store.Deadline): six
// weeks from the request being received (SEND Regulations 2014 reg 8(1)),
// paused by a reg 8(2) exception, met when the response is returned,
// closed when the request is withdrawn. Every change to a request that
// touches one of those writes the row in its own transaction through
// syncAdviceDeadline, which reads the request back so that the row is what
// the request says, however the change came (page, API or import).

// Ledger names of the health-advice clock.
const (
	adviceDeadlineKind   = "advice"
	adviceDeadlineRecord = "advice_request"
)

// adviceClock is what of a request the clock is read from.
type adviceClock struct {
	id, childID, laID, icbID int64
	received, due, returned  send.Date
	state                    advice.State
	exception                send.Exception
}

// adviceDeadline is the ledger row a request's clock is: started on the
// day received, due on the request's due date, paused by its exception,
// met when returned (on time as send.OnTime says, the rule the request's
// own on-time figure uses) and closed when withdrawn.
func adviceDeadline(r adviceClock) store.Deadline {
	d := store.Deadline{
		Kind: adviceDeadlineKind, RecordType: adviceDeadlineRecord, RecordID: r.id,
		ChildID: r.childID, LAID: r.laID, ICBID: r.icbID, Rule: send.RuleHealthAdvice,
		StartsOn: r.received, DueOn: r.due, Paused: string(r.exception),
	}
	switch r.state {
	case advice.StateReturned:
		d.MetOn = r.returned
		d.OnTime, _ = send.OnTime(r.due, r.returned, r.exception)
	case advice.StateWithdrawn:
		d.Closed = true
	}
	return d
}

// syncAdviceDeadline writes request id's clock to the ledger as the request
// now stands in this transaction: call it after every change to a request's
// date received, due date, exception or state.
func syncAdviceDeadline(ctx context.Context, t *store.Tx, id int64) error {
	var r adviceClock
	var received, due, returned, state, exception string
	// Prepared once per transaction: an import calls this for every row.
	row, err := t.QueryRowPrepared(ctx, `SELECT child_id, la_id, icb_id, received_on, due_on, returned_on, state, exception
		FROM advice_requests WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if err := row.Scan(&r.childID, &r.laID, &r.icbID, &received, &due, &returned, &state, &exception); err != nil {
		return store.ScanErr(err, "No advice request was found")
	}
	r.id, r.state, r.exception = id, advice.State(state), send.Exception(exception)
	if r.received, err = send.ParseDate(received); err != nil {
		return store.MapErr(err, "read advice request")
	}
	if r.due, err = send.ParseDate(due); err != nil {
		return store.MapErr(err, "read advice request")
	}
	if r.returned, err = store.OptDate(returned); err != nil {
		return store.MapErr(err, "read advice request")
	}
	return t.SetDeadline(ctx, adviceDeadline(r))
}
