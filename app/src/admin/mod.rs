//! The CA staff's console (`/admin`).

pub mod detail;

use leptos::prelude::*;

/// (to be written)
#[component]
pub fn AdminPage() -> impl IntoView {
    view! { <section><h1>"AdminPage"</h1></section> }
}
