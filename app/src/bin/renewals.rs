//! The order bundle (`/renewals/{no}`): pay, progress, install.

fn main() {
    app::start(app::app::RenewalsApp);
}
