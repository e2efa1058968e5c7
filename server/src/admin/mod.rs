//! The CA staff's side: accounts and sessions with CSRF protection ([`auth`]), and the
//! review console's API ([`console`]): the queue, a renewal's whole story, approve and
//! reject, bank-transfer reconciliation, refunds, invoices, the audit trail.

pub mod auth;
pub mod console;
pub mod guard;
