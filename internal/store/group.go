package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"dco/internal/errs"
)

// Group commit. Every list page and every record shown writes an audit row
// in the same transaction as its read (docs/quality-bar.md §14), so every page is a
// durable commit, and on SQLite commits queue for the one writer. Waiting
// writers are therefore gathered into one transaction: each runs behind a
// savepoint of its own, a writer whose work fails is rolled back to its
// savepoint alone, and one commit (one fsync) makes the whole batch durable.
// No writer is told it succeeded before that commit. A writer alone takes
// the plain path: its own transaction, and its context's cancellation.
//
// A batch runs the writers one after another, in order, so the result is the
// same as committing them one by one: a later writer sees an earlier one's
// change, and a stale version is still a conflict.

// maxBatch bounds the writers in one transaction, and so the time the last
// of them waits.
const maxBatch = 64

type writeJob struct {
	ctx  context.Context
	fn   func(t *tx) error
	done chan error
}

type committer struct {
	s    *Store
	jobs chan *writeJob
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	// waiting counts writers handed over but not yet taken; writes and
	// commits count what has been done (WriteStats).
	waiting, writes, commits atomic.Int64
}

// WriteStats reports how many write transactions the store has run through
// its committer, and in how many commits: writes ÷ commits is the mean
// batch.
func (s *Store) WriteStats() (writes, commits int64) {
	if s.group == nil {
		return 0, 0
	}
	return s.group.writes.Load(), s.group.commits.Load()
}

func newCommitter(s *Store, n int) *committer {
	c := &committer{s: s, jobs: make(chan *writeJob), quit: make(chan struct{})}
	for range n {
		c.wg.Add(1)
		go c.loop()
	}
	return c
}

// stop ends the committers once the batches they hold are committed. A write
// that has not been taken by then is refused, never lost.
func (c *committer) stop() {
	c.once.Do(func() { close(c.quit) })
	c.wg.Wait()
}

// do hands fn to a committer and waits for its outcome.
func (c *committer) do(ctx context.Context, fn func(t *tx) error) error {
	j := &writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c.waiting.Add(1)
	select {
	case c.jobs <- j:
	case <-ctx.Done():
		c.waiting.Add(-1)
		return mapErr(ctx.Err(), "begin")
	case <-c.quit:
		c.waiting.Add(-1)
		return errs.E(errs.Unavailable, "The database is closing; try again shortly")
	}
	// Once taken, the job runs or is refused; wait for which, since fn may
	// still be writing to the caller's variables.
	return <-j.done
}

func (c *committer) loop() {
	defer c.wg.Done()
	for {
		var first *writeJob
		select {
		case first = <-c.jobs:
			c.waiting.Add(-1)
		case <-c.quit:
			return
		}
		batch := []*writeJob{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case j := <-c.jobs:
				c.waiting.Add(-1)
				batch = append(batch, j)
			default:
				break gather
			}
		}
		c.run(batch)
	}
}

// run commits one batch and tells each writer its outcome.
func (c *committer) run(batch []*writeJob) {
	live := batch[:0:0]
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.done <- mapErr(err, "begin")
			continue
		}
		live = append(live, j)
	}
	c.writes.Add(int64(len(live)))
	switch len(live) {
	case 0:
		return
	case 1:
		c.commits.Add(1)
		live[0].done <- c.s.writeAlone(live[0].ctx, live[0].fn)
		return
	}
	c.commits.Add(1)
	for j, err := range c.s.writeGroup(live) {
		j.done <- err
	}
}

// writeGroup runs the jobs in one transaction, each behind a savepoint, and
// commits it. It returns each job's outcome. If the transaction itself
// fails (a savepoint cannot be rolled back to, or the commit fails), every
// job that had not already failed on its own is told so.
func (s *Store) writeGroup(jobs []*writeJob) map[*writeJob]error {
	out := make(map[*writeJob]error, len(jobs))
	failAll := func(err error) map[*writeJob]error {
		for _, j := range jobs {
			if out[j] == nil {
				out[j] = err
			}
		}
		return out
	}
	// The transaction is the batch's, not any one request's: a request that
	// goes away must not interrupt the statements of the others.
	stx, err := s.wdb.BeginTx(context.Background(), nil)
	if err != nil {
		return failAll(mapErr(err, "begin"))
	}
	t := &tx{s: s, tx: stx, shared: true}
	bg := context.Background()
	for _, j := range jobs {
		if _, err := t.exec(bg, "SAVEPOINT dco_write"); err != nil {
			_ = stx.Rollback()
			return failAll(err)
		}
		if err := s.runFn(t, j.fn); err != nil {
			out[j] = err
			if _, rerr := t.exec(bg, "ROLLBACK TO SAVEPOINT dco_write"); rerr != nil {
				_ = stx.Rollback()
				return failAll(fmt.Errorf("after %w: %w", err, rerr))
			}
		}
		if _, err := t.exec(bg, "RELEASE SAVEPOINT dco_write"); err != nil {
			_ = stx.Rollback()
			return failAll(err)
		}
	}
	if err := stx.Commit(); err != nil {
		return failAll(mapErr(err, "commit"))
	}
	for _, j := range jobs {
		if _, ok := out[j]; !ok {
			out[j] = nil
		}
	}
	return out
}
