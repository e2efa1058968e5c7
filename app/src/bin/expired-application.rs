//! The expired path's application bundle (`/expired/{no}`): its steps until it is submitted.

#![forbid(unsafe_code)]

fn main() {
    app::start(
        app::app::ExpiredApplicationApp,
        app::i18n::EXPIRED_APPLICATION,
    );
}
