//! The customer's first bundle: my certificates and a platform's entry (served at `/`,
//! `/renew` and every route no other bundle claims).

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::CertificatesApp, app::i18n::CERTIFICATES);
}
