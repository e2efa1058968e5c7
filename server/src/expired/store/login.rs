//! `expired_sms_codes` and `expired_sessions`: the sign-in codes sent to a mobile
//! (salted hashes only) and the sessions they open (token hashes only).

use sqlx::{Any, Executor, Row};

use crate::db::Tx;
use crate::error::AppResult;

/// Codes sent to `mobile` since `since` (unix ms).
pub async fn codes_to_mobile(tx: &mut Tx, mobile: &str, since: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM expired_sms_codes WHERE mobile = $1 AND created_at > $2",
    )
    .bind(mobile)
    .bind(since)
    .fetch_one(&mut **tx)
    .await?)
}

/// Codes asked for from client address `client` since `since` (unix ms).
pub async fn codes_from_client(tx: &mut Tx, client: &str, since: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM expired_sms_codes WHERE client = $1 AND created_at > $2",
    )
    .bind(client)
    .bind(since)
    .fetch_one(&mut **tx)
    .await?)
}

/// A code about to be sent.
#[derive(Debug, Clone)]
pub struct NewCode<'a> {
    /// The mobile.
    pub mobile: &'a str,
    /// The asking client's address key.
    pub client: &'a str,
    /// Salt.
    pub salt: &'a str,
    /// Hash of salt, mobile and code.
    pub code_hash: &'a str,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub expires_at: i64,
}

/// Records a new code for the mobile; every earlier unused one stops working.
pub async fn replace_code(tx: &mut Tx, c: &NewCode<'_>) -> AppResult<()> {
    sqlx::query("UPDATE expired_sms_codes SET expires_at = $1 WHERE mobile = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(c.created_at)
        .bind(c.mobile)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO expired_sms_codes (mobile, client, salt, code_hash, tries, created_at, expires_at) VALUES ($1, $2, $3, $4, 0, $5, $6)")
        .bind(c.mobile)
        .bind(c.client)
        .bind(c.salt)
        .bind(c.code_hash)
        .bind(c.created_at)
        .bind(c.expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The newest unused code of a mobile.
#[derive(Debug, Clone)]
pub struct Code {
    /// Its id.
    pub id: i64,
    /// Salt.
    pub salt: String,
    /// Hash.
    pub code_hash: String,
    /// Wrong tries.
    pub tries: i64,
    /// Unix ms.
    pub expires_at: i64,
}

/// The newest unused code sent to `mobile`.
pub async fn latest_code(tx: &mut Tx, mobile: &str) -> AppResult<Option<Code>> {
    sqlx::query("SELECT id, salt, code_hash, tries, expires_at FROM expired_sms_codes WHERE mobile = $1 AND used_at IS NULL ORDER BY id DESC LIMIT 1")
        .bind(mobile)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| {
            Ok(Code {
                id: r.try_get("id")?,
                salt: r.try_get("salt")?,
                code_hash: r.try_get("code_hash")?,
                tries: r.try_get("tries")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
}

/// One more wrong try on code `id`.
pub async fn wrong_code(tx: &mut Tx, id: i64) -> AppResult<()> {
    sqlx::query("UPDATE expired_sms_codes SET tries = tries + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Code `id` was used.
pub async fn use_code(tx: &mut Tx, id: i64, at: i64) -> AppResult<()> {
    sqlx::query("UPDATE expired_sms_codes SET used_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Opens a session (and drops those that ran out).
pub async fn open_session(
    tx: &mut Tx,
    token_hash: &str,
    mobile: &str,
    now: i64,
    expires_at: i64,
) -> AppResult<()> {
    sqlx::query("DELETE FROM expired_sessions WHERE expires_at < $1")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO expired_sessions (token_hash, mobile, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(mobile)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends a session; returns its mobile if there was one.
pub async fn end_session(tx: &mut Tx, token_hash: &str) -> AppResult<Option<String>> {
    Ok(
        sqlx::query_scalar("DELETE FROM expired_sessions WHERE token_hash = $1 RETURNING mobile")
            .bind(token_hash)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// The mobile of a live session.
pub async fn session_mobile<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    token_hash: &str,
    now: i64,
) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT mobile FROM expired_sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(executor)
    .await?)
}
