//! Renewals: the state machine ([`state`]), applying its events ([`transition`]),
//! storing and reading renewals ([`store`]), the business number ([`numbers`]), and
//! the expiry of unpaid applications ([`expiry`]).

pub mod expiry;
pub mod numbers;
pub mod state;
pub mod store;
pub mod transition;
