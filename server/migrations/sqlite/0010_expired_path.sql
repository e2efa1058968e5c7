-- The expired-certificate path (SZCA 网厅): SMS-code login, the application and its
-- checks (organisation, verification transfer, signed form, identity), its uploads.
-- Keep in step with migrations/postgres/0010_expired_path.sql: the same tables and columns.
-- Times are unix milliseconds unless named *_s.

-- Login codes: only a salted SHA-256 of the code is kept.
CREATE TABLE expired_sms_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    mobile     TEXT NOT NULL,
    client     TEXT NOT NULL,
    salt       TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    tries      BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX expired_sms_codes_mobile ON expired_sms_codes (mobile, created_at);
CREATE INDEX expired_sms_codes_client ON expired_sms_codes (client, created_at);

-- Sessions opened by a login code, bound to the mobile number.
CREATE TABLE expired_sessions (
    token_hash TEXT PRIMARY KEY,
    mobile     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- One application per certificate at a time (open_cert is NULL once it is closed or
-- has become a renewal, whose own open_cert then holds the certificate). The business
-- number is drawn when the application starts and becomes the renewal's.
CREATE TABLE expired_applications (
    business_no TEXT PRIMARY KEY,
    mobile      TEXT NOT NULL,
    project     TEXT NOT NULL,
    cert_sha256 TEXT NOT NULL,
    cert_der    BLOB NOT NULL,
    cert_serial TEXT NOT NULL,
    subject     TEXT NOT NULL,
    not_after_s BIGINT NOT NULL,
    status      TEXT NOT NULL,
    open_cert   TEXT UNIQUE,
    details     TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX expired_applications_mobile ON expired_applications (mobile, created_at);

-- Verification transfers of 0.01 yuan to the company's basic account; the code in the
-- remark is kept only as a salted SHA-256. status: pending, verified, superseded, locked.
CREATE TABLE expired_transfers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    business_no  TEXT NOT NULL REFERENCES expired_applications (business_no),
    account_name TEXT NOT NULL,
    bank         TEXT NOT NULL,
    account_no   TEXT NOT NULL,
    amount_fen   BIGINT NOT NULL,
    provider     TEXT NOT NULL,
    reference    TEXT NOT NULL,
    salt         TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    tries        BIGINT NOT NULL DEFAULT 0,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    verified_at  BIGINT
);
CREATE INDEX expired_transfers_business ON expired_transfers (business_no, id);

-- Uploaded files; the bytes live once per SHA-256 under <data>/uploads.
-- kind: form, id_front, id_back.
CREATE TABLE expired_uploads (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    business_no TEXT NOT NULL REFERENCES expired_applications (business_no),
    kind        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX expired_uploads_business ON expired_uploads (business_no, id);

-- Identity checks (ID photos and liveness) and their outcomes: passed or failed.
CREATE TABLE expired_identity_checks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    business_no TEXT NOT NULL REFERENCES expired_applications (business_no),
    provider    TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    reason      TEXT,
    reference   TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX expired_identity_business ON expired_identity_checks (business_no, id);

-- The development bank's own record of the transfers it made (sandbox only; it
-- stands for the bank, so it holds the remark as sent).
CREATE TABLE sandbox_bank_transfers (
    reference    TEXT PRIMARY KEY,
    account_name TEXT NOT NULL,
    bank         TEXT NOT NULL,
    account_no   TEXT NOT NULL,
    amount_fen   BIGINT NOT NULL,
    remark       TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
