//! (to be written)

use leptos::prelude::*;

/// (to be written)
#[component]
pub fn CertificatesPage() -> impl IntoView {
    view! { <section><h1>"CertificatesPage"</h1></section> }
}
