//! (to be written)

use leptos::prelude::*;

/// (to be written)
#[component]
pub fn AdminDetailPage() -> impl IntoView {
    view! { <section><h1>"AdminDetailPage"</h1></section> }
}
