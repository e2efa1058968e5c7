//! The user's session: an HttpOnly, SameSite=Strict cookie bound to one certificate,
//! opened by a `login` signature (or an `apply` one). Only the token's SHA-256 is stored.

use std::sync::atomic::{AtomicI64, Ordering};

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
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

/// How long a session read from the database is trusted without reading it again: a
/// session ended or revoked elsewhere (another instance, `admin revoke`) stops working
/// within this time; one ended here stops at once.
pub const CACHE_MS: i64 = 15 * 1000;

/// How often this process deletes expired sessions.
const SWEEP_EVERY_MS: i64 = 60_000;

/// When this process last swept (unix ms).
static SWEPT_AT: AtomicI64 = AtomicI64::new(0);

/// Live sessions already read from the database, by token hash, each until it expires
/// or [`CACHE_MS`] after it was read, whichever comes first.
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
            .filter(|(_, until)| *until > now)
            .map(|(s, _)| s.clone())
    }

    fn put(&self, hash: String, session: UserSession, until: i64) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= 100_000 {
            map.clear();
        }
        map.insert(hash, (session, until));
    }

    fn remove(&self, hash: &str) {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(hash);
    }

    /// Keeps a session this process just opened, once the transaction that wrote it
    /// has committed: the customer's next request (the application, right after the
    /// sign-in) then reads no row.
    pub fn opened(&self, opened: &Opened) {
        let until = opened.expires_at.min(clock::now_ms() + CACHE_MS);
        self.put(opened.token_hash.clone(), opened.session.clone(), until);
    }

    /// Forgets every cached session of a certificate (it was revoked or signed out).
    pub fn forget_certificate(&self, cert_sha256: &str) {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, (s, _)| s.cert_sha256 != cert_sha256);
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

/// A session opened by [`open`]: its `Set-Cookie` value, and what
/// [`SessionCache::opened`] keeps of it after the commit.
#[derive(Debug)]
pub struct Opened {
    /// The `Set-Cookie` value.
    pub set_cookie: String,
    token_hash: String,
    session: UserSession,
    expires_at: i64,
}

/// Opens a session inside `tx`.
pub async fn open(
    tx: &mut Tx,
    cert_sha256: &str,
    cert_der: &[u8],
    secure: bool,
) -> Result<Opened, sqlx::Error> {
    let token = random::token(32);
    let now = clock::now_ms();
    // Expired sessions are swept once a minute per process (by `sessions_expiry`), not
    // before every session: reading checks the expiry already (bench/README.md,
    // "Session 9": the sweep was a full scan of the table each time).
    let last = SWEPT_AT.load(Ordering::Relaxed);
    if now - last >= SWEEP_EVERY_MS
        && SWEPT_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    let token_hash = hash(&token);
    let expires_at = now + LIFETIME_MS;
    sqlx::query("INSERT INTO sessions (token_hash, cert_sha256, cert_der, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(&token_hash)
        .bind(cert_sha256)
        .bind(cert_der)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(Opened {
        set_cookie: cookie(COOKIE_NAME, &token, "/api/", LIFETIME_MS / 1000, secure),
        token_hash,
        session: UserSession {
            cert_sha256: cert_sha256.to_owned(),
            cert_der: cert_der.to_vec(),
        },
        expires_at,
    })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure unless on plain-http development.
pub fn cookie(name: &str, value: &str, path: &str, max_age_s: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age_s}; HttpOnly; SameSite=Strict{secure}")
}

/// Response headers that set the cookie `set_cookie_value` (from [`cookie`]).
pub fn set_cookie(set_cookie_value: &str) -> Result<HeaderMap, AppError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        HeaderValue::from_str(set_cookie_value).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    Ok(headers)
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
    // A session of a revoked certificate is over, even if revoking it missed the row.
    let row = sqlx::query("SELECT s.cert_sha256 AS cert_sha256, s.cert_der AS cert_der, s.expires_at AS expires_at FROM sessions s WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT EXISTS (SELECT 1 FROM certificates c JOIN revocations r ON r.serial = c.serial WHERE c.sha256 = s.cert_sha256)")
        .bind(&token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(row) => {
            let session = UserSession {
                cert_sha256: row.try_get("cert_sha256")?,
                cert_der: row.try_get("cert_der")?,
            };
            let expires_at: i64 = row.try_get("expires_at")?;
            cache.put(token_hash, session.clone(), expires_at.min(now + CACHE_MS));
            Some(session)
        }
        None => None,
    })
}

/// Ends this request's session inside `tx` (sign-out): the row is deleted and the
/// cached copy forgotten. Returns the certificate it was bound to, if there was one.
pub async fn end(
    tx: &mut Tx,
    cache: &SessionCache,
    headers: &HeaderMap,
) -> Result<Option<String>, sqlx::Error> {
    let Some(token) = cookie_value(headers, COOKIE_NAME).filter(|t| t.len() <= 100) else {
        return Ok(None);
    };
    let token_hash = hash(token);
    cache.remove(&token_hash);
    sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING cert_sha256")
        .bind(&token_hash)
        .fetch_optional(&mut **tx)
        .await
}

/// Ends every session of the certificate with `serial` inside `tx` (it was revoked).
/// Returns how many were ended.
pub async fn end_for_serial(tx: &mut Tx, serial: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM sessions WHERE cert_sha256 IN (SELECT sha256 FROM certificates WHERE serial = $1)",
    )
    .bind(serial)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// The `Set-Cookie` value that clears the session cookie.
pub fn cleared_cookie(secure: bool) -> String {
    cookie(COOKIE_NAME, "", "/api/", 0, secure)
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
