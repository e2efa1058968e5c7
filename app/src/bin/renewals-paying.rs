//! The order's paying bundle (`/renewals/{no}/paying`): an attempt under way (WeChat's
//! code to scan), a declared transfer awaiting finance, the attempts so far.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::RenewalsPayingApp, app::i18n::RENEWALS_PAYING);
}
