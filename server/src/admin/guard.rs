//! The staff routes' gate: every `/api/v1/admin/…` request needs a staff session (and,
//! unless it only reads, the session's CSRF token) before its handler runs, so nothing
//! an anonymous caller sends is parsed: a bad body answers 401, not a 400 that tells
//! the route exists and how it reads its input. Handlers still check roles themselves.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::admin::auth::{self, Role};
use crate::state::AppState;

/// Where the staff routes live.
pub const PREFIX: &str = "/api/v1/admin";

/// The routes a caller without a session must reach: signing in, and the probe that
/// answers "not signed in" with 200.
pub const OPEN: [&str; 2] = ["/api/v1/admin/login", "/api/v1/admin/session"];

/// Whether `path` is a staff route that needs a session.
pub fn guarded(path: &str) -> bool {
    let staff = path == PREFIX
        || path
            .strip_prefix(PREFIX)
            .is_some_and(|rest| rest.starts_with('/'));
    staff && !OPEN.contains(&path)
}

/// The middleware (`axum::middleware::from_fn_with_state` on the whole router).
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if guarded(req.uri().path()) {
        let mutating = !matches!(*req.method(), Method::GET | Method::HEAD);
        // Any role passes here; what each role may do is the handler's check, made on
        // the session read here (`auth::with_session`), not read again.
        return match auth::authorize(
            state.pool(),
            req.headers(),
            &[Role::Reviewer, Role::Finance],
            mutating,
        )
        .await
        {
            Ok((token_hash, staff)) => auth::with_session(token_hash, staff, next.run(req)).await,
            Err(e) => e.into_response(),
        };
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_staff_route_but_sign_in_and_the_probe_is_guarded() {
        assert!(guarded("/api/v1/admin/payments/x/reconcile"));
        assert!(guarded("/api/v1/admin/me"));
        assert!(guarded("/api/v1/admin/logout"));
        assert!(guarded("/api/v1/admin/expired/0120/uploads/1"));
        assert!(guarded("/api/v1/admin"));
        assert!(guarded("/api/v1/admin/login/"));
        assert!(!guarded("/api/v1/admin/login"));
        assert!(!guarded("/api/v1/admin/session"));
        assert!(!guarded("/api/v1/administer"));
        assert!(!guarded("/api/v1/renewals"));
        assert!(!guarded("/admin"), "the console's page itself is public");
    }
}
