//! Renewals: the state machine ([`state`]), applying its events ([`transition`]),
//! storing and reading renewals ([`store`]), reading the issued certificates
//! ([`certificates`]), the business number ([`numbers`]), the encryption half of a
//! dual renewal ([`dual`]), and the expiry of unpaid applications ([`expiry`]).

pub mod certificates;
pub mod dual;
pub mod expiry;
pub mod numbers;
pub mod state;
pub mod store;
pub mod transition;
