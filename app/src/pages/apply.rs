//! (to be written)

use leptos::prelude::*;

/// (to be written)
#[component]
pub fn ApplyPage() -> impl IntoView {
    view! { <section><h1>"ApplyPage"</h1></section> }
}
