//! The customer's screens, one module each.

pub mod apply;
pub mod certificates;
pub mod expired;
pub mod install;
pub mod order;
pub mod pay;
pub mod progress;
pub mod renew_entry;
pub mod setup;
pub mod support;
