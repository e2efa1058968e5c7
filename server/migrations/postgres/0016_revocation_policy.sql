-- Key-compromise reports from customers (issue 15, docs/revocation.md): each waits in
-- the staff's queue until a reviewer revokes the certificate (keyCompromise) or
-- dismisses the report. The project rule for old certificates (revoke as superseded
-- or keep) is in the configuration, not here. Keep in step with the other dialect's
-- 0016_revocation_policy.sql. Times are unix milliseconds.
CREATE TABLE compromise_reports (
    id          TEXT PRIMARY KEY,
    serial      TEXT NOT NULL,
    cert_sha256 TEXT NOT NULL,
    subject     TEXT NOT NULL,
    note        TEXT NOT NULL,
    reported_at BIGINT NOT NULL,
    status      TEXT NOT NULL,
    resolved_by TEXT,
    resolved_at BIGINT
);
-- At most one open report per certificate; the queue reads the open ones.
CREATE UNIQUE INDEX compromise_reports_open ON compromise_reports (serial) WHERE status = 'open';
CREATE INDEX compromise_reports_status ON compromise_reports (status, reported_at);
