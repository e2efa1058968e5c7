//! Notifications: written to the outbox in the same transaction as the change they
//! announce, delivered afterwards by a worker over SMTP and an SMS webhook (or to the
//! log in development), retried with backoff.
//!
//! # Layout
//! - [`outbox`]: enqueueing, and the table's rows.

pub mod outbox;
