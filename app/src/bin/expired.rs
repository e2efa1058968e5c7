//! The expired-certificate bundle (`/expired`: SMS sign-in, the certificate).

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::ExpiredApp, app::i18n::EXPIRED);
}
