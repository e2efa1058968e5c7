//! The console's expired-path bundle (`/admin/expired`): the expired path's applications.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::AdminExpiredApp, app::i18n::ADMIN_EXPIRED);
}
