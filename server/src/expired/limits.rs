//! The verification transfer's amount and limits, shared by the step that sends it
//! (`bank`) and the view that shows the tries left (`store`).

/// Wrong codes allowed per transfer.
pub const MAX_TRIES: i64 = 5;
/// Transfers per application (each costs the CA a fee).
pub const MAX_TRANSFERS: i64 = 5;
/// What is sent: one fen.
pub const AMOUNT_FEN: i64 = 1;
