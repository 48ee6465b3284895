-- Settings are per ICB: one database may serve a region or the nation
-- (DESIGN §6), and one ICB's local standards and letters must not change
-- another's. icb_id is the ICB a row belongs to; 0 holds the defaults every
-- ICB uses until it sets its own, and the settings there were before this
-- migration become those defaults. SQLite cannot change a table's primary
-- key, so the table is rebuilt, keeping each row's version and updated_at.
-- Keep in step with migrations/postgres: a test compares the two.
CREATE TABLE settings_per_icb (
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT    NOT NULL,
    icb_id     INTEGER NOT NULL DEFAULT 0 CHECK (icb_id >= 0),
    PRIMARY KEY (icb_id, key)
);
INSERT INTO settings_per_icb (key, value, version, updated_at, icb_id)
    SELECT key, value, version, updated_at, 0 FROM settings;
DROP TABLE settings;
ALTER TABLE settings_per_icb RENAME TO settings;
