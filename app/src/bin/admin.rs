//! The staff console bundle (`/admin`: the review queue and the audit trail).

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::AdminApp, app::i18n::ADMIN);
}
