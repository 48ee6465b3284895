-- Settings are per ICB: one database may serve a region or the nation
-- (DESIGN §6), and one ICB's local standards and letters must not change
-- another's. icb_id is the ICB a row belongs to; 0 holds the defaults every
-- ICB uses until it sets its own, and the settings there were before this
-- migration become those defaults. The column comes last, as it does in
-- the SQLite table rebuilt for it.
-- Keep in step with migrations/sqlite: a test compares the two.
ALTER TABLE settings ADD COLUMN icb_id BIGINT NOT NULL DEFAULT 0 CHECK (icb_id >= 0);
ALTER TABLE settings DROP CONSTRAINT settings_pkey;
ALTER TABLE settings ADD PRIMARY KEY (icb_id, key);
