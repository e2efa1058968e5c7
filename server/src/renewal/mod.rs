//! Renewals: the state machine ([`state`]), applying its events ([`transition`]),
//! storing and reading renewals ([`store`]), and the business number ([`numbers`]).

pub mod numbers;
pub mod state;
pub mod store;
pub mod transition;
