//! The order bundle (`/renewals/{no}`): the order's overview, progress, outcomes; its
//! pay and install panels are bundles of their own (`renewals-pay`, `renewals-install`).

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::RenewalsApp, app::i18n::RENEWALS);
}
