//! The expired path's form bundle (`/expired/{no}/form`): the form step (print, sign,
//! upload), with the application's title, facts, stepper and cancel.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::ExpiredFormApp, app::i18n::EXPIRED_FORM);
}
