-- A registration request is a registration of a child whose NHS number dco
-- already holds, made by a user outside that child's ICB. Refusing it as a
-- duplicate would tell them that dco holds the number, so it is kept here
-- for the DCO team of the submitter's ICB (icb_id; 0 when the submitter has
-- none) to resolve, with the details as submitted and the child already
-- registered (child_id). status is 'open' until a DCO marks it resolved.
-- Keep in step with migrations/postgres: a test compares the two.
CREATE TABLE registration_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    icb_id        INTEGER NOT NULL DEFAULT 0 CHECK (icb_id >= 0),
    child_id      INTEGER NOT NULL REFERENCES children (id),
    nhs_number    TEXT    NOT NULL CHECK (length(nhs_number) = 10),
    given_name    TEXT    NOT NULL,
    family_name   TEXT    NOT NULL,
    date_of_birth TEXT    NOT NULL CHECK (length(date_of_birth) = 10),
    postcode      TEXT    NOT NULL DEFAULT '',
    la_id         INTEGER NOT NULL REFERENCES orgs (id),
    setting       TEXT    NOT NULL DEFAULT '',
    submitted_by  INTEGER NOT NULL REFERENCES users (id),
    submitted_at  TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolved_by   INTEGER NOT NULL DEFAULT 0,
    resolved_at   TEXT    NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX registration_requests_icb ON registration_requests (icb_id, status, id);
CREATE INDEX registration_requests_child ON registration_requests (child_id);
