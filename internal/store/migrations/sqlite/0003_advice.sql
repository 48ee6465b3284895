-- Health advice for EHC needs assessments (SEND Regulations 2014 reg 8),
-- SQLite. Keep in step with migrations/postgres/0003_advice.sql: a test
-- compares the two.
--
-- One advice_requests row is the LA's request to health for one child; its
-- due_on is the reg 8(1) six-week deadline, computed by internal/send from
-- received_on and stored so that work queues can be read from an index.
-- Each advice_contributions row is one service's or clinician's part of the
-- answer; the combined response to the LA is all of them together.

CREATE TABLE advice_requests (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    icb_id                  INTEGER NOT NULL REFERENCES orgs (id),
    la_id                   INTEGER NOT NULL REFERENCES orgs (id),
    child_id                INTEGER NOT NULL REFERENCES children (id),
    la_reference            TEXT    NOT NULL DEFAULT '' CHECK (length(la_reference) <= 50),
    received_on             TEXT    NOT NULL CHECK (length(received_on) = 10),
    assessment_requested_on TEXT    NOT NULL DEFAULT '',
    services_requested      TEXT    NOT NULL DEFAULT '',
    request_note            TEXT    NOT NULL DEFAULT '',
    due_on                  TEXT    NOT NULL CHECK (length(due_on) = 10),
    state                   TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'returned', 'withdrawn')),
    triage                  TEXT    NOT NULL DEFAULT '' CHECK (triage IN ('', 'known', 'not_known', 'waiting_list')),
    known_services          TEXT    NOT NULL DEFAULT '',
    triage_note             TEXT    NOT NULL DEFAULT '',
    triaged_at              TEXT    NOT NULL DEFAULT '',
    triaged_by              INTEGER NOT NULL DEFAULT 0,
    returned_on             TEXT    NOT NULL DEFAULT '',
    outcome                 TEXT    NOT NULL DEFAULT '' CHECK (outcome IN ('', 'advice', 'not_known', 'withdrawn')),
    response_note           TEXT    NOT NULL DEFAULT '',
    returned_by             INTEGER NOT NULL DEFAULT 0,
    exception               TEXT    NOT NULL DEFAULT '' CHECK (exception IN ('', 'missed_appointment', 'exceptional_circumstances', 'absent_from_area')),
    exception_reason        TEXT    NOT NULL DEFAULT '',
    exception_on            TEXT    NOT NULL DEFAULT '',
    imported                BOOLEAN NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
    created_by              INTEGER NOT NULL DEFAULT 0,
    version                 INTEGER NOT NULL DEFAULT 1,
    created_at              TEXT    NOT NULL,
    updated_at              TEXT    NOT NULL
);
CREATE INDEX advice_requests_icb_due ON advice_requests (icb_id, state, due_on, id);
CREATE INDEX advice_requests_la_due ON advice_requests (la_id, state, due_on, id);
CREATE INDEX advice_requests_la_received ON advice_requests (la_id, received_on);
CREATE INDEX advice_requests_child ON advice_requests (child_id);
CREATE UNIQUE INDEX advice_requests_la_reference ON advice_requests (la_id, la_reference) WHERE la_reference <> '';

CREATE TABLE advice_contributions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id       INTEGER NOT NULL REFERENCES advice_requests (id),
    child_id         INTEGER NOT NULL REFERENCES children (id),
    service          TEXT    NOT NULL CHECK (length(service) BETWEEN 1 AND 40),
    assignee_id      INTEGER REFERENCES users (id),
    kind             TEXT    NOT NULL DEFAULT '' CHECK (kind IN ('', 'advice', 'document', 'not_known', 'reuse')),
    needs            TEXT    NOT NULL DEFAULT '',
    outcomes         TEXT    NOT NULL DEFAULT '',
    records_reviewed BOOLEAN NOT NULL DEFAULT 0 CHECK (records_reviewed IN (0, 1)),
    family_contacted BOOLEAN NOT NULL DEFAULT 0 CHECK (family_contacted IN (0, 1)),
    senco_contacted  BOOLEAN NOT NULL DEFAULT 0 CHECK (senco_contacted IN (0, 1)),
    checks_note      TEXT    NOT NULL DEFAULT '',
    reuse_of_id      INTEGER REFERENCES advice_contributions (id),
    reuse_source     TEXT    NOT NULL DEFAULT '',
    reuse_dated      TEXT    NOT NULL DEFAULT '',
    returned_on      TEXT    NOT NULL DEFAULT '',
    exception        TEXT    NOT NULL DEFAULT '' CHECK (exception IN ('', 'missed_appointment', 'exceptional_circumstances', 'absent_from_area')),
    exception_reason TEXT    NOT NULL DEFAULT '',
    exception_on     TEXT    NOT NULL DEFAULT '',
    assigned_by      INTEGER NOT NULL DEFAULT 0,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX advice_contributions_request ON advice_contributions (request_id, id);
CREATE INDEX advice_contributions_assignee ON advice_contributions (assignee_id, returned_on) WHERE assignee_id IS NOT NULL;
CREATE INDEX advice_contributions_child ON advice_contributions (child_id, returned_on);

-- The provision a contribution recommends: who, what, how often, how long
-- (SEND Code of Practice 2015 para 9.69: provision must be specific).
CREATE TABLE advice_provisions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contribution_id INTEGER NOT NULL REFERENCES advice_contributions (id),
    position        INTEGER NOT NULL,
    who             TEXT    NOT NULL,
    what            TEXT    NOT NULL,
    how_often       TEXT    NOT NULL,
    how_long        TEXT    NOT NULL,
    UNIQUE (contribution_id, position)
);

-- Advice written elsewhere and uploaded: PDF or DOCX, checked by its first
-- bytes, at most 10 MB. The newest document of a contribution is its advice.
CREATE TABLE advice_documents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contribution_id INTEGER NOT NULL REFERENCES advice_contributions (id),
    request_id      INTEGER NOT NULL REFERENCES advice_requests (id),
    child_id        INTEGER NOT NULL REFERENCES children (id),
    filename        TEXT    NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type    TEXT    NOT NULL CHECK (content_type IN ('application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')),
    size_bytes      INTEGER NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    sha256          TEXT    NOT NULL CHECK (length(sha256) = 64),
    content         BLOB    NOT NULL,
    uploaded_by     INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL
);
CREATE INDEX advice_documents_contribution ON advice_documents (contribution_id, id);
