//! Shared types and rules of certrenew: the page, the extension, the native host and
//! the CA's server all speak through these, so each rule lives here exactly once.
//!
//! Nothing in this crate does I/O; it compiles for `wasm32-unknown-unknown` (the web
//! app) as well as for the host and the server.
//!
//! # Layout
//! - [`application`]: the renewal application and its field rules.
//! - [`error_code`]: the one enum of stable error codes shared by every party.
//! - [`host`]: the native-messaging request and response of docs/protocol.md and each
//!   command's arguments and result.
//! - [`ids`]: newtypes for the names on the wire: request ids, origins, challenges,
//!   token serials, certificate digests, key ids.
//! - [`tbs`]: the origin-bound to-be-signed text (`certrenew-v1`).
//! - [`id_number`], [`credit_code`], [`contact`]: validators for GB 11643 resident ID
//!   numbers, GB 32100 unified social credit codes, mobiles, e-mail and names.
//! - [`money`]: integer fen and its display.
//! - [`stage`]: the five stages a renewal goes through.
//! - [`renewal`]: the renewal's states, events and transition table, and which stage
//!   each state shows.
//! - [`business_no`]: the CA's business number (业务单号).
//! - [`validity`]: the validity rule of a renewed certificate.
//! - [`eligibility`]: where a certificate stands for online renewal.
//! - [`certificate`]: a renewed certificate's state.
//! - [`envelope`]: the KMC's digital envelope for an encryption private key.
//! - [`payment`]: payment methods, a payment's, refund's and invoice's states.
//! - [`staff`]: the CA staff's roles and what each may do.
//! - [`expired`]: the expired-certificate path's application states, steps, transfer
//!   and identity-check states, and upload kinds.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod application;
pub mod business_no;
pub mod certificate;
pub mod contact;
pub mod credit_code;
pub mod eligibility;
pub mod envelope;
pub mod error_code;
pub mod expired;
pub mod expired_request;
pub mod host;
pub mod id_number;
pub mod ids;
pub mod money;
pub mod pay_request;
pub mod payment;
pub mod recovery;
pub mod renewal;
pub mod staff;
pub mod stage;
pub mod tbs;
pub mod validity;
mod wire_enum;

pub use error_code::ErrorCode;

/// The major version of the native-messaging protocol this crate implements.
pub const PROTOCOL_VERSION: u32 = 1;

/// The largest native-messaging message, in bytes, in either direction (Chrome's limit
/// for messages from a host; certrenew applies it to both directions).
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
