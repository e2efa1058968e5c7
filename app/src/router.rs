//! The routing the screens use: links, navigation, the route's parameters and query.
//! Screens name these through this module only, so what implements them can change in
//! one place (issue 16: the router's share of each bundle).

pub use leptos_router::NavigateOptions;
pub use leptos_router::components::A;
pub use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
