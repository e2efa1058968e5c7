//! The user's session: an HttpOnly, SameSite=Strict cookie bound to one certificate,
//! opened by a `login` signature (or an `apply` one). Only the token's SHA-256 is stored.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

use crate::clock;
use crate::db::Tx;
use crate::error::AppError;
use crate::random;

/// The cookie's name.
pub const COOKIE_NAME: &str = "certrenew_session";

/// How long a session lasts.
pub const LIFETIME_MS: i64 = 8 * 3600 * 1000;

/// Live sessions already read from the database, by token hash. Sessions are only ever
/// created and then expire (none is ended early), so a cached one is never stale; a
/// session made by another server instance is simply read from the database once.
#[derive(Default)]
pub struct SessionCache {
    map: std::sync::Mutex<std::collections::HashMap<String, (UserSession, i64)>>,
}

impl SessionCache {
    fn get(&self, hash: &str, now: i64) -> Option<UserSession> {
        let map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(hash)
            .filter(|(_, expires)| *expires > now)
            .map(|(s, _)| s.clone())
    }

    fn put(&self, hash: String, session: UserSession, expires_at: i64) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= 100_000 {
            map.clear();
        }
        map.insert(hash, (session, expires_at));
    }
}

/// A session's certificate.
#[derive(Debug, Clone)]
pub struct UserSession {
    /// The certificate's SHA-256.
    pub cert_sha256: String,
    /// Its DER.
    pub cert_der: Vec<u8>,
}

fn hash(token: &str) -> String {
    protocol::ids::to_hex(&Sha256::digest(token.as_bytes()))
}

/// Opens a session inside `tx`; returns the `Set-Cookie` value.
pub async fn open(
    tx: &mut Tx,
    cert_sha256: &str,
    cert_der: &[u8],
    secure: bool,
) -> Result<String, sqlx::Error> {
    let token = random::token(32);
    let now = clock::now_ms();
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO sessions (token_hash, cert_sha256, cert_der, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash(&token))
        .bind(cert_sha256)
        .bind(cert_der)
        .bind(now + LIFETIME_MS)
        .execute(&mut **tx)
        .await?;
    Ok(cookie(
        COOKIE_NAME,
        &token,
        "/api/",
        LIFETIME_MS / 1000,
        secure,
    ))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure unless on plain-http development.
pub fn cookie(name: &str, value: &str, path: &str, max_age_s: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age_s}; HttpOnly; SameSite=Strict{secure}")
}

/// The value of cookie `name` in the request, if any.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session of this request, if it has a live one.
pub async fn current(
    pool: &AnyPool,
    cache: &SessionCache,
    headers: &HeaderMap,
) -> Result<Option<UserSession>, AppError> {
    let Some(token) = cookie_value(headers, COOKIE_NAME) else {
        return Ok(None);
    };
    if token.len() > 100 {
        return Ok(None);
    }
    let token_hash = hash(token);
    let now = clock::now_ms();
    if let Some(session) = cache.get(&token_hash, now) {
        return Ok(Some(session));
    }
    let row = sqlx::query("SELECT cert_sha256, cert_der, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
        .bind(&token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(row) => {
            let session = UserSession {
                cert_sha256: row.try_get(0)?,
                cert_der: row.try_get(1)?,
            };
            cache.put(token_hash, session.clone(), row.try_get(2)?);
            Some(session)
        }
        None => None,
    })
}

/// The session of this request, or 401.
pub async fn require(
    pool: &AnyPool,
    cache: &SessionCache,
    headers: &HeaderMap,
) -> Result<UserSession, AppError> {
    current(pool, cache, headers).await?.ok_or_else(|| {
        AppError::unauthenticated(
            "sign in with your certificate first (the session is missing or expired)",
        )
    })
}
