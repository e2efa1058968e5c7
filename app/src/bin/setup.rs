//! The setup bundle (`/setup`): the environment check and the host downloads.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::SetupApp, app::i18n::SETUP);
}
