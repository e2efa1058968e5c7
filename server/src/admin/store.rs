//! The staff aggregate's SQL: accounts (`staff`) and their sessions
//! (`staff_sessions`). The sign-in, session and account rules in [`super::auth`] call
//! these functions with the pool or their transaction. Columns are read by name.

use sqlx::{AnyPool, Row};

use crate::db::Tx;

/// An enabled account's password hash and stored role, when the name exists.
pub async fn credentials(
    pool: &AnyPool,
    username: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query("SELECT password_hash, role FROM staff WHERE username = $1 AND disabled = 0")
        .bind(username)
        .fetch_optional(pool)
        .await?
        .map(|r| Ok((r.try_get("password_hash")?, r.try_get("role")?)))
        .transpose()
}

/// Creates the account, or replaces its password and role and enables it; its
/// sessions end either way.
pub async fn save_account(
    tx: &mut Tx,
    username: &str,
    password_hash: &str,
    role: &str,
    at_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_sessions WHERE username = $1")
        .bind(username)
        .execute(&mut **tx)
        .await?;
    let updated = sqlx::query(
        "UPDATE staff SET password_hash = $1, role = $2, disabled = 0 WHERE username = $3",
    )
    .bind(password_hash)
    .bind(role)
    .bind(username)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO staff (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role)
        .bind(at_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Opens a session (by the token's hash) until `expires_at_ms`, dropping the expired
/// ones on the way.
pub async fn open_session(
    tx: &mut Tx,
    token_hash: &str,
    username: &str,
    csrf: &str,
    now_ms: i64,
    expires_at_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_sessions WHERE expires_at < $1")
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO staff_sessions (token_hash, username, csrf, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(username)
        .bind(csrf)
        .bind(expires_at_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A live session of an enabled account (columns read by name).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// The account.
    pub username: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The account's stored role.
    pub role: String,
}

/// The session with this token hash, unless it expired or its account is disabled.
pub async fn session(
    pool: &AnyPool,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as::<_, SessionRow>("SELECT s.username AS username, s.csrf AS csrf, t.role AS role FROM staff_sessions s JOIN staff t ON t.username = s.username WHERE s.token_hash = $1 AND s.expires_at > $2 AND t.disabled = 0")
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(pool)
        .await
}

/// Ends the session with this token hash.
pub async fn end_session(tx: &mut Tx, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
