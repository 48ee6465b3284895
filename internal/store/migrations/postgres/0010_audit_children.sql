-- "Who has accessed this record" must find every read that showed a child's
-- data, and one list, search or export shows many children under one audit
-- row. audit_children names, for such a row, each child it showed: the
-- same ids are in the row's detail ("children=12,15,40"), which the hash
-- chain covers; this table is the index that finds the row by child, and
-- `dco audit verify` checks it against the detail. Written in the same
-- transaction as its audit row; append-only like audit_log. The key leads
-- with child_id: the access log reads it by child.
-- Keep in step with migrations/sqlite: a test compares the two.
CREATE TABLE audit_children (
    child_id BIGINT NOT NULL,
    audit_id BIGINT NOT NULL,
    PRIMARY KEY (child_id, audit_id)
);

CREATE FUNCTION audit_children_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_children is append-only';
END;
$$;
CREATE TRIGGER audit_children_no_change BEFORE UPDATE OR DELETE ON audit_children
    FOR EACH ROW EXECUTE FUNCTION audit_children_append_only();
CREATE TRIGGER audit_children_no_truncate BEFORE TRUNCATE ON audit_children
    FOR EACH STATEMENT EXECUTE FUNCTION audit_children_append_only();
