//! The expired path's details bundle (`/expired/{no}/details`): the details step, with
//! the application's title, facts, stepper and cancel.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::ExpiredDetailsApp, app::i18n::EXPIRED_DETAILS);
}
