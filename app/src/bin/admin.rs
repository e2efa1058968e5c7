//! The staff console bundle (`/admin`).

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::AdminApp, app::i18n::ADMIN);
}
