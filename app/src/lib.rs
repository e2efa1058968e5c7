//! certrenew's web app: the customer's certificate renewal (我的证书 → 申请 → 缴费 →
//! 审核 → 安装) and the CA staff's review console, as a Leptos client-side app served
//! by certrenew-server. It talks to the server over `/api/v1` and to the token through
//! the certrenew extension; it never sees a PIN.
//!
//! The app is nineteen bundles (binaries in `src/bin/`, the route tables in `app.rs`), so
//! each page downloads only the code of its own route: the certificates (with a
//! platform's entry), setup, the application, the order (its overview and progress;
//! its pay form, a payment under way and the install panel each a page and bundle of
//! their own), the expired path's
//! start and one expired-path application (its details and its form
//! each a page and bundle of their own), and the staff console's pages (the
//! queue; one renewal, its history, money, certificate and expired-path pages each a
//! bundle of their own; the expired path's list; reconciliation). Trunk builds each into
//! its own folder of `dist/`, nested for a route under another bundle's
//! (`dist/admin/renewals/` and in it `dist/admin/renewals/_/history/` and the other
//! pages of one renewal, `dist/admin/expired/`, `dist/admin/reconciliation/`,
//! `dist/expired/_/`, where `_` stands for the renewal number, and in it
//! `dist/expired/_/details/` and `dist/expired/_/form/`; `dist/renewals/_/pay/`,
//! `dist/renewals/_/paying/` and `dist/renewals/_/install/`), and the server
//! serves the deepest such folder's `index.html` for a route (`server/src/app.rs`,
//! `index_for`; the list is `BUNDLES` in `scripts/build-app.sh`).
#![forbid(unsafe_code)]

pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod bridge;
pub mod coded;
pub mod components;
pub mod detect;
pub mod error;
pub mod format;
pub mod i18n;
pub mod models;
pub mod pages;
pub mod read;
pub mod resource;
pub mod router;
pub mod state;
pub mod storage;

/// Starts a bundle: the panic hook, its texts (only its screens' areas, so the others'
/// are not linked into it), then its root component.
pub fn start<F, N>(root: F, texts: i18n::Texts)
where
    F: FnOnce() -> N + 'static,
    N: leptos::prelude::IntoView + 'static,
{
    console_error_panic_hook::set_once();
    i18n::install(texts);
    leptos::mount::mount_to_body(root);
}
