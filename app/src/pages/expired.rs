//! (to be written)

use leptos::prelude::*;

/// (to be written)
#[component]
pub fn ExpiredPage() -> impl IntoView {
    view! { <section><h1>"ExpiredPage"</h1></section> }
}
