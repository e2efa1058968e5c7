//! Security headers on every response: pages, API answers, static files, errors.
//!
//! Any script running on the CA's origin can ask the extension to sign with, or
//! install onto, the user's token, so the origin runs only its own files:
//! `script-src 'self' 'wasm-unsafe-eval'` (the app is wasm, loaded by an external
//! module: scripts/build-app.sh moves Trunk's inline loader into a file), nothing
//! inline, no plugins, no `<base>`. `frame-ancestors 'none'` (and `X-Frame-Options` for
//! old browsers) stops the staff console's approve button from being clickjacked;
//! `nosniff` stops an upload or a download from being run as script or style.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy for everything the server sends. Forms post only to the origin (the pay
/// page goes to a gateway by navigation; UnionPay's pay page, whose form posts to the
/// gateway, sets its own policy).
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The development-only sandbox pages (`/sandbox/…`: the emulated gateways' cashiers,
/// bank, liveness) carry
/// their few style rules inline; they run no script either.
pub const SANDBOX_CSP: &str = "default-src 'self'; script-src 'none'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// HSTS for an https origin: a year, subdomains left to the operator.
pub const HSTS: &str = "max-age=31536000";

/// The headers, fixed at start-up.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    hsts: bool,
}

impl SecurityHeaders {
    /// HSTS is sent only when the public origin is https (a browser would otherwise
    /// pin a development host it reaches over plain http).
    pub fn new(https: bool) -> Self {
        Self { hsts: https }
    }

    /// Adds the headers a response does not set itself.
    pub fn apply(&self, path: &str, headers: &mut axum::http::HeaderMap) {
        let csp = if path.starts_with("/sandbox/") {
            SANDBOX_CSP
        } else {
            CSP
        };
        let mut set = |name: HeaderName, value: &'static str| {
            headers
                .entry(name)
                .or_insert(HeaderValue::from_static(value));
        };
        set(header::CONTENT_SECURITY_POLICY, csp);
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        set(header::X_FRAME_OPTIONS, "DENY");
        // Paths carry business numbers: other sites see the origin only.
        set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
        set(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        );
        if self.hsts {
            set(header::STRICT_TRANSPORT_SECURITY, HSTS);
        }
    }
}

/// The middleware (`axum::middleware::from_fn_with_state`), outermost, so 404s, 405s,
/// extractor rejections and static files get the headers too.
pub async fn layer(State(headers): State<SecurityHeaders>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut response = next.run(req).await;
    headers.apply(&path, response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn directives(csp: &str) -> Vec<&str> {
        csp.split(';').map(str::trim).collect()
    }

    #[test]
    fn the_app_policy_allows_nothing_inline() {
        let d = directives(CSP);
        assert!(d.contains(&"script-src 'self' 'wasm-unsafe-eval'"));
        assert!(d.contains(&"style-src 'self'"));
        assert!(d.contains(&"object-src 'none'"));
        assert!(d.contains(&"base-uri 'none'"));
        assert!(d.contains(&"frame-ancestors 'none'"));
        assert!(d.contains(&"form-action 'self'"));
        assert!(!CSP.contains("unsafe-inline") && !CSP.contains("'unsafe-eval'"));
        assert!(!CSP.contains("sha256-") && !CSP.contains("nonce-"));
    }

    #[test]
    fn hsts_only_on_https_and_sandbox_pages_get_their_own_policy() {
        let mut h = HeaderMap::new();
        SecurityHeaders::new(false).apply("/", &mut h);
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], CSP);
        let mut h = HeaderMap::new();
        SecurityHeaders::new(true).apply("/sandbox/alipay/gateway.do", &mut h);
        assert_eq!(h[header::STRICT_TRANSPORT_SECURITY], HSTS);
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], SANDBOX_CSP);
        assert!(SANDBOX_CSP.contains("script-src 'none'"));
    }

    #[test]
    fn a_response_own_header_is_kept() {
        let mut h = HeaderMap::new();
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        SecurityHeaders::new(false).apply("/", &mut h);
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
    }
}
