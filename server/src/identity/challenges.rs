//! Challenges: 32 random bytes, standard base64, valid five minutes, usable once.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use protocol::ErrorCode;
use protocol::ids::Challenge;
use sqlx::AnyPool;

use crate::clock;
use crate::error::AppError;
use crate::random;

/// How long a challenge may be used.
pub const LIFETIME: Duration = Duration::from_secs(300);

/// How often this process sweeps challenges that expired over an hour ago.
const SWEEP_EVERY_MS: i64 = 60_000;

/// When this process last swept (unix ms).
static SWEPT_AT: AtomicI64 = AtomicI64::new(0);

/// Creates a challenge; returns it with its expiry (unix ms).
pub async fn issue(pool: &AnyPool) -> Result<(Challenge, i64), AppError> {
    let value = STANDARD.encode(random::bytes(32));
    let challenge = Challenge::parse(&value).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = clock::now_ms();
    let expires_at = now + LIFETIME.as_millis() as i64;
    // Expired challenges are swept as new ones are made, once a minute per process
    // rather than on every challenge: each sweep is a write, and on SQLite every
    // write waits for the one writer (bench/README.md, "Server").
    let last = SWEPT_AT.load(Ordering::Relaxed);
    if now - last >= SWEEP_EVERY_MS
        && SWEPT_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        sqlx::query("DELETE FROM challenges WHERE expires_at < $1")
            .bind(now - 3_600_000)
            .execute(pool)
            .await?;
    }
    sqlx::query("INSERT INTO challenges (challenge, expires_at) VALUES ($1, $2)")
        .bind(challenge.as_str())
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok((challenge, expires_at))
}

/// Uses up a challenge: it must exist, be unused and unexpired. Called before the
/// signature is checked and committed on its own, so a failed attempt uses it up too.
pub async fn consume(pool: &AnyPool, challenge: &Challenge) -> Result<(), AppError> {
    let now = clock::now_ms();
    let done = sqlx::query("UPDATE challenges SET used_at = $1 WHERE challenge = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(now)
        .bind(challenge.as_str())
        .execute(pool)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(AppError::refused(
            ErrorCode::ChallengeInvalid,
            StatusCode::UNAUTHORIZED,
            "the challenge is unknown, already used or expired; ask for a new one",
        ))
    }
}
