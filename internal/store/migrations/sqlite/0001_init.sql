-- dco schema, SQLite. Calendar dates are TEXT 'YYYY-MM-DD'; timestamps are
-- TEXT UTC '2006-01-02T15:04:05.000000Z' (fixed width, so text order is time
-- order) on both engines. Booleans are 0/1. Keep in step with
-- migrations/postgres: a test compares the two.

CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL CHECK (kind IN ('icb', 'la', 'provider')),
    name       TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    code       TEXT    NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    ons_code   TEXT    NOT NULL DEFAULT '',
    parent_id  INTEGER REFERENCES orgs (id),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (kind, code)
);
CREATE UNIQUE INDEX orgs_ons_code ON orgs (ons_code) WHERE ons_code <> '';
CREATE INDEX orgs_parent ON orgs (parent_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('dco', 'clinician', 'provider', 'la', 'viewer', 'admin')),
    org_id        INTEGER REFERENCES orgs (id),
    la_id         INTEGER REFERENCES orgs (id),
    password_hash TEXT    NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX users_org ON users (org_id);
CREATE INDEX users_la ON users (la_id);

CREATE TABLE sessions (
    id_hash      TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    csrf_token   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    last_seen_at TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT    NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT    NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- audit_log ids are assigned by the store as audit_head.last_id + 1 while the
-- head row is held, so they are contiguous and a deleted row shows as a gap.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    user_id     INTEGER NOT NULL DEFAULT 0,
    email       TEXT    NOT NULL DEFAULT '',
    role        TEXT    NOT NULL DEFAULT '',
    org_id      INTEGER NOT NULL DEFAULT 0,
    addr        TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    object_type TEXT    NOT NULL DEFAULT '',
    object_id   INTEGER NOT NULL DEFAULT 0,
    child_id    INTEGER NOT NULL DEFAULT 0,
    outcome     TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_log_child ON audit_log (child_id, id) WHERE child_id <> 0;
CREATE INDEX audit_log_user ON audit_log (user_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- audit_head is the single row every audit writer holds while appending: the
-- id and hash of the newest audit row.
CREATE TABLE audit_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    hash    TEXT    NOT NULL
);
INSERT INTO audit_head (id, last_id, hash) VALUES (1, 0, '');

CREATE TABLE children (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    nhs_number             TEXT    NOT NULL UNIQUE CHECK (length(nhs_number) = 10),
    given_name             TEXT    NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    family_name            TEXT    NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
    given_key              TEXT    NOT NULL,
    family_key             TEXT    NOT NULL,
    search_name            TEXT    NOT NULL,
    date_of_birth          TEXT    NOT NULL CHECK (length(date_of_birth) = 10),
    postcode               TEXT    NOT NULL DEFAULT '',
    icb_id                 INTEGER NOT NULL REFERENCES orgs (id),
    la_id                  INTEGER NOT NULL REFERENCES orgs (id),
    setting                TEXT    NOT NULL DEFAULT '',
    looked_after           BOOLEAN NOT NULL DEFAULT 0 CHECK (looked_after IN (0, 1)),
    elective_home_ed       BOOLEAN NOT NULL DEFAULT 0 CHECK (elective_home_ed IN (0, 1)),
    missing_education      BOOLEAN NOT NULL DEFAULT 0 CHECK (missing_education IN (0, 1)),
    youth_justice          BOOLEAN NOT NULL DEFAULT 0 CHECK (youth_justice IN (0, 1)),
    continuing_care        BOOLEAN NOT NULL DEFAULT 0 CHECK (continuing_care IN (0, 1)),
    personal_health_budget BOOLEAN NOT NULL DEFAULT 0 CHECK (personal_health_budget IN (0, 1)),
    created_by_org_id      INTEGER REFERENCES orgs (id),
    created_by_user_id     INTEGER NOT NULL DEFAULT 0,
    version                INTEGER NOT NULL DEFAULT 1,
    created_at             TEXT    NOT NULL,
    updated_at             TEXT    NOT NULL
);
CREATE INDEX children_la_name ON children (la_id, family_key, given_key, id);
CREATE INDEX children_icb_name ON children (icb_id, family_key, given_key, id);
CREATE INDEX children_name_dob ON children (family_key, given_key, date_of_birth);
CREATE INDEX children_created_by_org ON children (created_by_org_id) WHERE created_by_org_id IS NOT NULL;

-- child_access grants a clinician (user_id) or a provider organisation
-- (org_id) sight of one child; exactly one of the two is set.
CREATE TABLE child_access (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    child_id   INTEGER NOT NULL REFERENCES children (id),
    user_id    INTEGER REFERENCES users (id),
    org_id     INTEGER REFERENCES orgs (id),
    reason     TEXT    NOT NULL,
    created_by INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    CHECK ((user_id IS NULL) <> (org_id IS NULL))
);
CREATE UNIQUE INDEX child_access_user ON child_access (user_id, child_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX child_access_org ON child_access (org_id, child_id) WHERE org_id IS NOT NULL;
CREATE INDEX child_access_child ON child_access (child_id);

CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT    NOT NULL
);

CREATE TABLE bank_holidays (
    date  TEXT PRIMARY KEY CHECK (length(date) = 10),
    title TEXT NOT NULL
);
