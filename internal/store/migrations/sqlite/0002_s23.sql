-- Section 23 notifications (Children and Families Act 2014 s.23): a health
-- provider tells the parent, offers a discussion, then tells the LA, which
-- acknowledges. Dates are TEXT 'YYYY-MM-DD', or '' for a step not yet taken.
-- Keep in step with migrations/postgres: a test compares the two.
--
-- The CHECKs repeat the ordering rule of internal/s23 so that nothing, not
-- even a hand-written UPDATE, can record the LA as told before the parent
-- (s.23(2) before s.23(3)). Fixed-width ISO dates compare in date order as text.

CREATE TABLE s23_notifications (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    icb_id                INTEGER NOT NULL REFERENCES orgs (id),
    child_id              INTEGER NOT NULL REFERENCES children (id),
    kind                  TEXT    NOT NULL CHECK (kind IN ('s23', 'other')),
    provider_org_id       INTEGER NOT NULL REFERENCES orgs (id),
    la_id                 INTEGER NOT NULL REFERENCES orgs (id),
    la_reason             TEXT    NOT NULL DEFAULT '',
    professional          TEXT    NOT NULL CHECK (length(professional) BETWEEN 1 AND 200),
    service               TEXT    NOT NULL DEFAULT '',
    needs                 TEXT    NOT NULL DEFAULT '',
    reasons               TEXT    NOT NULL DEFAULT '',
    opinion_on            TEXT    NOT NULL CHECK (length(opinion_on) = 10),
    parent_informed_on    TEXT    NOT NULL DEFAULT '' CHECK (parent_informed_on = '' OR length(parent_informed_on) = 10),
    discussion_offered_on TEXT    NOT NULL DEFAULT '' CHECK (discussion_offered_on = '' OR length(discussion_offered_on) = 10),
    discussion_held_on    TEXT    NOT NULL DEFAULT '' CHECK (discussion_held_on = '' OR length(discussion_held_on) = 10),
    consent_to_share      TEXT    NOT NULL DEFAULT '' CHECK (consent_to_share IN ('', 'yes', 'no')),
    voluntary_orgs        TEXT    NOT NULL DEFAULT '',
    la_notified_on        TEXT    NOT NULL DEFAULT '' CHECK (la_notified_on = '' OR length(la_notified_on) = 10),
    acknowledged_on       TEXT    NOT NULL DEFAULT '' CHECK (acknowledged_on = '' OR length(acknowledged_on) = 10),
    acknowledged_by       INTEGER NOT NULL DEFAULT 0,
    parent_letter_sent_on TEXT    NOT NULL DEFAULT '' CHECK (parent_letter_sent_on = '' OR length(parent_letter_sent_on) = 10),
    la_letter_sent_on     TEXT    NOT NULL DEFAULT '' CHECK (la_letter_sent_on = '' OR length(la_letter_sent_on) = 10),
    created_by_user_id    INTEGER NOT NULL DEFAULT 0,
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL,
    CHECK (la_notified_on = '' OR (parent_informed_on <> '' AND parent_informed_on <= la_notified_on)),
    CHECK (acknowledged_on = '' OR (la_notified_on <> '' AND la_notified_on <= acknowledged_on))
);
-- The indexes serve the listings run by run (store.s23Segments) and the
-- month's compliance: an LA's inbox by acknowledgement then date; a
-- provider's and an ICB's work by whether and when the LA was told, then
-- when the parent was.
CREATE INDEX s23_la_inbox ON s23_notifications (la_id, acknowledged_on, la_notified_on);
CREATE INDEX s23_la ON s23_notifications (la_id, la_notified_on, acknowledged_on);
CREATE INDEX s23_provider ON s23_notifications (provider_org_id, la_notified_on, parent_informed_on);
CREATE INDEX s23_icb ON s23_notifications (icb_id, la_notified_on, parent_informed_on);
CREATE INDEX s23_child ON s23_notifications (child_id);
