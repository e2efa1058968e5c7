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
/// route group downloads only its own code), each built into a folder of `dist/`,
/// possibly nested. The path's segments are walked from `dist/`: at each level the
/// folder named as the segment is taken (only a plain segment: lowercase ASCII, digits,
/// `-`), else a folder named `_`, which stands for any one segment (a route parameter,
/// `dist/expired/_/` for `/expired/{no}`: ASCII letters, digits, `-`, `_` only), and the
/// walk stops where neither is there. The deepest folder of the walk holding
/// `index.html` serves the path, `dist/index.html` when none does. A folder of plain
/// files (`dist/downloads/`) is not a route: when the walk ends in a folder taken by
/// its name without `index.html`, a file missing there is a 404 (`None`), never a page
/// the browser would save as the download.
fn index_for(dist: &Path, path: &str) -> Option<PathBuf> {
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    // No '.', '%' or '/': a parameter never names `..` or an encoded one.
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let mut folder = dist.to_path_buf();
    let mut index = dist.join("index.html");
    // Whether the walk's last folder was taken by its name and holds no `index.html`.
    let mut files_only = false;
    for segment in path.trim_start_matches('/').split('/') {
        let named = folder.join(segment);
        let any = folder.join("_");
        let (next, by_name) = if plain(segment) && named.is_dir() {
            (named, true)
        } else if word(segment) && any.is_dir() {
            (any, false)
        } else {
            break;
        };
        folder = next;
        let page = folder.join("index.html");
        files_only = by_name && !page.is_file();
        if page.is_file() {
            index = page;
        }
    }
    (!files_only).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `dist/` with the given folders, each with an `index.html` naming it, or none.
    fn dist(folders: &[(&str, bool)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "root").unwrap();
        for (folder, page) in folders {
            let path = dir.path().join(folder);
            std::fs::create_dir_all(&path).unwrap();
            if *page {
                std::fs::write(path.join("index.html"), folder).unwrap();
            }
        }
        dir
    }

    #[test]
    fn a_bundle_folder_serves_its_routes_and_everything_else_gets_the_root_index() {
        let dir = dist(&[("admin", true), ("downloads", false)]);
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

    #[test]
    fn index_for_takes_the_deepest_bundle_of_nested_folders_and_underscore_for_a_parameter() {
        let dir = dist(&[
            ("admin", true),
            ("admin/renewals", true),
            ("admin/renewals/_/finance", true),
            ("admin/renewals/_/certificate", true),
            ("expired", true),
            ("expired/_", true),
            ("expired/_/details", true),
            ("expired/_/form", true),
            ("renewals", true),
            ("renewals/_/pay", true),
            ("renewals/_/paying", true),
            ("renewals/_/install", true),
            ("setup", true),
            ("downloads", false),
            ("downloads/apt", false),
        ]);
        let page = |folder: &str| Some(dir.path().join(folder).join("index.html"));
        let root = Some(dir.path().join("index.html"));
        for (path, want) in [
            ("/", root.clone()),
            ("/renew", root.clone()),
            ("/setup", page("setup")),
            ("/setup/", page("setup")),
            ("/admin", page("admin")),
            ("/admin/", page("admin")),
            ("/admin/expired", page("admin")),
            ("/admin/reconciliation", page("admin")),
            ("/admin/renewals", page("admin/renewals")),
            ("/admin/renewals/0120", page("admin/renewals")),
            ("/admin/renewals/0120/more", page("admin/renewals")),
            // A renewal's other pages: `_` for its number, then the page's folder.
            (
                "/admin/renewals/0120/finance",
                page("admin/renewals/_/finance"),
            ),
            (
                "/admin/renewals/R-1_a/finance/",
                page("admin/renewals/_/finance"),
            ),
            (
                "/admin/renewals/0120/certificate",
                page("admin/renewals/_/certificate"),
            ),
            ("/admin/renewals/0120/more/finance", page("admin/renewals")),
            ("/admin/renewals/../finance", page("admin/renewals")),
            ("/admin/renewals/0120/Finance", page("admin/renewals")),
            ("/expired", page("expired")),
            ("/expired/", page("expired")),
            ("/expired/E2026", page("expired/_")),
            ("/expired/e2026-1_a", page("expired/_")),
            ("/expired/E2026/", page("expired/_")),
            ("/expired/E2026/details", page("expired/_/details")),
            ("/expired/E2026/form", page("expired/_/form")),
            ("/expired/E2026/form/", page("expired/_/form")),
            ("/expired/E2026/bank", page("expired/_")),
            ("/expired/E2026/Details", page("expired/_")),
            ("/expired/E2026/../form", page("expired/_")),
            ("/expired/details", page("expired/_")),
            // The order's panels: a folder under `_` (no page of its own) for the number.
            ("/renewals/01202611220000001", page("renewals")),
            ("/renewals/01202611220000001/", page("renewals")),
            ("/renewals/01202611220000001/pay", page("renewals/_/pay")),
            ("/renewals/01202611220000001/pay/", page("renewals/_/pay")),
            (
                "/renewals/01202611220000001/paying",
                page("renewals/_/paying"),
            ),
            ("/renewals/01202611220000001/Paying", page("renewals")),
            (
                "/renewals/01202611220000001/install",
                page("renewals/_/install"),
            ),
            ("/renewals/01202611220000001/other", page("renewals")),
            ("/renewals/01202611220000001/Pay", page("renewals")),
            ("/renewals/../pay", page("renewals")),
            // Never a folder for `..`, `.`, an uppercase name or a percent-encoded one.
            ("/expired/..", page("expired")),
            ("/expired/.", page("expired")),
            ("/expired/%2e%2e", page("expired")),
            ("/expired/E2026%2F..", page("expired")),
            ("/admin/renewals/..", page("admin/renewals")),
            ("/admin/Renewals/0120", page("admin")),
            ("/admin/renewal%73/0120", page("admin")),
            ("/Admin/renewals/0120", root.clone()),
            ("/%61dmin/renewals/0120", root.clone()),
            ("/../admin/renewals/0120", root.clone()),
            ("/admin/../expired/E2026", page("admin")),
            ("/EXPIRED/E2026", root.clone()),
            // A folder of files: a missing one is a 404 at any depth.
            ("/downloads", None),
            ("/downloads/certrenew-host-macos", None),
            ("/downloads/apt/dists/missing", None),
            ("/downloads/apt", None),
        ] {
            assert_eq!(index_for(dir.path(), path), want, "{path}");
        }
    }
}
