//! The order bundle (`/renewals/{no}`): pay, progress, install.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::RenewalsApp, app::i18n::RENEWALS);
}
