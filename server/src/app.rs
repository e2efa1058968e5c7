//! The whole HTTP application: the API, the sandbox (when on), and the built
//! web app with a fallback to `index.html` for its routes.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::any;
use axum::{Router, middleware};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::AppError;
use crate::security_headers::SecurityHeaders;
use crate::state::AppState;

/// The router, ready to serve (with `into_make_service_with_connect_info::<SocketAddr>`,
/// which the per-address limits need).
pub fn app(state: AppState) -> Router {
    let mut router = crate::api::routes();
    router = router.merge(crate::revocation::http::routes());
    router = router.merge(crate::revocation::reports_http::routes());
    router = router.merge(crate::reconcile::http::routes());
    router = match &state.sandbox {
        Some(sandbox) => router.merge(sandbox.routes()),
        // Not built: its paths are a plain 404, never the web app's page.
        None => router.route("/sandbox/{*rest}", any(sandbox_off)),
    };
    // Staff routes check the session before any extractor reads the request.
    router = router.layer(middleware::from_fn_with_state(
        state.clone(),
        crate::admin::guard::guard,
    ));
    if let Some(dist) = &state.config.dist_dir {
        let root = dist.clone();
        let index = tower::service_fn(move |req: Request<Body>| {
            let file = index_for(&root, req.uri().path());
            async move {
                match file {
                    Some(file) => ServeFile::new(file)
                        .precompressed_gzip()
                        .oneshot(req)
                        .await
                        .map(|r| r.map(Body::new)),
                    None => Ok(StatusCode::NOT_FOUND.into_response()),
                }
            }
        });
        // `.gz` siblings made at build time are sent to browsers that accept gzip: the
        // wasm shrinks to about a third, and nothing is compressed per request.
        // A bundle's folder is not a page of its own: `/admin` must not be redirected to
        // `/admin/`, it is the console's route (served by `index` below).
        router = router.fallback_service(
            ServeDir::new(dist)
                .precompressed_gzip()
                .append_index_html_on_directories(false)
                .fallback(index),
        );
    }
    // Outermost: every answer gets the headers, the fallback's files and errors too.
    let headers = SecurityHeaders::new(state.config.public_origin.as_str().starts_with("https:"));
    router
        .layer(middleware::from_fn_with_state(
            headers,
            crate::security_headers::layer,
        ))
        .with_state(state)
}

/// Any `/sandbox/…` path on a server without the sandbox.
async fn sandbox_off() -> AppError {
    AppError::not_found("the sandbox is off")
}

/// The `index.html` that serves an app route. The app is split into bundles (each
/// screen group downloads only its own code): a bundle built into `dist/<name>/`
/// serves `/<name>` and everything under it; every other route gets `dist/index.html`.
/// A folder of plain files (`dist/downloads/`) is not a route: a file missing there
/// is a 404 (`None`), never a page the browser would save as the download.
fn index_for(dist: &Path, path: &str) -> Option<PathBuf> {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let plain = !first.is_empty()
        && first
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if plain {
        let folder = dist.join(first);
        let bundle = folder.join("index.html");
        if bundle.is_file() {
            return Some(bundle);
        }
        if folder.is_dir() {
            return None;
        }
    }
    Some(dist.join("index.html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_folder_serves_its_routes_and_everything_else_gets_the_root_index() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "root").unwrap();
        std::fs::create_dir(dir.path().join("admin")).unwrap();
        std::fs::write(dir.path().join("admin").join("index.html"), "admin").unwrap();
        std::fs::create_dir(dir.path().join("downloads")).unwrap();
        let root = dir.path().join("index.html");
        let admin = dir.path().join("admin").join("index.html");
        assert_eq!(index_for(dir.path(), "/admin"), Some(admin.clone()));
        assert_eq!(index_for(dir.path(), "/admin/renewals/0120"), Some(admin));
        assert_eq!(index_for(dir.path(), "/"), Some(root.clone()));
        assert_eq!(index_for(dir.path(), "/renewals/0120"), Some(root.clone()));
        assert_eq!(
            index_for(dir.path(), "/downloads/certrenew-host-macos"),
            None
        );
        assert_eq!(index_for(dir.path(), "/../admin"), Some(root.clone()));
        assert_eq!(index_for(dir.path(), "/Admin"), Some(root));
    }
}
