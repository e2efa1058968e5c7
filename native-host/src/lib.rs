//! `certrenew-host`: the native-messaging host Chrome and Edge start for the certrenew
//! extension. It does every PKCS#11 operation on the user's token (through
//! `cryptoki`) and nothing else: list certificates, sign origin-bound challenges,
//! generate a new key and CSR, install the renewed certificate, discard an abandoned
//! key. It also registers itself with the browsers and diagnoses an installation.
//!
//! The wire contract is described in `docs/protocol.md`.
//!
//! # Layout
//! - [`serve`]: the loop Chrome drives; [`framing`]: length-prefixed frames with the
//!   1 MiB cap.
//! - [`cmd`]: one file per command and the dispatcher.
//! - [`context`]: per-process state (modules, logged-in sessions).
//! - [`config`]: modules and allowed extensions; [`extension_policy`]: which of them a
//!   release build serves; [`modules`]: loading PKCS#11 modules.
//! - [`token`], [`objects`]: finding tokens by serial, objects by stable names.
//! - [`signer`], [`keygen`], [`csr`], [`pubkey`]: the cryptography on the token (the
//!   DER shapes built around it come from `certinfo::der`).
//! - [`mechanisms`]: per-module vendor SM2/SM3/SM4 numbers (profiles) and the SM2
//!   operations on the token.
//! - [`dual`]: the encryption half of a dual renewal (the KMC's envelope opened on
//!   the token).
//! - [`binding`]: the on-token record of which certificate a new key renews.
//! - [`cert_info`]: certificate fields as the page shows them; [`pairing`]: which
//!   of them are signing and encryption pairs; [`history`]: the mark of a kept former
//!   encryption certificate.
//! - [`fault`]: the crash switch the install tests use.
//! - [`register`], [`diagnose`]: host manifests and the installation report.
//! - [`install`]: the per-user installation on Windows (started with no argument).
#![forbid(unsafe_code)]

pub mod binding;
pub mod cert_info;
pub mod cert_write;
pub mod cmd;
pub mod config;
pub mod context;
pub mod csr;
pub mod diagnose;
pub mod dual;
pub mod error;
pub mod extension_policy;
pub mod fault;
pub mod framing;
pub mod history;
pub mod install;
pub mod keygen;
pub mod mechanisms;
pub mod modules;
pub mod objects;
pub mod pairing;
pub mod pubkey;
pub mod register;
pub mod serve;
pub mod signer;
pub mod token;
