-- The expired-session sweep (identity::sessions) finds its rows by expiry instead of
-- reading every session with its certificate (issue 16: it was a full scan per session
-- opened, bench/README.md "Session 9").
CREATE INDEX sessions_expiry ON sessions (expires_at);
