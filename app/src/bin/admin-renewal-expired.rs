//! The console's renewal expired bundle (`/admin/renewals/{no}/expired`, `app::app`).

#![forbid(unsafe_code)]

fn main() {
    app::start(
        app::app::AdminRenewalExpiredApp,
        app::i18n::ADMIN_RENEWAL_EXPIRED,
    );
}
