-- Staff sign-in back-offs counted in the database (issue 16), so several instances on
-- one PostgreSQL database share them: one row per user name (`n:…`) or client address
-- (`a:…`); rows quiet for an hour are deleted.
CREATE TABLE login_backoffs (
    key      TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_ms  BIGINT NOT NULL,
    until_ms BIGINT
);
CREATE INDEX login_backoffs_last ON login_backoffs (last_ms);
