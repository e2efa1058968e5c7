//! `/admin/expired`: the applications of the expired-certificate path (placeholder).

use leptos::prelude::*;

use crate::admin::session::StaffGate;

/// `/admin/expired`.
#[component]
pub fn AdminExpiredPage() -> impl IntoView {
    view! { <StaffGate><section id="admin-expired"></section></StaffGate> }
}
