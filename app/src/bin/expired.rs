//! The expired-certificate bundle (`/expired`, `/expired/{no}`).

fn main() {
    app::start(app::app::ExpiredApp);
}
