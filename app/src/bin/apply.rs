//! The application bundle (`/apply`).

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::ApplyApp, app::i18n::APPLY);
}
