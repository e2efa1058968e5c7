//! The CA staff's side: accounts and sessions with CSRF protection ([`auth`]), and the
//! review console's API ([`console`]): the queue, a renewal's whole story, approve and
//! reject, bank-transfer reconciliation, refunds, invoices, the audit trail. Sign-in
//! failures back off ([`login_limit`]); passwords are checked in a bounded pool
//! ([`hash_pool`]). The staff accounts' and sessions' SQL is in [`store`].

pub mod auth;
pub mod console;
pub mod guard;
pub mod hash_pool;
pub mod login_limit;
pub mod recovery;
pub mod store;
