//! (to be written)

use leptos::prelude::*;

/// (to be written)
#[component]
pub fn RenewEntryPage() -> impl IntoView {
    view! { <section><h1>"RenewEntryPage"</h1></section> }
}
