//! The console's renewal certificate bundle (`/admin/renewals/{no}/certificate`, `app::app`).

#![forbid(unsafe_code)]

fn main() {
    app::start(
        app::app::AdminRenewalCertificateApp,
        app::i18n::ADMIN_RENEWAL_CERTIFICATE,
    );
}
