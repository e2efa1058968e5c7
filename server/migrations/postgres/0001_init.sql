-- certrenew server schema (PostgreSQL). Times are unix milliseconds unless named *_s.
-- Keep in step with migrations/sqlite/0001_init.sql: the same tables and columns.

CREATE TABLE challenges (
    challenge   TEXT PRIMARY KEY,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX challenges_expiry ON challenges (expires_at);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    cert_sha256 TEXT NOT NULL,
    cert_der    BYTEA NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE day_sequences (
    day   TEXT PRIMARY KEY,
    last  BIGINT NOT NULL
);

CREATE TABLE renewals (
    business_no           TEXT PRIMARY KEY,
    project               TEXT NOT NULL,
    cert_sha256           TEXT NOT NULL,
    cert_der              BYTEA NOT NULL,
    cert_serial           TEXT NOT NULL,
    subject               TEXT NOT NULL,
    old_not_after_s       BIGINT NOT NULL,
    months                BIGINT NOT NULL,
    total_fen             BIGINT NOT NULL,
    fee_lines             TEXT NOT NULL,
    application           BYTEA NOT NULL,
    application_signature BYTEA NOT NULL,
    operator_email        TEXT NOT NULL,
    operator_mobile       TEXT NOT NULL,
    lang                  TEXT NOT NULL,
    status                TEXT NOT NULL,
    -- The certificate's sha256 while the renewal is open, NULL once it is closed:
    -- the UNIQUE constraint is what allows one open renewal per certificate.
    open_cert             TEXT UNIQUE,
    rejection_reason      TEXT,
    return_url            TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX renewals_status ON renewals (status, created_at);
CREATE INDEX renewals_cert ON renewals (cert_sha256);

CREATE TABLE payments (
    out_trade_no     TEXT PRIMARY KEY,
    business_no      TEXT NOT NULL REFERENCES renewals (business_no),
    provider         TEXT NOT NULL,
    method           TEXT NOT NULL,
    amount_fen       BIGINT NOT NULL,
    status           TEXT NOT NULL,
    gateway_trade_no TEXT,
    pay_url          TEXT,
    bank_transfer    TEXT,
    created_at       BIGINT NOT NULL,
    paid_at          BIGINT
);
CREATE INDEX payments_business ON payments (business_no);

-- Money that moved. One charge and at most one refund per payment attempt, by constraint.
CREATE TABLE ledger (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    out_trade_no TEXT NOT NULL REFERENCES payments (out_trade_no),
    kind         TEXT NOT NULL,
    amount_fen   BIGINT NOT NULL,
    reference    TEXT NOT NULL,
    at           BIGINT NOT NULL,
    UNIQUE (out_trade_no, kind)
);

CREATE TABLE refunds (
    refund_no    TEXT PRIMARY KEY,
    out_trade_no TEXT NOT NULL UNIQUE REFERENCES payments (out_trade_no),
    business_no  TEXT NOT NULL REFERENCES renewals (business_no),
    amount_fen   BIGINT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    done_at      BIGINT
);

CREATE TABLE invoices (
    business_no TEXT PRIMARY KEY REFERENCES renewals (business_no),
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    taxpayer_id TEXT,
    status      TEXT NOT NULL,
    issued_at   BIGINT
);

-- Every certificate this CA issued through certrenew.
CREATE TABLE certificates (
    sha256      TEXT PRIMARY KEY,
    serial      TEXT NOT NULL UNIQUE,
    business_no TEXT REFERENCES renewals (business_no),
    der         BYTEA NOT NULL,
    subject     TEXT NOT NULL,
    not_before  BIGINT NOT NULL,
    not_after   BIGINT NOT NULL,
    status      TEXT NOT NULL,
    issued_at   BIGINT NOT NULL
);
CREATE INDEX certificates_business ON certificates (business_no);
CREATE INDEX certificates_not_after ON certificates (not_after);

CREATE TABLE revocations (
    serial     TEXT PRIMARY KEY,
    revoked_at BIGINT NOT NULL,
    reason     TEXT NOT NULL
);

CREATE TABLE staff (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES staff (username),
    csrf       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE approvals (
    business_no TEXT NOT NULL REFERENCES renewals (business_no),
    username    TEXT NOT NULL REFERENCES staff (username),
    at          BIGINT NOT NULL,
    PRIMARY KEY (business_no, username)
);

-- Notifications written in the same transaction as the change they announce.
CREATE TABLE outbox (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    template   TEXT NOT NULL,
    lang       TEXT NOT NULL,
    params     TEXT NOT NULL,
    status     TEXT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at    BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_at);

-- Append-only, hash-chained: each row holds the SHA-256 of the previous row.
CREATE TABLE audit (
    id        BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    data      TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit (subject, id);

-- The chain's head. Every writing transaction updates this row first, which
-- serialises writers (and so the chain) on SQLite and PostgreSQL alike.
CREATE TABLE audit_head (
    one       BIGINT PRIMARY KEY,
    last_id   BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (one, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The development payment gateway's own orders (sandbox only).
CREATE TABLE sandbox_orders (
    out_trade_no TEXT PRIMARY KEY,
    amount_fen   BIGINT NOT NULL,
    subject      TEXT NOT NULL,
    status       TEXT NOT NULL,
    trade_no     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    paid_at      BIGINT
);
