//! The staff console bundle (`/admin`).

fn main() {
    app::start(app::app::AdminApp);
}
