//! Staff accounts (argon2id password hashes, roles), sessions in an HttpOnly
//! SameSite=Strict cookie, and CSRF protection: every state-changing call must carry
//! the session's CSRF token in `X-CSRF-Token`.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use utoipa::ToSchema;

/// The roles are protocol's: the console reads the same names.
pub use protocol::staff::Role;

use crate::admin::login_limit::Blocked;
use crate::admin::store;
use crate::api::extract::Body;
use crate::audit;
use crate::client_addr::ClientAddr;
use crate::clock;
use crate::db::Store;
use crate::error::{AppError, AppResult};
use crate::identity::sessions::{cookie, cookie_value, set_cookie};
use crate::random;
use crate::state::AppState;

/// The staff cookie.
pub const COOKIE_NAME: &str = "certrenew_staff";
/// The CSRF header.
pub const CSRF_HEADER: &str = "x-csrf-token";
const LIFETIME_MS: i64 = 8 * 3600 * 1000;

/// A signed-in staff member.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Staff {
    /// User name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The CSRF token to send with every state-changing call.
    pub csrf: String,
}

impl Staff {
    /// The audit actor.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.username)
    }
}

fn hash_token(token: &str) -> String {
    protocol::ids::to_hex(&Sha256::digest(token.as_bytes()))
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::encode_b64(&random::bytes(16))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Creates or replaces a staff account (the `admin add` command).
pub async fn add(
    store: &Store,
    username: &str,
    password: &str,
    role: Role,
) -> Result<(), AppError> {
    if username.is_empty()
        || username.len() > 64
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(AppError::validation(
            "user",
            "staff.username",
            "a user name is 1 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    if password.chars().count() < 10 {
        return Err(AppError::validation(
            "password",
            "staff.password",
            "a password has at least 10 characters",
        ));
    }
    let hash = hash_password(password)?;
    let mut tx = store.begin_write().await?;
    store::save_account(&mut tx, username, &hash, role.as_str(), clock::now_ms()).await?;
    audit::append(
        &mut tx,
        "system:cli",
        "staff.saved",
        username,
        json!({ "role": role.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Signing in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// 429 while a back-off runs for the name or the address.
fn backing_off(blocked: &Blocked) -> AppError {
    let who = if blocked.by == "name" {
        "this user name"
    } else {
        "this address"
    };
    AppError::refused(
        ErrorCode::RateLimited,
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "too many failed sign-ins for {who}; try again in {} seconds",
            blocked.retry_after_s
        ),
    )
    .with_details(json!({ "rule": format!("login.backoff.{}", blocked.by), "retry_after_s": blocked.retry_after_s }))
}

/// Signs a staff member in.
///
/// Failures back off per name and per client address ([`super::login_limit`]); the
/// password is checked in the bounded [`super::hash_pool`]. A failure writes no audit
/// row of its own: the row is written when a back-off starts (with the count), and a
/// successful sign-in records the failures before it.
#[utoipa::path(post, path = "/api/v1/admin/login", request_body = LoginRequest, responses((status = 200, body = Staff), (status = 401), (status = 429), (status = 503)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    Body(req): Body<LoginRequest>,
) -> AppResult<(HeaderMap, Json<Staff>)> {
    let refused = || AppError::unauthenticated("wrong user name or password");
    if req.username.len() > 64 || req.password.len() > 1024 {
        return Err(refused());
    }
    // Behind a trusted proxy, the address it forwarded (never a header a client sent
    // directly).
    let client = client.key();
    if let Some(blocked) = state.staff_login.check(&req.username, &client).await? {
        return Err(backing_off(&blocked));
    }
    let row = store::credentials(state.pool(), &req.username).await?;
    // The hash is checked even for an unknown user, so timing does not tell which names exist.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let (hash, role) = match row.clone() {
        Some(found) => found,
        None => (
            DUMMY
                .get_or_init(|| hash_password("no such user").unwrap_or_default())
                .clone(),
            String::new(),
        ),
    };
    let password = req.password.clone();
    let ok = state
        .hash_pool
        .run(move || verify_password(&password, &hash))
        .await
        .map_err(|busy| {
            AppError::refused(
                ErrorCode::RateLimited,
                StatusCode::SERVICE_UNAVAILABLE,
                busy.to_string(),
            )
            .with_details(json!({ "rule": "login.busy", "retry_after_s": 2 }))
        })?;
    let role = Role::parse(&role);
    let (true, Some(role)) = (ok && row.is_some(), role) else {
        let started = state.staff_login.failed(&req.username, &client).await?;
        if !started.is_empty() {
            let mut tx = state.store.begin_write().await?;
            for s in &started {
                audit::append(
                    &mut tx,
                    "anonymous",
                    "staff.login_backoff",
                    &req.username,
                    json!({ "by": s.by, "client": client, "failures": s.failures, "seconds": s.seconds }),
                )
                .await?;
            }
            tx.commit().await?;
        }
        return Err(refused());
    };
    let failures_before = state.staff_login.succeeded(&req.username).await?;
    let token = random::token(32);
    let csrf = random::token(24);
    let mut tx = state.store.begin_write().await?;
    let now = clock::now_ms();
    store::open_session(
        &mut tx,
        &hash_token(&token),
        &req.username,
        &csrf,
        now,
        now + LIFETIME_MS,
    )
    .await?;
    audit::append(
        &mut tx,
        &format!("staff:{}", req.username),
        "staff.login",
        &req.username,
        json!({ "client": client, "failures_before": failures_before }),
    )
    .await?;
    tx.commit().await?;
    let headers = set_cookie(&cookie(
        COOKIE_NAME,
        &token,
        "/api/v1/admin",
        LIFETIME_MS / 1000,
        state.secure_cookies(),
    ))?;
    Ok((
        headers,
        Json(Staff {
            username: req.username,
            role,
            csrf,
        }),
    ))
}

tokio::task_local! {
    /// The staff session the guard (`admin::guard`) read for this request, with the
    /// hash of the token it was found by: [`require`] in the handler checks roles and
    /// CSRF against it instead of reading the session a second time.
    static GUARDED: (String, Staff);
}

/// Runs `handler` with the session [`authorize`] found (`token_hash`, `staff`) known
/// to [`require`].
pub async fn with_session<F: std::future::Future>(
    token_hash: String,
    staff: Staff,
    handler: F,
) -> F::Output {
    GUARDED.scope((token_hash, staff), handler).await
}

/// The signed-in staff member, allowed one of `roles`; for a state-changing call the
/// CSRF header must match the session's token.
pub async fn require(
    pool: &AnyPool,
    headers: &HeaderMap,
    roles: &[Role],
    mutating: bool,
) -> AppResult<Staff> {
    authorize(pool, headers, roles, mutating)
        .await
        .map(|(_, staff)| staff)
}

/// [`require`], also returning the hash of the session's token.
pub async fn authorize(
    pool: &AnyPool,
    headers: &HeaderMap,
    roles: &[Role],
    mutating: bool,
) -> AppResult<(String, Staff)> {
    let token = cookie_value(headers, COOKIE_NAME)
        .filter(|t| t.len() <= 100)
        .ok_or_else(|| AppError::unauthenticated("staff sign-in needed"))?;
    let token_hash = hash_token(token);
    let guarded = GUARDED
        .try_with(|(hash, staff)| (*hash == token_hash).then(|| staff.clone()))
        .ok()
        .flatten();
    let staff = match guarded {
        Some(staff) => staff,
        None => {
            let row = store::session(pool, &token_hash, clock::now_ms())
                .await?
                .ok_or_else(|| {
                    AppError::unauthenticated(
                        "the staff session is missing or expired; sign in again",
                    )
                })?;
            Staff {
                username: row.username,
                csrf: row.csrf,
                role: Role::parse(&row.role)
                    .ok_or_else(|| AppError::Internal("unknown role".into()))?,
            }
        }
    };
    if mutating {
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !constant_time_eq(sent.as_bytes(), staff.csrf.as_bytes()) {
            return Err(AppError::refused(
                ErrorCode::CsrfFailed,
                StatusCode::FORBIDDEN,
                "the CSRF token is missing or wrong; reload the console",
            ));
        }
    }
    if staff.role != Role::Admin && !roles.contains(&staff.role) {
        return Err(AppError::forbidden(format!(
            "the {} role may not do this",
            staff.role.as_str()
        )));
    }
    Ok((token_hash, staff))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

/// The signed-in staff member.
#[utoipa::path(get, path = "/api/v1/admin/me", responses((status = 200, body = Staff), (status = 401)))]
pub async fn me(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Json<Staff>> {
    Ok(Json(
        require(
            state.pool(),
            &headers,
            &[Role::Reviewer, Role::Finance],
            false,
        )
        .await?,
    ))
}

/// Whether a staff session is open (`GET /admin/session`): 200 either way, so the
/// console decides between itself and its sign-in form without a failed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionState {
    /// The signed-in staff member, or `null`.
    pub staff: Option<Staff>,
}

/// `GET /api/v1/admin/session`.
#[utoipa::path(get, path = "/api/v1/admin/session", responses((status = 200, body = SessionState)))]
pub async fn session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<SessionState>> {
    let staff = match require(
        state.pool(),
        &headers,
        &[Role::Reviewer, Role::Finance],
        false,
    )
    .await
    {
        Ok(staff) => Some(staff),
        Err(AppError::Refused {
            code: ErrorCode::Unauthenticated,
            ..
        }) => None,
        Err(e) => return Err(e),
    };
    Ok(Json(SessionState { staff }))
}

/// Signs out.
#[utoipa::path(post, path = "/api/v1/admin/logout", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<(StatusCode, HeaderMap)> {
    let staff = require(
        state.pool(),
        &headers,
        &[Role::Reviewer, Role::Finance],
        true,
    )
    .await?;
    if let Some(token) = cookie_value(&headers, COOKIE_NAME) {
        let mut tx = state.store.begin_write().await?;
        store::end_session(&mut tx, &hash_token(token)).await?;
        audit::append(
            &mut tx,
            &staff.actor(),
            "staff.logout",
            &staff.username,
            json!({}),
        )
        .await?;
        tx.commit().await?;
    }
    let out = set_cookie(&cookie(
        COOKIE_NAME,
        "",
        "/api/v1/admin",
        0,
        state.secure_cookies(),
    ))?;
    Ok((StatusCode::NO_CONTENT, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
