-- Outbox claims (issue 16): a delivery worker first claims due rows for itself until
-- lease_until, so two server instances never send the same message; a crashed
-- instance's rows are taken over once its lease has run out.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until BIGINT;

-- Rate limits counted in the database, so every instance sees the same count: one row
-- per limiter and key (bucket) and fixed window; old windows are deleted.
CREATE TABLE rate_limits (
    bucket       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
