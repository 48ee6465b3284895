-- "Who has accessed this record" must find every read that showed a child's
-- data, and one list, search or export shows many children under one audit
-- row. audit_children names, for such a row, each child it showed: the
-- same ids are in the row's detail ("children=12,15,40"), which the hash
-- chain covers; this table is the index that finds the row by child, and
-- `dco audit verify` checks it against the detail. Written in the same
-- transaction as its audit row; append-only like audit_log. The key leads
-- with child_id: the access log reads it by child.
-- Keep in step with migrations/postgres: a test compares the two.
CREATE TABLE audit_children (
    child_id INTEGER NOT NULL,
    audit_id INTEGER NOT NULL,
    PRIMARY KEY (child_id, audit_id)
) WITHOUT ROWID;

CREATE TRIGGER audit_children_no_update BEFORE UPDATE ON audit_children
BEGIN
    SELECT RAISE(ABORT, 'audit_children is append-only');
END;
CREATE TRIGGER audit_children_no_delete BEFORE DELETE ON audit_children
BEGIN
    SELECT RAISE(ABORT, 'audit_children is append-only');
END;
