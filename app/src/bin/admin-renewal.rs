//! The console's renewal bundle (`/admin/renewals/{no}`): the review, the facts, the audit.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::AdminRenewalApp, app::i18n::ADMIN_RENEWAL);
}
