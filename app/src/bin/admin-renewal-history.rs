//! The console's renewal history bundle (`/admin/renewals/{no}/history`, `app::app`).

#![forbid(unsafe_code)]

fn main() {
    app::start(
        app::app::AdminRenewalHistoryApp,
        app::i18n::ADMIN_RENEWAL_HISTORY,
    );
}
