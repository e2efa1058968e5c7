//! certrenew's web app: the customer's certificate renewal (我的证书 → 申请 → 缴费 →
//! 审核 → 安装) and the CA staff's review console, as a Leptos client-side app served
//! by certrenew-server. It talks to the server over `/api/v1` and to the token through
//! the certrenew extension; it never sees a PIN.

mod admin;
mod api;
mod app;
mod auth;
mod bridge;
mod components;
mod detect;
mod error;
mod format;
mod i18n;
mod models;
mod pages;
mod state;
mod storage;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
