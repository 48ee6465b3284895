-- The ledger of deadlines: one row for every statutory or local clock a
-- workflow runs on a record (docs/design.md §4, "The ledger of deadlines").
-- A row is written by the workflow, in the same transaction as every change
-- to its record that starts, moves, pauses, meets or closes the clock
-- (SetDeadline, internal/store/deadlines.go); home pages, the child's timeline, "at risk this
-- week", the on-time figures and reminders read the rows, whatever the
-- workflow. Dates are TEXT YYYY-MM-DD as everywhere; the arithmetic that
-- makes due_on, and the status read from it, stay in internal/send.
-- Keep in step with migrations/postgres: a test compares the two.
--
--   kind         the workflow: 'advice', 's23', ...
--   record_type  the record the clock belongs to, with record_id
--   rule         the internal/send rule or the local standard that sets it
--   paused       the recorded exception that lifts the time limit (for
--                advice, the reg 8(2) kind), '' when none
--   met_on       the day the step was taken, '' while open
--   on_time      whether met_on was within the rule; NULL while not met
--   closed       the clock stopped without being met (a request withdrawn)
CREATE TABLE deadlines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    record_type TEXT    NOT NULL CHECK (length(record_type) BETWEEN 1 AND 40),
    record_id   INTEGER NOT NULL,
    child_id    INTEGER NOT NULL REFERENCES children (id),
    la_id       INTEGER NOT NULL REFERENCES orgs (id),
    icb_id      INTEGER NOT NULL REFERENCES orgs (id),
    rule        TEXT    NOT NULL CHECK (length(rule) BETWEEN 1 AND 40),
    starts_on   TEXT    NOT NULL CHECK (length(starts_on) = 10),
    due_on      TEXT    NOT NULL CHECK (length(due_on) = 10),
    paused      TEXT    NOT NULL DEFAULT '',
    met_on      TEXT    NOT NULL DEFAULT '' CHECK (met_on = '' OR length(met_on) = 10),
    on_time     BOOLEAN CHECK (on_time IN (0, 1)),
    closed      BOOLEAN NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    updated_at  TEXT    NOT NULL,
    CHECK ((met_on = '') = (on_time IS NULL))
);
CREATE UNIQUE INDEX deadlines_record ON deadlines (kind, record_type, record_id, rule);
-- Open clocks of an ICB or an LA in due order (closed = 0 AND met_on = '');
-- a child's clocks for its timeline; met clocks by day for on-time figures.
CREATE INDEX deadlines_icb_due ON deadlines (icb_id, closed, met_on, due_on, id);
CREATE INDEX deadlines_la_due ON deadlines (la_id, closed, met_on, due_on, id);
CREATE INDEX deadlines_child ON deadlines (child_id, due_on, id);
CREATE INDEX deadlines_icb_met ON deadlines (icb_id, kind, met_on);

-- Every advice request already held: its six weeks (reg 8(1)) are on the
-- request (due_on, from internal/send when it was recorded); returned is
-- met, on time when returned on or before due_on (send.OnTime); withdrawn
-- is closed; a reg 8(2) exception pauses it.
INSERT INTO deadlines (kind, record_type, record_id, child_id, la_id, icb_id, rule, starts_on, due_on,
    paused, met_on, on_time, closed, updated_at)
SELECT 'advice', 'advice_request', r.id, r.child_id, r.la_id, r.icb_id, 'health-advice', r.received_on, r.due_on,
    r.exception,
    CASE WHEN r.state = 'returned' AND r.returned_on <> '' THEN r.returned_on ELSE '' END,
    CASE WHEN r.state = 'returned' AND r.returned_on <> '' THEN r.returned_on <= r.due_on END,
    r.state = 'withdrawn',
    r.updated_at
FROM advice_requests r;

-- Every Section 23 notification already held, under the ICB's local
-- standards as they stand (settings s23_standard_days and
-- s23_ack_standard_days: the ICB's own value, else the default row's; a
-- value that is not a whole number from 1 to 365 counts as 10, as
-- s23.ParseStandard reads it). Both count calendar days
-- (send.LocalStandardDue), so SQL can add them:
--   's23-local-standard': a Children and Families Act 2014 s.23
--     notification (kind 's23') from the parent being informed to the LA
--     being notified; met when the LA was notified, on time when on or
--     before the due day (send.LocalStandardMet). An 'other' notification
--     has no standard and no row; nor has one whose parent is not yet told.
--   's23-ack-standard': every notification sent to the LA, from then to
--     the LA's acknowledgement.
-- Until the Section 23 writes keep these rows (the same transaction as the
-- notification's change, as advice does), they say what the notifications
-- said when this migration ran.
INSERT INTO deadlines (kind, record_type, record_id, child_id, la_id, icb_id, rule, starts_on, due_on,
    paused, met_on, on_time, closed, updated_at)
SELECT 's23', 's23_notification', n.id, n.child_id, n.la_id, n.icb_id, 's23-local-standard', n.parent_informed_on,
    date(n.parent_informed_on, '+' || s.notify_days || ' days'), '', n.la_notified_on,
    CASE WHEN n.la_notified_on <> '' THEN n.la_notified_on <= date(n.parent_informed_on, '+' || s.notify_days || ' days') END,
    0, n.updated_at
FROM s23_notifications n JOIN (
    SELECT i.id AS icb_id,
        COALESCE((SELECT CASE WHEN v.value <> '' AND v.value NOT GLOB '*[^0-9]*' AND length(v.value) <= 9 AND CAST(v.value AS INTEGER) BETWEEN 1 AND 365 THEN CAST(v.value AS INTEGER) ELSE 10 END FROM settings v
            WHERE v.key = 's23_standard_days' AND v.icb_id IN (i.id, 0) ORDER BY v.icb_id DESC LIMIT 1), 10) AS notify_days
    FROM orgs i
) s ON s.icb_id = n.icb_id
WHERE n.kind = 's23' AND n.parent_informed_on <> '';

INSERT INTO deadlines (kind, record_type, record_id, child_id, la_id, icb_id, rule, starts_on, due_on,
    paused, met_on, on_time, closed, updated_at)
SELECT 's23', 's23_notification', n.id, n.child_id, n.la_id, n.icb_id, 's23-ack-standard', n.la_notified_on,
    date(n.la_notified_on, '+' || s.ack_days || ' days'), '', n.acknowledged_on,
    CASE WHEN n.acknowledged_on <> '' THEN n.acknowledged_on <= date(n.la_notified_on, '+' || s.ack_days || ' days') END,
    0, n.updated_at
FROM s23_notifications n JOIN (
    SELECT i.id AS icb_id,
        COALESCE((SELECT CASE WHEN v.value <> '' AND v.value NOT GLOB '*[^0-9]*' AND length(v.value) <= 9 AND CAST(v.value AS INTEGER) BETWEEN 1 AND 365 THEN CAST(v.value AS INTEGER) ELSE 10 END FROM settings v
            WHERE v.key = 's23_ack_standard_days' AND v.icb_id IN (i.id, 0) ORDER BY v.icb_id DESC LIMIT 1), 10) AS ack_days
    FROM orgs i
) s ON s.icb_id = n.icb_id
WHERE n.la_notified_on <> '';
