//! The order's install bundle (`/renewals/{no}/install`): the install panel.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::RenewalsInstallApp, app::i18n::RENEWALS_INSTALL);
}
