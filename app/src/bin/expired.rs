//! The expired-certificate bundle (`/expired`, `/expired/{no}`).

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::ExpiredApp, app::i18n::EXPIRED);
}
