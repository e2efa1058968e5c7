//! (to be written)

use leptos::prelude::*;

/// (to be written)
#[component]
pub fn SetupPage() -> impl IntoView {
    view! { <section><h1>"SetupPage"</h1></section> }
}
