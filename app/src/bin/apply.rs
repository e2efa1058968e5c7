//! The application bundle (`/apply`).

fn main() {
    app::start(app::app::ApplyApp);
}
