//! Who is asking: single-use challenges, origin-bound signatures checked against the
//! server's own public origin, the user's certificate checked against this CA, and
//! the session cookie a login (or an apply) opens.
//!
//! # Layout
//! - [`challenges`]: issuing and consuming single-use challenges.
//! - [`signature`]: rebuilding the TBS with our origin and verifying a signature.
//! - [`certificate`]: chain, revocation and the renewal window.
//! - [`sessions`]: the user's session cookie.

pub mod certificate;
pub mod challenges;
pub mod sessions;
pub mod signature;
