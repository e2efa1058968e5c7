//! The console's renewal finance bundle (`/admin/renewals/{no}/finance`, `app::app`).

#![forbid(unsafe_code)]

fn main() {
    app::start(
        app::app::AdminRenewalFinanceApp,
        app::i18n::ADMIN_RENEWAL_FINANCE,
    );
}
