//! The whole HTTP application: the API, the sandbox gateway (when on), and the built
//! web app with a fallback to `index.html` for its routes.

use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::state::AppState;

/// The router, ready to serve (with `into_make_service_with_connect_info::<SocketAddr>`,
/// which the per-address limits need).
pub fn app(state: AppState) -> Router {
    let mut router = crate::api::routes();
    if state.sandbox.is_some() {
        router = router.merge(crate::payments::sandbox::routes());
    }
    if let Some(dist) = &state.config.dist_dir {
        let index = dist.join("index.html");
        // `.gz` siblings made at build time are sent to browsers that accept gzip: the
        // wasm shrinks to about a third, and nothing is compressed per request.
        router = router.fallback_service(
            ServeDir::new(dist)
                .precompressed_gzip()
                .fallback(ServeFile::new(index).precompressed_gzip()),
        );
    }
    router.with_state(state)
}
