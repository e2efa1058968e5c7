//! The staff console bundle (`/admin`, `/admin/expired`, `/admin/reconciliation`).

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::AdminApp, app::i18n::ADMIN);
}
