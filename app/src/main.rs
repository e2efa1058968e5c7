//! The customer's first bundle: my certificates, setup, a platform's entry, the expired
//! path (served at `/` and every route no other bundle claims).

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::CertificatesApp, app::i18n::CERTIFICATES);
}
