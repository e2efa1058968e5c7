//! The order's pay bundle (`/renewals/{no}/pay`): the pay form.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::RenewalsPayApp, app::i18n::RENEWALS_PAY);
}
