-- Expiry reminders and the relying platforms' callbacks (SQLite).
-- Keep in step with migrations/postgres/0002_reminders_webhooks.sql.

-- One row per certificate and threshold (days before notAfter) reminded: the primary
-- key is what makes each reminder go out once, whichever run or server gets there first.
CREATE TABLE reminders (
    cert_sha256 TEXT NOT NULL,
    days        BIGINT NOT NULL,
    business_no TEXT REFERENCES renewals (business_no),
    at          BIGINT NOT NULL,
    PRIMARY KEY (cert_sha256, days)
);

-- Signed callbacks to a project's webhook_url, written in the same transaction as the
-- transition they announce and delivered by a worker with backoff. `body` is the exact
-- JSON sent (and signed) on every try.
CREATE TABLE webhooks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project      TEXT NOT NULL,
    business_no  TEXT NOT NULL REFERENCES renewals (business_no),
    event        TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    delivered_at BIGINT,
    UNIQUE (business_no, event)
);
CREATE INDEX webhooks_due ON webhooks (status, next_at);
