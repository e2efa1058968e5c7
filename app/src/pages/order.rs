//! (to be written)

use leptos::prelude::*;

/// (to be written)
#[component]
pub fn OrderPage() -> impl IntoView {
    view! { <section><h1>"OrderPage"</h1></section> }
}
